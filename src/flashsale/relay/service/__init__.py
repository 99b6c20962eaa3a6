"""The relay's use case: the feed, batch by batch, to a broker."""
