"""The relay's pure parts: where it publishes to, and what one event becomes on the wire."""
