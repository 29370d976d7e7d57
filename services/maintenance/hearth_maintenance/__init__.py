"""hearth_maintenance."""
