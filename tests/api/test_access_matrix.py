"""The access matrix: every root field and mutation, run as every role against another member's data.

The walk reads the assembled schema, so fields added later are covered without editing this file,
except for one thing: a field with required arguments needs sample values in `ARGUMENTS`, and the
test fails, naming the field, until it has them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
import sqlalchemy as sa
from graphql import (
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    GraphQLUnionType,
    get_named_type,
    is_leaf_type,
    is_required_argument,
)

from renown.api.permissions import AdminScope, Authenticated, BrandScope, MemberScope
from renown.api.schema import build_schema
from renown.app import Runtime
from renown.domain.notices import NoticeKind
from renown.domain.perks import BRANDS, CLAIM_CONTEXT
from renown.domain.scopes import Scope
from renown.services import notices, privacy
from renown.storage.notices import NoticeRepository
from renown.storage.tables import metadata
from tests.api.conftest import bearer
from tests.api.journeys import brand, create_perk, join, member_id, set_score
from tests.archives import build_mastodon_archive

OWNER = "owner.canary.k5@example.org"
CANARIES = ("owner.canary.k5", "Canary Vesper Holloway", "canaryvesperk5", "Canary toot on heliotrope bees 4Q",
            "Canary toot on bismuth kites 8W", "heliotrope", "bismuth", "73.4512")
UPLOAD = object()  # an `Upload!` argument: the harness sends the role's own small archive as a multipart file
MAX_DEPTH = 6
PAGE = 3


@dataclass
class World:
    """What the sample arguments may point at: the owner's perk (claimed by the owner), the owner, and the
    owner's open request; `secrets` are ids only the owner and brand one may read (their notices, the claim)."""

    owner_perk_id: str
    owner_id: str
    owner_request_id: str = ""
    secrets: tuple[str, ...] = ()


# Sample arguments, as GraphQL literals, for every field with required arguments ("Type.field").
ARGUMENTS: dict[str, Callable[[World], dict[str, Any]]] = {
    "Mutation.register": lambda w: {"ageBracket": "ADULT"},
    "Mutation.importArchive": lambda w: {"network": "MASTODON", "file": UPLOAD},
    "Mutation.linkAccount": lambda w: {"network": "MASTODON", "instance": '"mastodon.example.org"',
                                       "purposes": '["scoring"]'},
    "Mutation.completeLink": lambda w: {"code": '"code-from-the-instance"', "state": '"sealed-state"'},
    "Mutation.syncAccount": lambda w: {"network": "MASTODON"},
    "Mutation.unlinkAccount": lambda w: {"network": "MASTODON"},
    "Mutation.grantConsent": lambda w: {"purpose": "PERKS"},
    "Mutation.withdrawConsent": lambda w: {"purpose": "PUBLIC_PROFILE"},
    "Mutation.createPerk": lambda w: {"title": '"Matrix perk"', "minimumScore": "10", "quantity": "5",
                                      "validFrom": '"2020-01-01T00:00:00+00:00"',
                                      "validUntil": '"2999-01-01T00:00:00+00:00"'},
    "Mutation.claimPerk": lambda w: {"id": json.dumps(w.owner_perk_id)},
    "Mutation.hideTopic": lambda w: {"slug": '"python"'},
    "Query.importJob": lambda w: {"id": json.dumps("00000000-0000-4000-8000-000000000001")},  # someone's job id
    "Query.profile": lambda w: {"handle": json.dumps("@canaryvesperk5@mastodon.example.org")},
    "Query.privacyRequest": lambda w: {"id": json.dumps("00000000-0000-4000-8000-000000000002")},  # someone's
    "Mutation.markNoticeRead": lambda w: {"id": json.dumps(w.secrets[0])},  # the owner's notice
    "Mutation.markBrandNoticeRead": lambda w: {"id": json.dumps(w.secrets[1])},  # brand one's notice
    "Mutation.extendPrivacyRequest": lambda w: {"id": json.dumps(w.owner_request_id), "months": "1",
                                                "reason": '"Matrix extension"'},
}
# Root fields anyone may call without a token; each needs a reason.
ANONYMOUS_FIELDS = {
    "Query.policy": "the privacy notice must be readable before anyone signs up",
    "Query.profile": "public profiles are public; only members who opted in to one are shown",
    "Query.leaderboard": "leaderboards are public; only members who opted in to a public profile are listed",
}
SCOPE_OF = {MemberScope: Scope.MEMBER, BrandScope: Scope.BRAND, AdminScope: Scope.ADMIN}
ROLES = ("anonymous", "member", "brand", "admin")

