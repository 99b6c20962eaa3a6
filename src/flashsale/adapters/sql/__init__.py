"""The record of truth in SQL: SQLite (the embedded default) and PostgreSQL, one code path."""
