"""Flash sales: their terms, registration, the purchase path and the stock gate in front of the
record.
"""
