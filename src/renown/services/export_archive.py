"""The export archive (Art. 15 and 20): one ZIP that a person and a program can both use.

`data.json` (schema-versioned, with a `meta` section), one CSV per table, `index.html` for people,
the consent receipts, and `manifest.json` with the SHA-256 of every file, signed as `manifest.jws`.
Written as a stream, page by page: memory stays flat however much the member has.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol
from uuid import UUID

import orjson
import sqlalchemy as sa

from renown.domain.influence.model import ScoringModel
from renown.domain.policies import Policies
from renown.services.audit import member_pseudonym
from renown.services.export_html import render_index
from renown.storage.exports import SealedSpool
from renown.storage.member_data import WITHHELD_COLUMNS, WITHHELD_TABLES, MemberData, exported_columns, member_tables
from renown.storage.uow import SqlUnitOfWork

SCHEMA = "https://renown.example.org/schemas/export/v1.json"
SCHEMA_VERSION = 1
RIGHTS = ("access (Art. 15)", "rectification (Art. 16)", "erasure (Art. 17)", "restriction (Art. 18)",
          "portability (Art. 20)", "objection (Art. 21)", "human review of the score (Art. 22(3))",
          "complaint to the supervisory authority (Art. 77)")
SCORE_LOGIC = (
    "Your score (1-100) is computed per network from your own activity of the last days the model names "
    "(window_days), with older posts weighing less (half_life_days). Standardized factors (reach, engagement, "
    "amplification per network; consistency, centrality and reactors across networks) are weighted as listed "
    "in `model.weights`, combined, and mapped to 1-100 on a versioned calibration curve. Each score row in "
    "`tables.score` keeps its explanation: the contribution of each factor, which add up to the score."
)


class DocumentSigner(Protocol):
    def sign_json(self, payload: Mapping[str, Any]) -> str: ...


@dataclass
class ArchiveSummary:
    files: list[dict[str, Any]] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)


def _plain(value: Mapping[str, Any]) -> dict[str, Any]:
    plain: dict[str, Any] = json.loads(json.dumps(value, default=str))
    return plain


def export_meta(policies: Policies, *, sources: list[str]) -> dict[str, Any]:
    """What GDPR Art. 15(1)(a)-(h) asks an access answer to say, from `policies/`."""
    return _plain({
        "controller": asdict(policies.controller),
        "data_protection_officer": asdict(policies.dpo),
        "complaint_authority": asdict(policies.supervisory_authority),
        "purposes": {name: {"name": p.name, "description": p.description, "lawful_basis": p.lawful_basis.value,
                            "profiling": p.profiling, "recipients": list(p.recipients)}
                     for name, p in policies.purposes.items()},
        "categories": {name: c.description for name, c in policies.data_categories.items()},
        "recipients": {name: asdict(r) for name, r in policies.recipients.items()},
        "retention": {name: asdict(r) for name, r in policies.retention.items()},
        "sources": sources,
        "rights": list(RIGHTS),
        "automated_decision_making": {"logic": SCORE_LOGIC, "model": ScoringModel().describe()},
        "withheld": [{"table": t, "reason": "security material (data keys)"} for t in sorted(WITHHELD_TABLES)]
        + [{"table": t, "column": c.removesuffix("_enc"), "reason": why} for (t, c), why in WITHHELD_COLUMNS.items()],
    })


class _Member:
    """One file being written into the ZIP, hashed and counted on the way."""

    def __init__(self, archive: zipfile.ZipFile, path: str, summary: ArchiveSummary) -> None:
        self._stream = archive.open(path, "w", force_zip64=True)
        self._hash = hashlib.sha256()
        self._size = 0
        self._path = path
        self._summary = summary

    def write(self, data: str | bytes) -> None:
        raw = data.encode("utf-8") if isinstance(data, str) else data
        self._hash.update(raw)
        self._size += len(raw)
        self._stream.write(raw)

    def __enter__(self) -> _Member:
        return self

    def __exit__(self, *_: object) -> None:
        self._stream.close()
        self._summary.files.append({"path": self._path, "sha256": self._hash.hexdigest(), "bytes": self._size})


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else str(value)


def _structured_positions(table: sa.Table, columns: list[str]) -> list[int]:
    """Where in a CSV row a JSON column's dict or list lands (every other value `csv` writes as `_cell` would)."""
    structured = {c.name for c in table.columns if isinstance(c.type, sa.JSON)}
    return [n for n, name in enumerate(columns) if name in structured]


