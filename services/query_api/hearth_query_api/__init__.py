"""hearth_query_api."""
