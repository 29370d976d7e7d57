"""Hearth product CLI."""
