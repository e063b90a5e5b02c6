"""The export workflow on a real database: a complete, signed, encrypted archive behind an expiring link."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta
from pathlib import Path
from uuid import UUID

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Send
from starlette.types import Scope as AsgiScope

from renown.api.exports import export_download
from renown.app import Runtime
from renown.domain.errors import DecryptionFailed, NotFound, SignatureInvalid
from renown.domain.privacy import RequestKind, RequestStatus
from renown.domain.scopes import Principal, Scope
from renown.jobs.export import export_store
from renown.jobs.registry import default_handlers
from renown.jobs.worker import Worker
from renown.services import privacy
from renown.services.export_archive import verify_manifest
from renown.services.exports import ExportDownloads, download_token
from renown.storage.exports import ExportRepository, decrypt_chunks
from tests.jobs.helpers import Clock, unit_of_work
from tests.jobs.population import SUBJECT, Population, full_member, plant_canaries


async def export_of(runtime: Runtime, clock: Clock, member_id: UUID) -> tuple[UUID, bytes]:
    """Request an export, run the worker until it is done, and download it through the service."""
    async with unit_of_work(runtime, clock) as uow:
        request = await privacy.submit_request(uow, member_id=member_id, kind=RequestKind.EXPORT)
    worker = Worker(runtime, default_handlers(runtime), clock=clock)
    while await worker.run_once():
        pass
    downloads = ExportDownloads(lambda: unit_of_work(runtime, clock), export_store(runtime.settings))
    async with unit_of_work(runtime, clock) as uow:
        done = await privacy.get_request(uow, request_id=request.id)
    assert done.status is RequestStatus.COMPLETED
    link = await downloads.link(member_id=member_id, result=done.result)
    assert link is not None
    download = await downloads.open(member_id=member_id, token=link.removeprefix("/exports/"))
    return request.id, b"".join(download.chunks())


async def test_the_archive_holds_every_canary_and_a_signed_manifest(runtime: Runtime, tmp_path: Path) -> None:
    # given a member with data in every table, canaries in every personal column that can hold one
    clock = Clock()
    people = await full_member(runtime, tmp_path)
    planted = await plant_canaries(runtime, people.alice)
    # when they export
    request_id, blob = await export_of(runtime, clock, people.alice)
    archive = zipfile.ZipFile(io.BytesIO(blob))
    data = json.loads(archive.read("data.json"))
    everything = b"".join(archive.read(name) for name in archive.namelist())
    # then every canary is in it (coverage), and nothing of Bob's
    assert sorted(key for key, canary in planted.items() if canary.encode() not in everything) == []
    assert len(planted) == 19
    assert str(people.bob) not in json.dumps(data["tables"]["member"])
    # and the JSON is schema-versioned with the Art. 15 meta section
    assert (data["schema_version"], data["export_id"]) == (1, str(request_id))
    meta = data["meta"]
    assert {k for k in ("purposes", "categories", "recipients", "retention", "sources", "rights",
                        "automated_decision_making", "complaint_authority") if meta[k]} == {
        "purposes", "categories", "recipients", "retention", "sources", "rights", "automated_decision_making",
        "complaint_authority"}
    assert meta["sources"] == ["mastodon (archive import or linked account)"]
    assert meta["withheld"][1] == {"table": "linked_account", "column": "oauth_token",
                                   "reason": "a live credential for the member's network account"}
    assert [len(data["tables"][t]) for t in ("activity", "consent_event", "score", "perk_claim")] == [4, 2, 1, 1]
    # and one CSV per table, the HTML page with its chart, the receipts, and a manifest that verifies
    names = set(archive.namelist())
    assert {f"csv/{t}.csv" for t in data["tables"]} <= names
    assert {"data.json", "index.html", "manifest.json", "manifest.jws"} <= names
    assert len([n for n in names if n.startswith("consent_receipts/")]) == 2
    page = archive.read("index.html").decode()
    assert "<svg" in page
    assert "<polyline" in page
    assert "<script" not in page
    manifest = verify_manifest(archive, runtime.tokens.verify_json)
    assert sorted(f["path"] for f in manifest["files"]) == sorted(names - {"manifest.json", "manifest.jws"})


async def test_a_changed_byte_fails_the_manifest(runtime: Runtime, tmp_path: Path) -> None:
    clock = Clock()
    people = await full_member(runtime, tmp_path)
    _, blob = await export_of(runtime, clock, people.alice)
    original = zipfile.ZipFile(io.BytesIO(blob))
    altered = io.BytesIO()
    with zipfile.ZipFile(altered, "w") as copy:
        for name in original.namelist():
            content = original.read(name)
            copy.writestr(name, content.replace(b"Compost", b"Kompost") if name == "data.json" else content)
    with pytest.raises(ValueError, match="data.json does not match its manifest hash"):
        verify_manifest(zipfile.ZipFile(altered), runtime.tokens.verify_json)
    signed = original.read("manifest.jws").decode()
    with pytest.raises(SignatureInvalid):
        runtime.tokens.verify_json(signed[:-3] + ("AAA" if not signed.endswith("AAA") else "BBB"))


async def test_the_stored_archive_is_encrypted_and_dies_with_the_members_key(runtime: Runtime, tmp_path: Path) -> None:
    clock = Clock()
    people = await full_member(runtime, tmp_path)
    request_id, _ = await export_of(runtime, clock, people.alice)
    path = export_store(runtime.settings).path(request_id)
    raw = path.read_bytes()
    assert raw[:4] == b"RNX1"
    assert b"data.json" not in raw
    assert b"Compost" not in raw
    # a chunk moved or dropped does not decrypt
    async with runtime.uow() as uow:
        cipher = await uow.vault.load(uow.connection, people.alice)
    truncated = path.with_suffix(".cut")
    truncated.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(DecryptionFailed):
        b"".join(decrypt_chunks(truncated, cipher, request_id))


async def test_links_open_only_for_their_member_before_expiry(runtime: Runtime, tmp_path: Path) -> None:
    # given Alice's finished export and its link
    clock = Clock()
    people = await full_member(runtime, tmp_path)
    request_id, _ = await export_of(runtime, clock, people.alice)
    downloads = ExportDownloads(lambda: unit_of_work(runtime, clock), export_store(runtime.settings))
    async with unit_of_work(runtime, clock) as uow:
        result = (await privacy.get_request(uow, request_id=request_id)).result
    link = await downloads.link(member_id=people.alice, result=result)
    assert link is not None
    token = link.removeprefix("/exports/")
    # then Bob, a forged token, or anyone after 7 days gets the same NotFound
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for member, candidate in ((people.bob, token), (people.alice, forged), (people.alice, "not-a-token")):
        with pytest.raises(NotFound, match="no such export"):
            await downloads.open(member_id=member, token=candidate)
    clock.advance(days=7)
    with pytest.raises(NotFound, match="no such export"):
        await downloads.open(member_id=people.alice, token=token)
    assert await downloads.link(member_id=people.alice, result=result) is None
    # and the scheduled expiry deletes the file and its record
    worker = Worker(runtime, default_handlers(runtime), clock=clock)
    async with unit_of_work(runtime, clock) as uow:
        await uow.jobs.enqueue("exports.expire", {}, at=clock())
        await uow.commit()
    while await worker.run_once():
        pass
    assert export_store(runtime.settings).files() == []
    async with unit_of_work(runtime, clock) as uow:
        assert await ExportRepository(uow.connection).get(request_id) is None


def with_principal(app: Starlette, runtime: Runtime, *, subject: str, auth_age: timedelta, clock: Clock) -> ASGIApp:
    """The app behind a fixed, already verified principal (what BearerAuth puts in the scope)."""
    principal = Principal(subject=subject, scopes=frozenset({Scope.MEMBER}), auth_time=clock() - auth_age,
                          issuer=runtime.tokens.issuer, token_id="t")

    async def asgi(scope: AsgiScope, receive: Receive, send: Send) -> None:
        scope.setdefault("state", {})["principal"] = principal
        await app(scope, receive, send)
    return asgi


async def test_the_download_endpoint_streams_to_a_fresh_sign_in_and_404s_alike(runtime: Runtime,
                                                                              tmp_path: Path) -> None:
    clock = Clock()
    people: Population = await full_member(runtime, tmp_path)
    request_id, blob = await export_of(runtime, clock, people.alice)
    downloads = ExportDownloads(lambda: unit_of_work(runtime, clock), export_store(runtime.settings))
    app = Starlette(routes=[Route("/exports/{token}", export_download(downloads, max_auth_age_seconds=900,
                                                                      clock=clock))])
    async with unit_of_work(runtime, clock) as uow:
        record = await ExportRepository(uow.connection).get(request_id)
        assert record is not None
        token = download_token(uow.vault, export_id=request_id, member_id=people.alice,
                               expires_at=record["expires_at"])

    async def get(subject: str, age: timedelta, path: str) -> httpx.Response:
        transport = httpx.ASGITransport(app=with_principal(app, runtime, subject=subject, auth_age=age, clock=clock))
        async with httpx.AsyncClient(transport=transport, base_url="http://renown.test") as client:
            return await client.get(path)

    fresh = await get(SUBJECT, timedelta(minutes=1), f"/exports/{token}")
    stale = await get(SUBJECT, timedelta(minutes=20), f"/exports/{token}")
    other = await get("bob@example.org", timedelta(minutes=1), f"/exports/{token}")
    forged = await get(SUBJECT, timedelta(minutes=1), f"/exports/{token[:-4]}AAAA")
    assert (fresh.status_code, fresh.headers["content-type"], fresh.content) == (200, "application/zip", blob)
    assert fresh.headers["cache-control"] == "no-store"
    assert stale.status_code == 401
    assert stale.headers["www-authenticate"] == 'Bearer error="insufficient_user_authentication", max_age=900'
    assert (other.status_code, other.json()) == (404, forged.json())
    assert forged.status_code == 404
