"""The desk's repositories: in memory, and SQL (SQLite and PostgreSQL)."""
