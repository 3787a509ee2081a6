"""Benchmarks for the claims the README makes in numbers, measured on localcloud.

``make bench`` runs :mod:`bench.__main__`, which merges its figures into ``reports/bench.json``;
each benchmark owns its keys, so several can add to the same file.
"""
