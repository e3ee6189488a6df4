"""Benchmarks and the synthetic fleet they (and load tests) run on: see `bench.fleet`."""
