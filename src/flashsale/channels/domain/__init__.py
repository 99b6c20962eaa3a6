"""Channels, prices, pools, partner order lines, feeds and reconciliation: pure rules."""
