"""hearth_gateway."""
