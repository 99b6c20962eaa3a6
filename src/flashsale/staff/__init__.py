"""The shop's own people: staff members with roles, markets and languages, and their sessions."""
