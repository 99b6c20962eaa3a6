"""Mail to customers: messages rendered per locale from Jinja2 templates, written to the
outbox (the record of every mail), and delivered over SMTP when the shop has a server to send
through.

Other domains hand ``Message`` batches to a ``Notifier`` (``ports.py``); this package imports
nothing of theirs.
"""
