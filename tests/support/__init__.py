"""Helpers shared by tests and benches (not fixtures: plain functions a bench script can call too)."""
