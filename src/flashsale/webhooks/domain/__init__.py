"""The webhooks' pure model: subscriptions, deliveries, back-off, the URL policy, signing."""
