"""The mail use cases: send a batch to the outbox, read it back, deliver it."""
