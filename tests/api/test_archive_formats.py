"""Every network's archive, end to end over GraphQL: import, read back, re-import, a newer archive, refusals."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from renown.app import Runtime
from renown.storage.tables import metadata
from tests.api.conftest import bearer, gql, upload
from tests.api.journeys import REGISTER, grant
from tests.archives import (
    build_bluesky_car,
    build_instagram_archive,
    build_mastodon_archive,
    build_reddit_archive,
    build_x_archive,
    zip_bytes,
)

READ_BACK = """query($network: Network) {
  me {
    accounts { network handle displayName followers following }
    activities(first: 50, network: $network) { edges { node { network kind url } } }
  }
}"""
NOTHING = "{ me { accounts { network } activities(first: 1) { edges { node { id } } } } }"
ACCOUNTS = metadata.tables["linked_account"]


@dataclass(frozen=True)
class Format:
    """One network's archive as the factory builds it, and what importing it must give."""

    build: Callable[[Path, int], Path]  # (folder, own posts) -> a full archive with replies, reshares…
    posts_only: Callable[[Path, int], Path]  # (folder, own posts) -> an archive of own posts alone
    coverage: list[str]
    kinds: list[str]  # newest first
    account: dict[str, Any]
    newest_post_url: str | None


BLUESKY_POSTS = "https://bsky.app/profile/did:plc:alice2example3test4abcd/post"
FORMATS: dict[str, Format] = {
    "MASTODON": Format(
        lambda d, n: build_mastodon_archive(d, posts=n, replies=1, boosts=1, fmt="zip"),
        lambda d, n: build_mastodon_archive(d, posts=n, fmt="zip"),
        ["following", "own_posts"], ["RESHARE", "REPLY", "POST", "POST", "POST"],
        {"handle": "@alice@mastodon.example.org", "displayName": "Alice Example", "followers": None, "following": 2},
        "https://mastodon.example.org/@alice/100003"),
    "X": Format(
        lambda d, n: build_x_archive(d, posts=n, replies=1, retweets=1),
        lambda d, n: build_x_archive(d, posts=n),
        ["followers", "following", "own_posts", "received_likes", "received_reshares"],
        ["RESHARE", "REPLY", "POST", "POST", "POST"],
        {"handle": "alice", "displayName": "Alice Example", "followers": 4, "following": 2},
        "https://x.com/alice/status/1600000000000000003"),
    "REDDIT": Format(
        lambda d, n: build_reddit_archive(d, posts=n, comments=2, scores=True),
        lambda d, n: build_reddit_archive(d, posts=n, comments=0),
        ["own_posts", "received_likes"], ["REPLY", "REPLY", "POST", "POST", "POST"],
        {"handle": "alice_example", "displayName": None, "followers": None, "following": None},
        "https://www.reddit.com/r/Python/comments/p00000/title/c00001/"),
    "INSTAGRAM": Format(
        lambda d, n: build_instagram_archive(d, posts=n + 2),
        lambda d, n: build_instagram_archive(d, posts=n),
        ["followers", "following", "own_posts"], ["POST", "POST", "POST", "POST", "POST"],
        # The display name is repaired from Meta's latin-1-as-UTF-8 export.
        {"handle": "alice.example", "displayName": "Alice Exämple", "followers": 4, "following": 2},
        None),
    "BLUESKY": Format(
        lambda d, n: build_bluesky_car(d, posts=n, replies=1, reposts=1, likes=2, follows=2),
        lambda d, n: build_bluesky_car(d, posts=n),
        ["following", "own_posts"], ["RESHARE", "REPLY", "POST", "POST", "POST"],
        {"handle": "did:plc:alice2example3test4abcd", "displayName": "Alice Example", "followers": None,
         "following": 2},
        f"{BLUESKY_POSTS}/3khwilgjj2222"),
}
NETWORKS = list(FORMATS)


async def member(client: httpx.AsyncClient, runtime: Runtime, network: str) -> dict[str, str]:
    """A registered member who consents to scoring on `network`; their headers."""
    headers = bearer(runtime)
    assert (await gql(client, REGISTER, headers))["data"]["register"]["__typename"] == "Registered"
    await grant(client, headers, "SCORING", network)
    return headers


async def imported(client: httpx.AsyncClient, headers: dict[str, str], path: Path, network: str) -> dict[str, Any]:
    result: dict[str, Any] = (await upload(client, headers, path, network))["data"]["importArchive"]
    return result


