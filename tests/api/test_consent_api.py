"""Consents over HTTP: grant and withdraw, `me.consents`, receipts against the JWKS, GPC, and the policy."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from joserfc import jws
from joserfc.errors import BadSignatureError
from joserfc.jwk import KeySet

from renown.api.policies.queries import policy_node
from renown.app import Runtime
from renown.domain.errors import SignatureInvalid
from tests.api.conftest import bearer, gql, upload
from tests.archives import build_mastodon_archive
from tests.kantara import kantara_errors

REGISTER = 'mutation { register(ageBracket: ADULT) { __typename } }'
GRANT = """mutation($purpose: ConsentPurpose!, $network: Network) {
  grantConsent(purpose: $purpose, network: $network) {
    __typename
    ... on ConsentGranted { consent { network purpose state noticeVersion } receipt }
    ... on RequestRefused { code message }
  }
}"""
WITHDRAW = """mutation($purpose: ConsentPurpose!, $network: Network) {
  withdrawConsent(purpose: $purpose, network: $network) {
    __typename
    ... on ConsentWithdrawn { consent { network purpose state } receipt purgeQueued }
    ... on RequestRefused { code message }
  }
}"""
ME = "{ me { consents { network purpose state since } consentReceipts } }"


async def registered(client: httpx.AsyncClient, runtime: Runtime, subject: str = "alice@example.org") -> dict[str, str]:
    headers = bearer(runtime, subject)
    assert (await gql(client, REGISTER, headers))["data"]["register"]["__typename"] == "Registered"
    return headers


async def consents(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[tuple[Any, str], str]:
    me = (await gql(client, ME, headers))["data"]["me"]
    return {(c["network"], c["purpose"]): c["state"] for c in me["consents"]}


def tampered(token: str, **changes: Any) -> str:
    """The same signature over a payload someone edited."""
    header, payload, signature = token.split(".")
    body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    body.update(changes)
    edited = base64.urlsafe_b64encode(json.dumps(body).encode()).rstrip(b"=").decode()
    return f"{header}.{edited}.{signature}"


async def test_a_member_grants_and_withdraws_and_sees_the_state(client: httpx.AsyncClient, runtime: Runtime) -> None:
    alice = await registered(client, runtime)
    granted = (await gql(client, GRANT, alice, {"purpose": "SCORING", "network": "MASTODON"}))["data"]["grantConsent"]
    assert granted["__typename"] == "ConsentGranted"
    assert granted["consent"] == {"network": "MASTODON", "purpose": "SCORING", "state": "GIVEN",
                                  "noticeVersion": "2026-11"}
    assert (await consents(client, alice))[("MASTODON", "SCORING")] == "GIVEN"
    withdrawn = (await gql(client, WITHDRAW, alice, {"purpose": "SCORING", "network": "MASTODON"}))["data"]
    assert withdrawn["withdrawConsent"]["consent"] == {"network": "MASTODON", "purpose": "SCORING",
                                                       "state": "WITHDRAWN"}
    assert withdrawn["withdrawConsent"]["purgeQueued"] is True
    me = (await gql(client, ME, alice))["data"]["me"]
    assert {(c["network"], c["purpose"]): c["state"] for c in me["consents"]} == {
        ("MASTODON", "SCORING"): "WITHDRAWN", ("MASTODON", "TOPICS"): "NOT_GIVEN",
        ("MASTODON", "SPECIAL_TOPICS"): "NOT_GIVEN", ("MASTODON", "PUBLIC_PROFILE"): "NOT_GIVEN",
        (None, "PERKS"): "NOT_GIVEN", (None, "THIRD_PARTY_SHARING"): "NOT_GIVEN",
    }
    assert len(me["consentReceipts"]) == 2


async def test_receipts_verify_against_the_published_jwks_and_a_tampered_one_does_not(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    # given a grant's receipt and the key set Renown publishes
    alice = await registered(client, runtime)
    granted = await gql(client, GRANT, alice, {"purpose": "TOPICS", "network": "MASTODON"})
    receipt = granted["data"]["grantConsent"]["receipt"]
    keys = KeySet.import_key_set((await client.get("/.well-known/jwks.json")).json())
    # when it is verified with the public key alone, then it is Renown's Kantara receipt for this grant
    verified = json.loads(jws.deserialize_compact(receipt, keys, algorithms=["Ed25519"]).payload)
    assert kantara_errors(verified) == []
    assert (verified["renown"]["eventType"], verified["renown"]["purposeId"], verified["renown"]["network"]) == (
        "granted", "topics", "mastodon")
    assert (await gql(client, ME, alice))["data"]["me"]["consentReceipts"] == [receipt]
    # and a copy whose jurisdiction was edited fails, with the JWKS and with Renown's own check
    forged = tampered(receipt, jurisdiction="US")
    with pytest.raises(BadSignatureError):
        jws.deserialize_compact(forged, keys, algorithms=["Ed25519"])
    with pytest.raises(SignatureInvalid):
        runtime.tokens.verify_json(forged)


async def test_withdrawing_takes_exactly_the_input_of_granting(client: httpx.AsyncClient, runtime: Runtime) -> None:
    query = """{ __type(name: "Mutation") { fields { name args { name defaultValue type { name kind
      ofType { name } } } } } }"""
    fields = (await gql(client, query, bearer(runtime)))["data"]["__type"]["fields"]
    args = {f["name"]: f["args"] for f in fields if f["name"] in ("grantConsent", "withdrawConsent")}
    assert args["withdrawConsent"] == args["grantConsent"]
    assert [a["name"] for a in args["grantConsent"]] == ["purpose", "network", "language"]


@pytest.mark.parametrize(("variables", "code"), [
    ({"purpose": "SCORING"}, "CONSENT_SCOPE_INVALID"),
    ({"purpose": "PERKS", "network": "MASTODON"}, "CONSENT_SCOPE_INVALID"),
    ({"purpose": "TOPICS", "network": "X"}, "CONSENT_NOT_ACTIVE"),
])
async def test_refusals_are_typed(
    client: httpx.AsyncClient, runtime: Runtime, variables: dict[str, str], code: str
) -> None:
    alice = await registered(client, runtime)
    result = (await gql(client, WITHDRAW, alice, variables))["data"]["withdrawConsent"]
    assert (result["__typename"], result["code"]) == ("RequestRefused", code)


async def test_an_unregistered_caller_is_told_to_register(client: httpx.AsyncClient, runtime: Runtime) -> None:
    result = await gql(client, GRANT, bearer(runtime, "bob@example.org"), {"purpose": "PERKS"})
    assert result["data"]["grantConsent"] == {"__typename": "NotRegistered"}


async def test_after_withdrawal_the_next_import_is_refused(
    client: httpx.AsyncClient, runtime: Runtime, tmp_path: Path
) -> None:
    alice = await registered(client, runtime)
    await gql(client, GRANT, alice, {"purpose": "SCORING", "network": "MASTODON"})
    archive = build_mastodon_archive(tmp_path, posts=2)
    assert (await upload(client, alice, archive))["data"]["importArchive"]["imported"] == 2
    await gql(client, WITHDRAW, alice, {"purpose": "SCORING", "network": "MASTODON"})
    refused = (await upload(client, alice, archive))["data"]["importArchive"]
    assert (refused["__typename"], refused["code"]) == ("RequestRefused", "CONSENT_REQUIRED")


async def test_the_gpc_header_records_one_opt_out_of_sharing(client: httpx.AsyncClient, runtime: Runtime) -> None:
    # given a member who gave the sharing consent
    alice = await registered(client, runtime)
    await gql(client, GRANT, alice, {"purpose": "THIRD_PARTY_SHARING"})
    # when requests carry `Sec-GPC: 0`, nothing changes
    await gql(client, ME, {**alice, "Sec-GPC": "0"})
    assert (await consents(client, alice))[(None, "THIRD_PARTY_SHARING")] == "GIVEN"
    # when two requests carry `Sec-GPC: 1`
    await gql(client, ME, {**alice, "Sec-GPC": "1"})
    me = (await gql(client, ME, {**alice, "Sec-GPC": "1"}))["data"]["me"]
    # then sharing is withdrawn once, by a GPC event with its own receipt
    assert {(c["network"], c["purpose"]): c["state"] for c in me["consents"]}[(None, "THIRD_PARTY_SHARING")] == \
        "WITHDRAWN"
    assert len(me["consentReceipts"]) == 2
    last = runtime.tokens.verify_json(me["consentReceipts"][-1])
    assert last["collectionMethod"] == "Global Privacy Control signal (Sec-GPC: 1) sent by the member's browser"


async def test_gpc_from_an_anonymous_caller_records_nothing(client: httpx.AsyncClient, runtime: Runtime) -> None:
    alice = await registered(client, runtime)
    response = await client.post("/graphql", json={"query": "{ policy { version } }"}, headers={"Sec-GPC": "1"})
    assert response.status_code == 200
    assert (await gql(client, ME, alice))["data"]["me"]["consentReceipts"] == []


async def test_gpc_support_resource(client: httpx.AsyncClient) -> None:
    response = await client.get("/.well-known/gpc.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"gpc": True, "lastUpdate": "2026-11-01"}


async def test_the_policy_is_public(client: httpx.AsyncClient) -> None:
    query = """{ policy(language: "fr") { version language supervisoryAuthority { name }
      purposes { id name lawfulBasis consentRequired optional perNetwork }
      retention { category days starts } } }"""
    response = await client.post("/graphql", json={"query": query})
    policy = response.json()["data"]["policy"]
    assert (policy["version"], policy["language"]) == ("2026-11", "fr")
    assert policy["supervisoryAuthority"]["name"] == "Commission nationale de l'informatique et des libertés (CNIL)"
    by_id = {p["id"]: p for p in policy["purposes"]}
    assert by_id["scoring"] == {"id": "scoring", "name": "Score d'influence", "lawfulBasis": "explicit_consent",
                                "consentRequired": True, "optional": True, "perNetwork": True}
    assert by_id["service_operation"]["optional"] is False
    retention = {r["category"]: (r["days"], r["starts"]) for r in policy["retention"]}
    assert retention["activity"] == (365, "collection")
    assert retention["account"] == (None, "erasure")


async def test_the_policy_is_built_once_per_language(client: httpx.AsyncClient, runtime: Runtime) -> None:
    query = '{ policy(language: "%s") { language notice purposes { id dataCategories } } }'
    answers = [(await client.post("/graphql", json={"query": query % lang})).json()["data"]["policy"]
               for lang in ("fr", "en", "fr")]
    assert answers[0] == answers[2]
    assert (answers[0]["language"], answers[1]["language"]) == ("fr", "en")
    assert answers[0]["notice"] != answers[1]["notice"]
    categories = [[p["dataCategories"] for p in answer["purposes"]] for answer in answers]
    assert categories[0] == categories[1]
    policies = runtime.policies
    notice = policies.current_notice(datetime.now(UTC).date())
    assert policy_node(policies, notice, "fr") is policy_node(policies, notice, "fr")
    assert policy_node(policies, notice, "fr") is not policy_node(policies, notice, "en")
