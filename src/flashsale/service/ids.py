"""Opaque ids: a readable prefix and 128 random bits; nothing can be inferred from one."""

from __future__ import annotations

import uuid


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex}"
