"""Tests of the maintenance worker."""
