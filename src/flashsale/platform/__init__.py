"""Infrastructure every domain shares (SQL engine and migrations, the Redis client, leadership);
knows no domain.
"""
