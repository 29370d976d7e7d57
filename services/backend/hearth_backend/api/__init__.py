"""hearth_backend."""
