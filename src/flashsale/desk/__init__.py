"""The service desk: customers' cases, answered from the record where it can, else routed at
once to the agent who speaks their language and has room (docs/desk.md)."""
