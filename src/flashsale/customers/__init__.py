"""Accounts, passwords and session tokens."""
