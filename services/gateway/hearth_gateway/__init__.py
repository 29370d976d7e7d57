"""Hearth gateway service."""
