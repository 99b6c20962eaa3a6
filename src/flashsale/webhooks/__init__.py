"""Webhooks: the order event feed delivered to the operator's integrations over HTTP, signed
as Standard Webhooks describes, retried with back-off, in feed order per order.

The dispatcher fans each event of the feed out to the subscriptions that want it (one row per
subscription and event, written with the fan-out cursor in one transaction); deliverers claim
due rows with a lease, sign and POST them, and record the outcomes in batches.
"""
