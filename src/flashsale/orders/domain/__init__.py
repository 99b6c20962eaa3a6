"""The pure rules of an order: its states, its shipping address, the record's check on placing
it."""
