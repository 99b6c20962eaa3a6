"""The pure model of fulfilment: no I/O, no clock."""
