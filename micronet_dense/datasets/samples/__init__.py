"""Synthetic sample sets in the on-disk formats of real benchmarks."""
