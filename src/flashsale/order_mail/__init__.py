"""Customers' mail from the order event feed: a confirmation per reservation, a notice per
refund."""
