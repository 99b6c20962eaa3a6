"""Sales channels: the web shop, stores and partner marketplaces selling from the same stock."""
