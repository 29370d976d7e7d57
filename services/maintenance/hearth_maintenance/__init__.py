"""Hearth maintenance service."""
