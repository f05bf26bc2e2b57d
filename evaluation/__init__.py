"""Measuring the scorer end to end: benchmarks that print figures (``python -m evaluation.bench``).

Above ``scoring`` and ``reports`` (it reads the reference report through ``reports``); nothing imports it.
"""
