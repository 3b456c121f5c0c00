"""Benchmarks: turns per second of our bot against a stock botbuilder echo bot, each in its own process."""
