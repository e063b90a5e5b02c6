"""The Bluesky record-key map lives on disk: keys stay right across flushes and threads."""

from __future__ import annotations

import threading
from pathlib import Path

from renown.connectors.archive import ArchiveLimits
from renown.connectors.bluesky import parse_bluesky
from renown.domain.activity import ActivityKind, ParsedArchive
from tests.archives import DID, at, build_bluesky_car, tid

LIMITS = ArchiveLimits()


def test_many_records_keep_their_real_ids_and_urls_past_the_map_flushes(tmp_path: Path) -> None:
    # given a repository with more posts than the key map buffers at once, in leaves of 50 entries
    path = build_bluesky_car(tmp_path, posts=9000, reposts=3, leaf_size=50)
    # when it is parsed
    activities = list(parse_bluesky(path, LIMITS).activities)
    # then every post and repost comes out once, under its own record key and URL
    posts = [a for a in activities if a.kind is ActivityKind.POST]
    assert len(posts) == 9000
    assert sorted(a.external_id for a in posts) == sorted(tid(at(i)) for i in range(9000))
    assert {a.url for a in posts} == {f"https://bsky.app/profile/{DID}/post/{tid(at(i))}" for i in range(9000)}
    assert sorted(a.external_id for a in activities if a.kind is ActivityKind.RESHARE) == [
        tid(at(9000)), tid(at(9001)), tid(at(9002))]


def test_an_archive_parsed_in_one_thread_streams_in_another(tmp_path: Path) -> None:
    # given an archive parsed in a worker thread, as the import job does
    path = build_bluesky_car(tmp_path, posts=3)
    parsed: list[ParsedArchive] = []
    worker = threading.Thread(target=lambda: parsed.append(parse_bluesky(path, LIMITS)))
    worker.start()
    worker.join()
    # when its activities are read in this thread
    ids = [a.external_id for a in parsed[0].activities]
    # then they all come through
    assert ids == [tid(at(0)), tid(at(1)), tid(at(2))]
