"""Time-ordered row ids (UUID version 7 layout): inserts append to the primary-key B-tree."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from uuid import UUID

_VERSION_7 = 0x7 << 76
_VARIANT = 0x2 << 62


def new_id() -> UUID:
    """A UUIDv7: 48 bits of Unix milliseconds, then 74 random bits."""
    rand = int.from_bytes(os.urandom(10), "big")
    millis = time.time_ns() // 1_000_000
    return UUID(int=millis << 80 | _VERSION_7 | (rand >> 62 & 0xFFF) << 64 | _VARIANT | (rand & (1 << 62) - 1))


def id_texts() -> Iterator[tuple[str, str]]:
    """Endless new UUIDv7s as (32-digit hex, canonical hyphenated) strings, for bulk inserts.

    The same layout as `new_id`, with the randomness drawn from the OS in blocks.
    """
    while True:
        pool = os.urandom(10 * 1024)
        for at in range(0, len(pool), 10):
            rand = int.from_bytes(pool[at:at + 10], "big")
            value = (time.time_ns() // 1_000_000 << 80 | _VERSION_7 | (rand >> 62 & 0xFFF) << 64 | _VARIANT
                     | rand & (1 << 62) - 1)
            digits = f"{value:032x}"
            yield digits, f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"
