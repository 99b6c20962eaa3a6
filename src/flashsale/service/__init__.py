"""Async use cases: what a buyer, an operator or a worker can do, over the ports."""
