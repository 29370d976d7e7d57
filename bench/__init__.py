"""Benchmarks: each prints its figures (and a baseline run side by side); never asserted in tests."""
