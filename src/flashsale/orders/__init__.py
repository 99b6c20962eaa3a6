"""An order's life after the purchase: payment, expiry, cancellation, the delivery address."""
