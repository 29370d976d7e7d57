"""Hearth ingest service."""
