"""Drafting a section 55 response: the draft model, its builder and its writers."""
