"""The webhooks' adapters: memory and SQL repositories, the HTTP sender, the host resolver."""
