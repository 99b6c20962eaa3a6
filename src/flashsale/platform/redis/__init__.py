"""The Redis client every Redis adapter shares, and the key layout that keeps a sale in one cluster
slot.
"""
