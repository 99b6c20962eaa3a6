"""Use cases of fulfilment: the allocator, fulfilment orders, market settings."""
