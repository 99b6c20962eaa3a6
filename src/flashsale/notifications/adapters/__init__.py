"""The outbox in memory and in SQL, and SMTP delivery through aiosmtplib."""
