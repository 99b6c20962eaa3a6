"""The stores' use cases."""
