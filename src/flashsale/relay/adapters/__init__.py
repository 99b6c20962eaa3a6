"""Brokers (NATS JetStream, RabbitMQ) and where the relays keep their cursors."""
