"""Scrutiny test suite (installed so a built wheel can be checked for it)."""
