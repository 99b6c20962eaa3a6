"""The customers' repository: in SQL (SQLite, PostgreSQL) and in memory."""
