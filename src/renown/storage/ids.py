"""Time-ordered row ids (UUID version 7 layout): inserts append to the primary-key B-tree."""

from __future__ import annotations

import os
import time
from uuid import UUID

_VERSION_7 = 0x7 << 76
_VARIANT = 0x2 << 62


def new_id() -> UUID:
    """A UUIDv7: 48 bits of Unix milliseconds, then 74 random bits."""
    rand = int.from_bytes(os.urandom(10), "big")
    millis = time.time_ns() // 1_000_000
    return UUID(int=millis << 80 | _VERSION_7 | (rand >> 62 & 0xFFF) << 64 | _VARIANT | (rand & (1 << 62) - 1))
