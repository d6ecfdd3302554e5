"""Known-answer evaluation and benchmarks."""
