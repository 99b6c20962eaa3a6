"""Reporting's repositories: in memory, and on SQLAlchemy Core for SQLite and PostgreSQL."""
