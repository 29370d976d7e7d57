"""Hearth compaction service."""
