"""Fulfilment: where each paid order ships from, and its way to the customer's door.

Reads the order event feed (``order.paid``, ``order.cancelled``) and writes fulfilment orders,
one per order per location, in its own batched transactions; never the purchase path.
"""
