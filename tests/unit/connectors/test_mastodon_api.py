"""Reading Mastodon's REST answers: instance names, statuses, pagination and rate-limit headers."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx2
import pytest

from renown.connectors.mastodon_api import instance_host, next_max_id, reset_time, status_activity
from renown.domain.activity import Activity, ActivityKind, Network
from renown.domain.linking import InstanceRefused, LinkError
from tests.fake_mastodon import status

POSTED = datetime(2026, 10, 20, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("value", ["127.0.0.1", "localhost", "social.example.org:8443", "social.example.org/path",
                                   "mastodon.internal", "[::1]", "intranet", "http://social.example.org",
                                   "social..example.org"])
def test_instances_that_are_not_public_host_names_are_refused(value: str) -> None:
    with pytest.raises(InstanceRefused):
        instance_host(value)


def test_instance_names_are_normalized() -> None:
    assert instance_host(" https://Social.Example.ORG/ ") == "social.example.org"
    assert instance_host("bücher.example.org") == "xn--bcher-kva.example.org"


def test_a_status_keeps_its_counts_hashtags_and_mentions_but_no_handle() -> None:
    # given a reply naming another person
    body = status(7, POSTED, in_reply_to_id="99", mentions=[{"acct": "bob@example.org"}],
                  content='<p><span class="h-card"><a href="https://example.org/@bob" class="u-url mention">'
                          "@<span>bob</span></a></span> thanks! #Fediverse</p>")
    # when it is read, then the text keeps no handle and the counts are the member's
    assert status_activity(body) == Activity(
        network=Network.MASTODON, external_id="107", kind=ActivityKind.REPLY, published_at=POSTED,
        text="thanks! #Fediverse", url="https://social.example.org/@alice/107", likes=21, reshares=14,
        replies=7, hashtags=("fediverse",), mentions=1)


def test_boosts_keep_no_counts_and_direct_messages_are_skipped() -> None:
    boost = status(8, POSTED, reblog={"id": "9", "favourites_count": 500})
    assert status_activity(boost) == Activity(Network.MASTODON, "108", ActivityKind.RESHARE, POSTED, "")
    assert status_activity(status(9, POSTED, visibility="direct")) is None


@pytest.mark.parametrize("body", [[], {"id": 5}, {"id": "5", "created_at": "yesterday"}])
def test_malformed_statuses_are_typed_errors(body: object) -> None:
    with pytest.raises(LinkError):
        status_activity(body)


def test_only_the_max_id_cursor_is_taken_from_the_next_link() -> None:
    link = '<https://elsewhere.example.org/steal?max_id=42&limit=2>; rel="next", ' \
           '<https://social.example.org/x?min_id=50>; rel="prev"'
    response = httpx2.Response(200, headers={"Link": link})
    assert next_max_id(response) == "42"
    assert next_max_id(httpx2.Response(200)) is None


def test_rate_limit_resets_are_read_as_iso_times_or_epoch_seconds() -> None:
    assert reset_time("2026-11-02T12:05:00.000000Z") == datetime(2026, 11, 2, 12, 5, tzinfo=UTC)
    assert reset_time("1793621100") == datetime(2026, 11, 2, 12, 5, tzinfo=UTC)
    assert reset_time("soon") is None
