"""The stock gate: in process (embedded) or in Redis shared by every API process."""
