"""The room's live state: in process (embedded) or in Redis shared by every API process."""