GRAPHQL = build_schema(production=False)._schema
SCHEMA: GraphQLSchema = GRAPHQL


def permissions(field: GraphQLField) -> list[type]:
    definition = field.extensions.get("strawberry-definition")
    return list(getattr(definition, "permission_classes", None) or [])


def root_fields() -> list[tuple[str, str, GraphQLField]]:
    """(operation, name, field) for every query and mutation root field."""
    roots = [("query", SCHEMA.query_type), ("mutation", SCHEMA.mutation_type)]
    return [(kind, name, field) for kind, root in roots if root is not None for name, field in root.fields.items()]


class MissingArguments(Exception):  # noqa: N818 - collected, then reported as a test failure
    pass


def literal_arguments(owner: str, field: GraphQLField, world: World) -> dict[str, Any]:
    """Arguments for a field: the table's samples, a small page for `first`, nothing for optional ones."""
    sample = ARGUMENTS.get(owner)
    values = sample(world) if sample is not None else {}
    missing = [name for name, arg in field.args.items() if is_required_argument(arg) and name not in values]
    if missing:
        raise MissingArguments(f"{owner}({', '.join(missing)})")
    if "first" in field.args and "first" not in values:
        values["first"] = str(PAGE)
    return values


def render(values: dict[str, Any]) -> str:
    inner = ", ".join(f"{name}: {'$file' if value is UPLOAD else value}" for name, value in values.items())
    return f"({inner})" if inner else ""


def selection(output: GraphQLOutputType, world: World, path: tuple[str, ...]) -> str:
    """Every field reachable from a type (cycles and depth cut off), with fragments on every possible type."""
    named = get_named_type(output)
    if is_leaf_type(named):
        return ""
    if len(path) >= MAX_DEPTH:
        return "{ __typename }"
    parts = ["__typename"]
    if isinstance(named, GraphQLObjectType):
        for name, field in named.fields.items():
            if get_named_type(field.type).name in path:
                continue
            args = render(literal_arguments(f"{named.name}.{name}", field, world))
            parts.append(f"{name}{args} {selection(field.type, world, (*path, named.name))}".strip())
    elif isinstance(named, GraphQLUnionType | GraphQLInterfaceType):
        for possible in SCHEMA.get_possible_types(named):
            parts.append(f"... on {possible.name} {selection(possible, world, (*path, named.name))}")
    return "{ " + " ".join(parts) + " }"


def operation(kind: str, name: str, field: GraphQLField, world: World) -> tuple[str, bool]:
    """The document that runs one root field with everything under it; whether it uploads a file."""
    values = literal_arguments(f"{kind.capitalize()}.{name}", field, world)
    uploads = any(value is UPLOAD for value in values.values())
    header = f"{kind} Matrix($file: Upload!)" if uploads else f"{kind} Matrix"
    return f"{header} {{ {name}{render(values)} {selection(field.type, world, ())} }}", uploads


async def build_world(client: httpx.AsyncClient, runtime: Runtime, tmp_path: Path) -> World:
    """The owner, full of canaries, with a claimed perk; and the other roles' own data beside it."""
    owner = await join(client, runtime, tmp_path / "owner", subject=OWNER, handle="canaryvesperk5",
                       display_name="Canary Vesper Holloway", texts=list(CANARIES[3:5]),
                       consents=("PERKS", "THIRD_PARTY_SHARING"))
    await set_score(runtime, OWNER, 73.4512)
    perk = await create_perk(client, brand(runtime, "perks@brand-one.example"), minimum=50)
    claim = await client.post("/graphql", headers=owner, json={
        "query": "mutation($id: ID!) { claimPerk(id: $id) { __typename } }", "variables": {"id": perk["id"]}})
    assert claim.json()["data"]["claimPerk"]["__typename"] == "PerkClaimed"
    await join(client, runtime, tmp_path / "other", subject="mallory@example.org", handle="mallory",
               display_name="Mallory Example", consents=("PERKS", "THIRD_PARTY_SHARING"))
    await set_score(runtime, "mallory@example.org", 88.0)
    await create_perk(client, brand(runtime, "perks@brand-two.example"), title="Other brand's perk")
    owner_id = await member_id(runtime, OWNER)
    secrets_ = await owner_notices(client, runtime, owner, owner_id)
    return World(owner_perk_id=perk["id"], owner_id=str(owner_id), owner_request_id=secrets_[0],
                 secrets=secrets_[1:])


