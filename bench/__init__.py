"""Benchmark suite: `python -m bench --scales 10000,100000` (see BENCHMARKS.md)."""
