"""Mastodon archives: outbox statuses, the account, coverage, and bad uploads."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from renown.connectors.archive import ArchiveLimits
from renown.connectors.mastodon import parse_mastodon
from renown.domain.activity import AccountProfile, Activity, ActivityKind, Network, Signal
from renown.domain.errors import ArchiveMalformed, NotAnArchive, UnknownLayout, WrongNetwork
from tests.archives import OTHER_HANDLE, build_mastodon_archive, tar_gz_bytes, write_archive, zip_bytes
from tests.unit.connectors.fuzzing import JSON_VALUES, KEYS, mutated, run_parser

LIMITS = ArchiveLimits()
ACTOR = json.dumps(
    {"id": "https://mastodon.example.org/users/alice", "type": "Person", "preferredUsername": "alice"}
).encode()


def _outbox(*items: object) -> bytes:
    return json.dumps({"id": "outbox.json", "type": "OrderedCollection", "orderedItems": list(items)}).encode()


def test_reads_posts_replies_and_boosts_in_order(tmp_path: Path) -> None:
    # given
    path = build_mastodon_archive(tmp_path, posts=2, replies=1, boosts=1)
    # when
    parsed = parse_mastodon(path, LIMITS)
    activities = list(parsed.activities)
    # then
    assert [(a.external_id, a.kind) for a in activities] == [
        ("100000", ActivityKind.POST),
        ("100001", ActivityKind.POST),
        ("100002", ActivityKind.REPLY),
        ("100003", ActivityKind.RESHARE),
    ]
    assert activities[0] == Activity(
        network=Network.MASTODON,
        external_id="100000",
        kind=ActivityKind.POST,
        published_at=datetime(2024, 1, 1, 12, 0, tzinfo=UTC),
        text="Post 0 about #gardening and #Python",
        url="https://mastodon.example.org/@alice/100000",
        likes=None,
        reshares=None,
        replies=None,
        hashtags=("gardening", "python"),
        mentions=0,
    )
    assert activities[3] == Activity(
        network=Network.MASTODON,
        external_id="100003",
        kind=ActivityKind.RESHARE,
        published_at=datetime(2024, 1, 1, 15, 0, tzinfo=UTC),
        text="",
    )


def test_a_reply_counts_its_mention_but_never_names_the_person(tmp_path: Path) -> None:
    path = build_mastodon_archive(tmp_path, posts=0, replies=1, boosts=1, following=3)
    parsed = parse_mastodon(path, LIMITS)
    activities = list(parsed.activities)
    assert activities[0].text == "Reply 0 agreeing on #compost"
    assert activities[0].mentions == 1
    assert OTHER_HANDLE not in repr(activities) + repr(parsed.account)


def test_reads_the_account_and_coverage(tmp_path: Path) -> None:
    path = build_mastodon_archive(tmp_path, handle="alice", display_name="Alice Example", following=3)
    parsed = parse_mastodon(path, LIMITS)
    assert parsed.account == AccountProfile(
        network=Network.MASTODON,
        handle="@alice@mastodon.example.org",
        display_name="Alice Example",
        followers=None,
        following=3,
        likes_given=2,
        bookmarks=1,
    )
    assert parsed.coverage.signals == {Signal.OWN_POSTS, Signal.FOLLOWING}


def test_without_the_following_export_following_is_unknown(tmp_path: Path) -> None:
    parsed = parse_mastodon(build_mastodon_archive(tmp_path, following=None), LIMITS)
    assert parsed.account.following is None
    assert parsed.coverage.signals == {Signal.OWN_POSTS}


def test_direct_messages_are_left_out(tmp_path: Path) -> None:
    parsed = parse_mastodon(build_mastodon_archive(tmp_path, posts=1, direct=2), LIMITS)
    assert [a.external_id for a in parsed.activities] == ["100000"]


def test_a_zip_of_the_same_files_is_accepted(tmp_path: Path) -> None:
    parsed = parse_mastodon(build_mastodon_archive(tmp_path, posts=5, fmt="zip"), LIMITS)
    assert sum(1 for _ in parsed.activities) == 5


def test_planted_texts_come_out_as_plain_text(tmp_path: Path) -> None:
    texts = ["Fish & chips <3 at the #Harbour", "line one"]
    parsed = parse_mastodon(build_mastodon_archive(tmp_path, posts=2, texts=texts), LIMITS)
    activities = list(parsed.activities)
    assert [a.text for a in activities] == texts
    assert activities[0].hashtags == ("harbour",)


def test_html_paragraphs_and_breaks_become_newlines(tmp_path: Path) -> None:
    note = {
        "type": "Create",
        "published": "2024-03-01T10:00:00Z",
        "object": {
            "id": "https://mastodon.example.org/users/alice/statuses/7",
            "type": "Note",
            "published": "2024-03-01T10:00:00+02:00",
            "content": "<p>First &amp; best<br>second line</p><p>Next paragraph</p>",
            "to": ["https://mastodon.example.org/users/alice/followers"],
        },
    }
    path = write_archive(tmp_path / "a.zip", {"actor.json": ACTOR, "outbox.json": _outbox(note)})
    [activity] = parse_mastodon(path, LIMITS).activities
    assert activity.text == "First & best\nsecond line\n\nNext paragraph"
    assert activity.published_at == datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
    assert activity.url is None


def test_activities_are_a_lazy_stream(tmp_path: Path) -> None:
    # given an outbox whose second item has a broken date
    good = {"type": "Announce", "id": "https://m.example.org/users/alice/statuses/1/activity",
            "published": "2024-01-01T00:00:00Z"}
    bad = dict(good, published="yesterday")
    path = write_archive(tmp_path / "a.zip", {"actor.json": ACTOR, "outbox.json": _outbox(good, bad)})
    # when the archive is parsed, nothing fails yet
    stream = parse_mastodon(path, LIMITS).activities
    # then the first activity arrives, and the broken one fails while streaming
    assert next(stream).external_id == "1"
    with pytest.raises(ArchiveMalformed, match="ISO-8601"):
        next(stream)


def test_a_truncated_outbox_fails_while_streaming(tmp_path: Path) -> None:
    boost = {"type": "Announce", "id": "https://m.example.org/users/alice/statuses/1/activity",
             "published": "2024-01-01T00:00:00Z"}
    path = write_archive(tmp_path / "cut.zip", {"actor.json": ACTOR, "outbox.json": _outbox(boost, boost)[:-30]})
    stream = parse_mastodon(path, LIMITS).activities
    assert next(stream).external_id == "1"
    with pytest.raises(ArchiveMalformed, match="not valid JSON"):
        next(stream)


@pytest.mark.parametrize(
    ("members", "error", "message"),
    [
        ({"data/tweets.js": b"window.YTD.tweets.part0 = []"}, WrongNetwork, "x archive"),
        ({"posts.csv": b"id\n", "comments.csv": b"id\n"}, WrongNetwork, "reddit archive"),
        ({"notes.txt": b"hello"}, UnknownLayout, "no mastodon archive layout"),
        ({"actor.json": ACTOR}, UnknownLayout, "no mastodon archive layout"),
        ({"actor.json": ACTOR, "outbox.json": b'{"type": "Collection", "items": []}'}, UnknownLayout, "outbox"),
        ({"actor.json": b'{"type": "Note"}', "outbox.json": _outbox()}, UnknownLayout, "actor.json"),
        ({"actor.json": b"{not json", "outbox.json": _outbox()}, ArchiveMalformed, "not valid JSON"),
        ({"actor.json": b'{"type": "Person"}', "outbox.json": _outbox()}, ArchiveMalformed, "no username"),
    ],
)
def test_refuses_archives_that_are_not_mastodon_ones(
    tmp_path: Path, members: dict[str, bytes], error: type[Exception], message: str
) -> None:
    path = write_archive(tmp_path / "a.zip", members)
    with pytest.raises(error, match=message):
        parse_mastodon(path, LIMITS)


def test_refuses_a_malformed_following_export(tmp_path: Path) -> None:
    extra = {"following_accounts.csv": b"\xff\xfe not utf-8"}
    path = build_mastodon_archive(tmp_path, following=None, extra=extra)
    with pytest.raises(ArchiveMalformed, match="following_accounts.csv"):
        parse_mastodon(path, LIMITS)


def test_refuses_a_file_that_is_no_archive(tmp_path: Path) -> None:
    path = tmp_path / "archive.tar.gz"
    path.write_bytes(b"<html>not an archive</html>")
    with pytest.raises(NotAnArchive):
        parse_mastodon(path, LIMITS)


_VALID = tar_gz_bytes({"actor.json": ACTOR, "outbox.json": _outbox({"type": "Create", "object": {}})})


@settings(derandomize=True, max_examples=200, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=512),
        mutated(_VALID),
        st.builds(
            lambda actor, items: zip_bytes(
                {"actor.json": json.dumps(actor).encode(), "outbox.json": _outbox(*items)}
            ),
            JSON_VALUES,
            st.lists(JSON_VALUES, max_size=4),
        ),
        st.builds(lambda raw: zip_bytes({"actor.json": ACTOR, "outbox.json": raw}), st.binary(max_size=256)),
        st.builds(
            lambda note, html: zip_bytes(
                {"actor.json": ACTOR, "outbox.json": _outbox({"type": "Create", "object": dict(note, content=html)})}
            ),
            st.dictionaries(KEYS, JSON_VALUES, max_size=8),
            st.text(alphabet="<>/!&#;-ap =\"'x@", max_size=40),
        ),
    )
)
def test_any_input_ends_in_a_result_or_an_archive_error(data: bytes) -> None:
    outcome = run_parser(parse_mastodon, data)
    assert outcome is None or outcome >= 0