async def owner_notices(client: httpx.AsyncClient, runtime: Runtime, owner: dict[str, str], owner_id: UUID,
                        ) -> tuple[str, ...]:
    """The owner's open export, a delivered notice to the owner, and a delivered Art. 19 notice to brand one
    about the owner's claim: (request id, member notice id, brand notice id, claim id)."""
    asked = await client.post("/graphql", headers=owner, json={
        "query": "mutation { requestExport { ... on PrivacyRequest { id } } }"})
    request_id = asked.json()["data"]["requestExport"]["id"]
    async with runtime.uow() as uow:
        request = await privacy.get_request(uow, request_id=UUID(request_id))
        to_owner = await notices.announce_to_member(uow, request=request, kind=NoticeKind.RESTRICTION_LIFT)
        claim_id = (await uow.connection.execute(sa.select(metadata.tables["perk_claim"].c.id).where(
            metadata.tables["perk_claim"].c.member_id == owner_id))).scalar_one()
        to_brand = await NoticeRepository(uow.connection, uow.vault).add(
            request_id=request.id, recipient=BRANDS, recipient_ref="perks@brand-one.example",
            kind=NoticeKind.ERASURE, reference=f"{CLAIM_CONTEXT}:{claim_id}", at=uow.now())
        await uow.commit()
    assert (await notices.deliver_pending(runtime.uow)).delivered == 2
    return request_id, str(to_owner), str(to_brand), str(claim_id)


def headers_of(runtime: Runtime, role: str) -> dict[str, str]:
    return {
        "anonymous": {},
        "member": bearer(runtime, "mallory@example.org"),
        "brand": brand(runtime, "perks@brand-two.example"),
        "admin": bearer(runtime, "officer@example.org", (Scope.ADMIN,)),
    }[role]


async def run(client: httpx.AsyncClient, document: str, headers: dict[str, str], uploads: bool,
              archive: Path) -> dict[str, Any]:
    if not uploads:
        response = await client.post("/graphql", json={"query": document}, headers=headers)
    else:
        operations = json.dumps({"query": document, "variables": {"file": None}})
        with archive.open("rb") as handle:
            response = await client.post(
                "/graphql", data={"operations": operations, "map": json.dumps({"0": ["variables.file"]})},
                files={"0": (archive.name, handle, "application/octet-stream")},
                headers={**headers, "Apollo-Require-Preflight": "true"})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def allowed(field: GraphQLField, role: str) -> bool:
    needed = {SCOPE_OF[p] for p in permissions(field) if p in SCOPE_OF}
    if role == "anonymous":
        return not permissions(field)
    return needed <= {Scope(role)}


@dataclass
class Walk:
    missing: list[str]
    refused: list[str]
    found: set[str]


async def walk(client: httpx.AsyncClient, world: World, headers: dict[str, str], role: str, folder: Path) -> Walk:
    """Run every root field and mutation, with everything under it selected, as one caller."""
    folder.mkdir()
    archive = build_mastodon_archive(folder, posts=1, handle="uploader", texts=["An ordinary post"])
    result = Walk([], [], set())
    for kind, name, field in root_fields():
        try:
            document, uploads = operation(kind, name, field, world)
        except MissingArguments as error:
            result.missing.append(str(error))
            continue
        body = await run(client, document, headers, uploads, archive)
        text = json.dumps(body)
        result.found.update(canary for canary in (*CANARIES, *world.secrets) if canary in text)
        codes = {(e.get("extensions") or {}).get("code") for e in body.get("errors", [])}
        assert "GRAPHQL_VALIDATION_FAILED" not in codes, (name, body)
        assert "INTERNAL_SERVER_ERROR" not in codes, (name, body)
        if role != "owner" and not allowed(field, role) and not codes & {"UNAUTHENTICATED", "FORBIDDEN"}:
            result.refused.append(f"{kind} {name} answered a {role} caller: {text[:200]}")
    return result


