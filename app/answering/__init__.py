"""Answering a question: what it asks, which sentences answer it, and quoting them on their pages."""
