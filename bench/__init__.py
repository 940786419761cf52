"""Benchmarks: each suite measures figures beside a baseline measured in the same run and a target."""
