"""Hearth cache service."""