def folder(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.mkdir()
    return path


@pytest.mark.parametrize("network", NETWORKS)
async def test_each_format_imports_end_to_end_with_its_coverage(
    client: httpx.AsyncClient, runtime: Runtime, tmp_path: Path, network: str
) -> None:
    # given a member who consents to scoring on the network, and its archive with posts, replies and reshares
    fmt = FORMATS[network]
    headers = await member(client, runtime, network)
    # when they import it
    result = await imported(client, headers, fmt.build(tmp_path, 3), network)
    # then every activity is stored once, the coverage says what the archive holds
    assert result == {"__typename": "ArchiveImported", "imported": 5, "skipped": 0, "coverage": fmt.coverage}
    # and their account and activities read back under that network
    me = (await gql(client, READ_BACK, headers, {"network": network}))["data"]["me"]
    assert me["accounts"] == [{"network": network, **fmt.account}]
    nodes = [edge["node"] for edge in me["activities"]["edges"]]
    assert [(node["network"], node["kind"]) for node in nodes] == [(network, kind) for kind in fmt.kinds]
    newest_post = next(node for node in nodes if node["kind"] != "RESHARE")
    assert newest_post["url"] == fmt.newest_post_url
    # and nothing of it shows under another network
    other = next(n for n in NETWORKS if n != network)
    assert (await gql(client, READ_BACK, headers, {"network": other}))["data"]["me"]["activities"]["edges"] == []


@pytest.mark.parametrize("network", NETWORKS)
async def test_reimports_skip_everything_and_a_newer_archive_adds_only_its_new_posts(
    client: httpx.AsyncClient, runtime: Runtime, tmp_path: Path, network: str
) -> None:
    # given a member who imported an archive of three posts
    fmt = FORMATS[network]
    headers = await member(client, runtime, network)
    first = fmt.posts_only(folder(tmp_path, "first"), 3)
    assert (await imported(client, headers, first, network))["imported"] == 3
    # when they import it again, then every activity is skipped
    again = await imported(client, headers, first, network)
    assert (again["imported"], again["skipped"]) == (0, 3)
    # when they import a newer archive of five posts, the first three being the same
    newer = await imported(client, headers, fmt.posts_only(folder(tmp_path, "newer"), 5), network)
    # then only the two new posts are added
    assert (newer["imported"], newer["skipped"]) == (2, 3)
    me = (await gql(client, READ_BACK, headers, {"network": network}))["data"]["me"]
    assert [edge["node"]["network"] for edge in me["activities"]["edges"]] == [network] * 5


def _members_of(path: Path) -> dict[str, bytes]:
    """The files of a built archive, to repackage with something hostile added."""
    if not zipfile.is_zipfile(path):
        return {path.name: path.read_bytes()}  # Bluesky's CAR is one file
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.mark.parametrize("network", NETWORKS)
async def test_refused_archives_return_their_code_and_store_nothing(
    client: httpx.AsyncClient, runtime: Runtime, tmp_path: Path, network: str
) -> None:
    # given a member with consent for the network, and its genuine files
    fmt = FORMATS[network]
    headers = await member(client, runtime, network)
    genuine = _members_of(fmt.build(folder(tmp_path, "genuine"), 3))
    other = next(n for n in NETWORKS if n != network)
    wrong = FORMATS[other].build(folder(tmp_path, "wrong"), 3)
    traversal, bomb = tmp_path / "traversal.zip", tmp_path / "bomb.zip"
    traversal.write_bytes(zip_bytes({**genuine, "../../home/alice/.profile": b"echo owned"}))
    bomb.write_bytes(zip_bytes({**genuine, "padding.json": b" " * (64 * 1024 * 1024)}))
    # when they upload another network's archive under this one, one that escapes its folder, and a bomb
    results = [await imported(client, headers, path, network) for path in (wrong, traversal, bomb)]
    # then each is refused with the code naming the problem
    assert [(r["__typename"], r["code"]) for r in results] == [
        ("RequestRefused", "ARCHIVE_WRONG_NETWORK"), ("RequestRefused", "ARCHIVE_UNSAFE"),
        ("RequestRefused", "ARCHIVE_UNSAFE")]
    # and nothing was stored: no account, no activity
    assert (await gql(client, NOTHING, headers))["data"]["me"] == {"accounts": [], "activities": {"edges": []}}


async def test_counts_an_archive_states_about_the_account_are_stored_and_kept_when_a_later_one_omits_them(
    client: httpx.AsyncClient, runtime: Runtime, tmp_path: Path
) -> None:
    # given a member who imports a Mastodon archive (2 likes, 1 bookmark) and a Reddit one (42 karma)
    headers = await member(client, runtime, "MASTODON")
    await grant(client, headers, "SCORING", "REDDIT")
    mastodon = build_mastodon_archive(folder(tmp_path, "mastodon"), fmt="zip")
    await imported(client, headers, mastodon, "MASTODON")
    await imported(client, headers, build_reddit_archive(folder(tmp_path, "reddit")), "REDDIT")
    # and later a Mastodon archive without likes.json and bookmarks.json
    stripped = tmp_path / "stripped.zip"
    stripped.write_bytes(zip_bytes({name: data for name, data in _members_of(mastodon).items()
                                    if name not in ("likes.json", "bookmarks.json")}))
    assert (await imported(client, headers, stripped, "MASTODON"))["skipped"] == 3
    # then the linked accounts hold the counts as plain numbers, the earlier ones kept
    async with runtime.engine.connect() as conn:
        rows = (await conn.execute(sa.select(ACCOUNTS.c.network, ACCOUNTS.c.likes_given, ACCOUNTS.c.bookmarks,
                                             ACCOUNTS.c.karma).order_by(ACCOUNTS.c.network))).all()
    assert [tuple(row) for row in rows] == [("mastodon", 2, 1, None), ("reddit", None, None, 42)]
