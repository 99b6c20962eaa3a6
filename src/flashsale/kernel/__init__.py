"""The shared kernel: money, ids, clock, keys, base errors, batching, metrics. Pure and small;
imports no domain.
"""
