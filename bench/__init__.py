"""Benchmarks: pages against stock Flask-Admin (`make bench`), CSV exports, and a load test (`make load`)."""
