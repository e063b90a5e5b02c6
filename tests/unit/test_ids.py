from __future__ import annotations

import time
from uuid import UUID

from renown.storage.ids import id_texts, new_id


def test_ids_are_version_7_and_start_with_the_current_millisecond() -> None:
    before = time.time_ns() // 1_000_000
    row_id = new_id()
    after = time.time_ns() // 1_000_000
    assert row_id.version == 7
    assert row_id.variant == "specified in RFC 4122"
    assert before <= row_id.int >> 80 <= after


def test_ids_do_not_repeat() -> None:
    assert len({new_id() for _ in range(10_000)}) == 10_000


def test_bulk_ids_have_the_same_layout_in_both_spellings_and_do_not_repeat() -> None:
    before = time.time_ns() // 1_000_000
    stream = id_texts()
    pairs = [next(stream) for _ in range(3000)]  # more than one block of randomness
    after = time.time_ns() // 1_000_000
    ids = [UUID(digits) for digits, _ in pairs]
    assert [str(row_id) for row_id in ids] == [canonical for _, canonical in pairs]
    assert {(row_id.version, row_id.variant) for row_id in ids} == {(7, "specified in RFC 4122")}
    assert all(before <= row_id.int >> 80 <= after for row_id in ids)
    assert len(set(ids)) == 3000
