"""Fulfilment's repositories: in memory, and in SQL (SQLite and PostgreSQL)."""
