"""hearth_cache."""
