"""hearth_ingest."""
