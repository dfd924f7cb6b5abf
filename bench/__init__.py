"""Benchmarks: each runs our path and a floor in the same process and prints the ratio."""
