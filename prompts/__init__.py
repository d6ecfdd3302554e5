"""Prompt templates, as plain text files."""
