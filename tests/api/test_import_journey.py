"""The foundation's path: authenticate, register, import a Mastodon archive, read it back."""

from __future__ import annotations

from pathlib import Path

import httpx

from renown.app import Runtime
from tests.api.conftest import bearer, gql, upload
from tests.archives import build_mastodon_archive, zip_bytes

# Registering also gives the scoring consent for Mastodon: without a consent that reads activities,
# an import is refused (see tests/api/test_consent_api.py).
REGISTER = """mutation {
  register(ageBracket: ADULT, displayName: "Alice Example") { __typename }
  grantConsent(purpose: SCORING, network: MASTODON) { __typename }
}"""
ME = """query($after: String) {
  me {
    displayName
    accounts { network handle displayName following }
    activities(first: 2, after: $after, network: MASTODON) {
      edges { node { network kind publishedAt text url likes } }
      pageInfo { hasNextPage endCursor }
    }
  }
}"""


async def test_member_imports_an_archive_and_reads_it_back_page_by_page(
    client: httpx.AsyncClient, runtime: Runtime, tmp_path: Path
) -> None:
    # given a registered member and their Mastodon archive of three posts
    alice = bearer(runtime)
    assert (await gql(client, REGISTER, alice))["data"]["register"]["__typename"] == "Registered"
    archive = build_mastodon_archive(tmp_path, posts=3, texts=["First bloom", "Second bloom", "Third bloom"])
    # when they import it
    result = await upload(client, alice, archive)
    # then three activities are stored and the coverage says what the archive holds
    assert result["data"]["importArchive"] == {
        "__typename": "ArchiveImported", "imported": 3, "skipped": 0, "coverage": ["following", "own_posts"],
    }
    first = (await gql(client, ME, alice))["data"]["me"]
    assert first["displayName"] == "Alice Example"
    assert first["accounts"] == [{"network": "MASTODON", "handle": "@alice@mastodon.example.org",
                                  "displayName": "Alice Example", "following": 2}]
    assert [e["node"]["text"] for e in first["activities"]["edges"]] == ["Third bloom", "Second bloom"]
    assert first["activities"]["edges"][0]["node"]["likes"] is None
    assert first["activities"]["pageInfo"]["hasNextPage"] is True
    cursor = first["activities"]["pageInfo"]["endCursor"]
    second = (await gql(client, ME, alice, {"after": cursor}))["data"]["me"]["activities"]
    assert [e["node"]["text"] for e in second["edges"]] == ["First bloom"]
    assert second["pageInfo"]["hasNextPage"] is False


async def test_reimporting_the_same_archive_adds_nothing(
    client: httpx.AsyncClient, runtime: Runtime, tmp_path: Path
) -> None:
    alice = bearer(runtime)
    await gql(client, REGISTER, alice)
    archive = build_mastodon_archive(tmp_path, posts=4)
    await upload(client, alice, archive)
    again = await upload(client, alice, archive)
    assert again["data"]["importArchive"]["imported"] == 0
    assert again["data"]["importArchive"]["skipped"] == 4


async def test_malformed_archive_is_refused_with_a_typed_error_and_stores_nothing(
    client: httpx.AsyncClient, runtime: Runtime, tmp_path: Path
) -> None:
    # given an archive whose outbox breaks off in the middle of the posts
    alice = bearer(runtime)
    await gql(client, REGISTER, alice)
    good = build_mastodon_archive(tmp_path, posts=2, fmt="zip")
    broken = tmp_path / "broken.zip"
    actor = (tmp_path / "actor.json")
    import zipfile

    with zipfile.ZipFile(good) as source:
        actor.write_bytes(source.read("actor.json"))
        outbox = source.read("outbox.json")
    broken.write_bytes(zip_bytes({"actor.json": actor.read_bytes(), "outbox.json": outbox[: len(outbox) - 40]}))
    # when it is imported
    result = await upload(client, alice, broken)
    # then the refusal names the problem, and neither the account nor any activity was stored
    refusal = result["data"]["importArchive"]
    assert refusal["__typename"] == "RequestRefused"
    assert refusal["code"] == "ARCHIVE_MALFORMED"
    me = (await gql(client, ME, alice))["data"]["me"]
    assert me["accounts"] == []
    assert me["activities"]["edges"] == []


async def test_an_archive_of_another_network_is_refused(
    client: httpx.AsyncClient, runtime: Runtime, tmp_path: Path
) -> None:
    alice = bearer(runtime)
    await gql(client, REGISTER, alice)
    not_mastodon = tmp_path / "twitter.zip"
    not_mastodon.write_bytes(zip_bytes({"data/tweets.js": b"window.YTD.tweets.part0 = []"}))
    result = await upload(client, alice, not_mastodon)
    assert result["data"]["importArchive"]["code"] in {"ARCHIVE_WRONG_NETWORK"}


async def test_unregistered_caller_sees_no_member_and_cannot_import(
    client: httpx.AsyncClient, runtime: Runtime, tmp_path: Path
) -> None:
    bob = bearer(runtime, "bob@example.org")
    assert (await gql(client, "{ me { displayName } }", bob))["data"] == {"me": None}
    result = await upload(client, bob, build_mastodon_archive(tmp_path))
    assert result["data"]["importArchive"]["code"] == "NOT_FOUND"


async def test_members_never_see_each_others_activities(
    client: httpx.AsyncClient, runtime: Runtime, tmp_path: Path
) -> None:
    alice, bob = bearer(runtime), bearer(runtime, "bob@example.org")
    await gql(client, REGISTER, alice)
    await gql(client, REGISTER, bob)
    await upload(client, alice, build_mastodon_archive(tmp_path, texts=["Alice only"], posts=1))
    me = (await gql(client, ME, bob))["data"]["me"]
    assert me["activities"]["edges"] == []
    assert me["accounts"] == []
