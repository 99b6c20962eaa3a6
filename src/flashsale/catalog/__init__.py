"""Products, variants and markets with their own prices and time zones."""
