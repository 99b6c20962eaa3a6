"""The stores' pure model: no I/O, no clock reads."""
