"""The inventory's repositories: in memory, and in SQL (SQLite and PostgreSQL)."""
