"""Hearth backend service."""
