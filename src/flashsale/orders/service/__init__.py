"""An order's use cases: payment and cancellation, expiry, the address, units going back to the
gate.
"""
