"""The desk's use cases (async): cases, routing, self-service, agent actions, e-mail, stats."""
