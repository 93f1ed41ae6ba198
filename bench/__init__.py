"""Benchmarks of the bot against the fake Bot API and the panel simulator: `python -m bench`.

See bench/RESULTS.md for the figures on the reference machine and how they were produced.
"""
