"""Adapters for the ports: memory and SQLite (embedded), Redis and PostgreSQL (scale-out)."""
