"""Hearth query API service."""
