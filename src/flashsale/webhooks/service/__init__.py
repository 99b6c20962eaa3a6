"""The webhooks' use cases: subscriptions, the fan-out and the delivery."""
