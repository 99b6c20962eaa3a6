"""The staff's repository: in SQL (SQLite, PostgreSQL) and in memory."""
