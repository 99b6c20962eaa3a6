"""The relay: the order event feed, published to a message broker for systems outside the shop
(a warehouse, a data pipeline), in feed order, at least once, each message carrying its event's
id as the broker's message id.

``flashsale relay --to nats://…`` (NATS JetStream) or ``--to amqp://…`` (RabbitMQ). Each relay
has a name and a cursor stored under it in the record; the cursor moves only after the broker
has acknowledged a whole batch, so a relay that dies re-publishes its last batch, with the same
ids, when it starts again. One process per name publishes at a time (``Leadership``).
"""