def _cells(page: list[dict[str, Any]], columns: list[str], structured: list[int]) -> list[list[Any]]:
    """One page as CSV rows: `csv` writes None as empty and other scalars with `str`, so only JSON needs `_cell`."""
    rows = [list(map(row.get, columns)) for row in page]
    for cells in rows:
        for n in structured:
            cells[n] = _cell(cells[n])
    return rows


async def write_archive(
    uow: SqlUnitOfWork, *, member_id: UUID, export_id: UUID, out: IO[bytes], signer: DocumentSigner,
    policies: Policies, scratch: Path,
) -> ArchiveSummary:
    """Write the member's export ZIP to `out` (an encrypting stream); return its files and row counts.

    One read of each table feeds both `data.json` and, through a sealed scratch spool, its CSV.
    """
    cipher = await uow.vault.load(uow.connection, member_id)
    data = MemberData(uow.connection, cipher)
    tables = member_tables()
    summary = ArchiveSummary()
    now = uow.now()
    accounts = [row async for page in data.pages(_table("linked_account")) for row in page]
    consents = [row async for page in data.pages(_table("consent_event")) for row in page]
    scores = [row async for page in data.pages(_table("score")) for row in page]
    sources = sorted({f"{a['network']} (archive import or linked account)" for a in accounts})
    spools: dict[str, SealedSpool] = {}
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with _Member(archive, "data.json", summary) as doc:
            head = {"schema": SCHEMA, "schema_version": SCHEMA_VERSION, "export_id": str(export_id),
                    "generated_at": now.isoformat(), "meta": export_meta(policies, sources=sources)}
            doc.write(orjson.dumps(head)[:-1] + b', "tables": {')
            for n, table in enumerate(tables):
                doc.write((b"," if n else b"") + orjson.dumps(table.name) + b": [")
                columns = exported_columns(table)
                spool = spools[table.name] = SealedSpool(scratch / f"{table.name}.csv")
                spool.write(_csv([columns]))
                count = 0
                structured = _structured_positions(table, columns)
                async for page in data.pages(table):
                    # One call per page: the list's brackets off, its rows are comma-joined as they belong.
                    doc.write((b"," if count else b"") + orjson.dumps(page, default=str)[1:-1])
                    spool.write(_csv(_cells(page, columns, structured)))
                    count += len(page)
                spool.close()
                doc.write(b"]")
                summary.rows[table.name] = count
            trail = await uow.audit.page(subject=member_pseudonym(uow.vault, member_id), first=500)
            doc.write(b'}, "audit_trail": ' + orjson.dumps(
                [{"at": e.occurred_at.isoformat(), "action": e.action, "detail": e.detail} for e in reversed(trail)],
                default=str) + b"}")
        for name, spool in spools.items():
            with _Member(archive, f"csv/{name}.csv", summary) as sheet:
                for chunk in spool.chunks():
                    sheet.write(chunk)
        for consent in consents:
            if consent.get("receipt_jws"):
                with _Member(archive, f"consent_receipts/{consent['id']}.jws", summary) as receipt:
                    receipt.write(consent["receipt_jws"])
        recent = await uow.activities.page(member_id, first=100)
        with _Member(archive, "index.html", summary) as page_file:
            page_file.write(render_index(
                generated_at=now, rows=summary.rows, accounts=accounts, scores=scores, consents=consents,
                recent=[s.activity for s in recent.items], files=[f["path"] for f in summary.files]))
        manifest = {"schema": SCHEMA, "schema_version": SCHEMA_VERSION, "export_id": str(export_id),
                    "generated_at": now.isoformat(), "files": list(summary.files)}
        with _Member(archive, "manifest.json", summary) as manifest_file:
            manifest_file.write(json.dumps(manifest, indent=1))
        with _Member(archive, "manifest.jws", summary) as signature:
            signature.write(signer.sign_json(manifest))
    return summary


def _csv(rows: list[list[Any]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _table(name: str) -> sa.Table:
    return next(t for t in member_tables() if t.name == name)


def verify_manifest(archive: zipfile.ZipFile, verify_json: Any) -> dict[str, Any]:
    """Check the signed manifest and every file's hash; return the manifest or raise ValueError."""
    signed = verify_json(archive.read("manifest.jws").decode())
    if signed != json.loads(archive.read("manifest.json")):
        raise ValueError("manifest.json differs from what manifest.jws signed")
    for entry in signed["files"]:
        if hashlib.sha256(archive.read(entry["path"])).hexdigest() != entry["sha256"]:
            raise ValueError(f"{entry['path']} does not match its manifest hash")
    return dict(signed)
