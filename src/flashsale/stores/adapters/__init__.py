"""The stores' repositories: memory and SQL (SQLite and PostgreSQL)."""
