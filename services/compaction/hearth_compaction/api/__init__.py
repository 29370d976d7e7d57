"""hearth_compaction."""
