"""Benchmarks: `make bench` runs the receipt benchmark, then the served pages."""

# Where bench/wsgi.py serves the bare endpoint that every page is compared with.
BASELINE_PATH = "/_baseline"
