from __future__ import annotations

import time

from renown.storage.ids import new_id


def test_ids_are_version_7_and_start_with_the_current_millisecond() -> None:
    before = time.time_ns() // 1_000_000
    row_id = new_id()
    after = time.time_ns() // 1_000_000
    assert row_id.version == 7
    assert row_id.variant == "specified in RFC 4122"
    assert before <= row_id.int >> 80 <= after


def test_ids_do_not_repeat() -> None:
    assert len({new_id() for _ in range(10_000)}) == 10_000
