"""Chunks to a persistent hybrid (dense + BM25) index, and search over it."""