@pytest.mark.parametrize("role", ROLES)
async def test_no_role_reads_another_members_data_through_any_field(
    client: httpx.AsyncClient, runtime: Runtime, tmp_path: Path, role: str
) -> None:
    # given a member whose every datum is a canary, and a caller in `role` who is someone else
    world = await build_world(client, runtime, tmp_path)
    # when the caller runs every root field and mutation with everything under it selected
    result = await walk(client, world, headers_of(runtime, role), role, tmp_path / "upload")
    # then every field had arguments, each scope held, and no canary came back
    assert result.missing == [], (
        "add sample arguments to ARGUMENTS in tests/api/test_access_matrix.py for: " + ", ".join(result.missing))
    assert result.refused == []
    assert result.found == set()


async def test_the_walk_reaches_the_owners_data_when_the_owner_runs_it(
    client: httpx.AsyncClient, runtime: Runtime, tmp_path: Path
) -> None:
    # given the same world, when the owner runs the same walk
    world = await build_world(client, runtime, tmp_path)
    result = await walk(client, world, bearer(runtime, OWNER), "owner", tmp_path / "upload")
    # then the canaries do come back: the selections reach the data the other roles must not see
    assert {"Canary Vesper Holloway", "canaryvesperk5", *CANARIES[3:5]} <= result.found
    # including the owner's own notice (`me { notices }`), while brand one's notice and claim id stay out
    assert {secret for secret in world.secrets if secret in result.found} == {world.secrets[0]}


def reachable(schema: GraphQLSchema, starts: list[tuple[str, GraphQLField]], *, stop_at_guards: bool,
              ) -> dict[str, str]:
    """Object types reachable from `starts` (type name -> one path to it), optionally not through guarded fields."""
    seen: dict[str, str] = {}
    todo = [(get_named_type(f.type), path) for path, f in starts]
    while todo:
        named, path = todo.pop()
        types = schema.get_possible_types(named) if isinstance(named, GraphQLUnionType | GraphQLInterfaceType) else (
            [named] if isinstance(named, GraphQLObjectType) else [])
        for object_type in types:
            if object_type.name in seen:
                continue
            seen[object_type.name] = path
            for name, field in object_type.fields.items():
                if stop_at_guards and permissions(field):
                    continue
                todo.append((get_named_type(field.type), f"{path}.{name}"))
    return seen


def is_error_envelope(schema: GraphQLSchema, name: str) -> bool:
    object_type = schema.get_type(name)
    return isinstance(object_type, GraphQLObjectType) and any(i.name == "UserError" for i in object_type.interfaces)


def test_every_root_field_declares_its_scope_or_is_listed_as_anonymous() -> None:
    undeclared = [f"{kind.capitalize()}.{name}" for kind, name, field in root_fields()
                  if not permissions(field) and f"{kind.capitalize()}.{name}" not in ANONYMOUS_FIELDS]
    assert undeclared == [], ("declare permission_classes (IsMember, IsBrand, IsAdmin, …) on these root fields, or "
                              "list them in ANONYMOUS_FIELDS with a reason: " + ", ".join(undeclared))
    guarded = [field for _, _, field in root_fields() if permissions(field)]
    assert all(Authenticated in permissions(field) for field in guarded)


def test_member_owned_types_are_reachable_only_through_guarded_fields() -> None:
    # given the types a member-scoped root field returns (their own data), and what anonymous fields reach
    member_roots = [(f"{k}.{n}", f) for k, n, f in root_fields() if MemberScope in permissions(f)]
    owned = {name for name in reachable(SCHEMA, member_roots, stop_at_guards=False)
             if name != "PageInfo" and not is_error_envelope(SCHEMA, name)}
    open_roots = [(f"{k}.{n}", f) for k, n, f in root_fields() if not permissions(f)]
    exposed = reachable(SCHEMA, open_roots, stop_at_guards=True)
    # then no member-owned type is reachable without passing a permission check
    leaks = {name: path for name, path in exposed.items() if name in owned}
    assert leaks == {}, f"member-owned types reachable without a permission check (type: path): {leaks}"
    assert {"MemberType", "ActivityNode", "Account"} <= owned
