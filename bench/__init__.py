"""Benchmark suite of the chat server (issue 7): `python -m bench --help`.

The harness (this package) seeds a dedicated database, starts real server processes on
localhost and drives them with a load generator in a separate process (bench.loadgen).
Results are printed and appended to docs/benchmarks.md.
"""
