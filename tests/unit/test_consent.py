"""The consent ledger's rules: states folded from events, aged by validity and notices; the gate; receipts."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid4

import pytest

from renown.domain.activity import Network
from renown.domain.consent import (
    Consent,
    ConsentEvent,
    ConsentEventType,
    ConsentLedger,
    ConsentMethod,
    ConsentScopeInvalid,
    ConsentState,
    consent_network,
    new_event,
    permits,
)
from renown.domain.member import AgeBracket, Member, MemberStatus
from renown.domain.policies import ConsentPurpose, Notice, Policies
from renown.domain.receipts import kantara_receipt
from renown.storage.policy_loader import load_policies
from tests.kantara import kantara_errors

AT = datetime(2026, 11, 15, 12, 0, tzinfo=UTC)
ALICE = UUID("00000000-0000-4000-8000-000000000001")
SCORING, TOPICS = ConsentPurpose.SCORING, ConsentPurpose.TOPICS
MASTODON = Network.MASTODON


@pytest.fixture(scope="module")
def policies() -> Policies:
    return load_policies(Path(__file__).parents[2] / "policies")


def event(
    policies: Policies, kind: ConsentEventType, at: datetime, purpose: ConsentPurpose = SCORING,
    network: Network | None = MASTODON, method: ConsentMethod = ConsentMethod.API,
) -> ConsentEvent:
    return new_event(event_id=uuid4(), member_id=ALICE, purpose=purpose, network=network, kind=kind, at=at,
                     method=method, language="en", policies=policies)


def adult(status: MemberStatus = MemberStatus.ACTIVE, bracket: AgeBracket = AgeBracket.ADULT) -> Member:
    return Member(ALICE, None, bracket, status, AT)


def test_no_event_means_not_given(policies: Policies) -> None:
    ledger = ConsentLedger(ALICE, [])
    assert ledger.consent(MASTODON, SCORING, at=AT, policies=policies) == Consent(
        MASTODON, SCORING, ConsentState.NOT_GIVEN)


def test_the_state_is_folded_from_the_events_in_time_order(policies: Policies) -> None:
    # given a grant, a withdrawal and a new grant, stored out of order
    granted = event(policies, ConsentEventType.GRANTED, AT)
    withdrawn = event(policies, ConsentEventType.WITHDRAWN, AT + timedelta(hours=1))
    again = event(policies, ConsentEventType.GRANTED, AT + timedelta(hours=2))
    # then each moment's state follows the last event before it
    ledger = ConsentLedger(ALICE, [again, granted, withdrawn])
    assert ledger.consent(MASTODON, SCORING, at=AT + timedelta(hours=3), policies=policies) == Consent(
        MASTODON, SCORING, ConsentState.GIVEN, again.occurred_at, "2026-11", again.expires_at)
    assert ConsentLedger(ALICE, [granted, withdrawn]).consent(MASTODON, SCORING, at=AT, policies=policies) == Consent(
        MASTODON, SCORING, ConsentState.WITHDRAWN, withdrawn.occurred_at, "2026-11")
    # and the other network and purpose are untouched
    assert ledger.consent(Network.X, SCORING, at=AT, policies=policies).state is ConsentState.NOT_GIVEN
    assert ledger.consent(MASTODON, TOPICS, at=AT, policies=policies).state is ConsentState.NOT_GIVEN


def test_a_grant_records_the_iso_27560_fields(policies: Policies) -> None:
    granted = event(policies, ConsentEventType.GRANTED, AT)
    assert (granted.notice_version, granted.notice_language, granted.controller, granted.lawful_basis) == (
        "2026-11", "en", "Renown SAS (fictional)", "eu-gdpr:A6-1-a-explicit-consent")
    assert granted.expires_at == AT + timedelta(days=730)
    assert "withdrawConsent" in granted.withdrawal_method
    assert granted.data_categories == policies.categories_for("scoring")
    assert "activity.engagement" in granted.data_categories


def test_a_consent_expires_after_its_validity(policies: Policies) -> None:
    granted = event(policies, ConsentEventType.GRANTED, AT)
    ledger = ConsentLedger(ALICE, [granted])
    assert granted.expires_at is not None
    later = granted.expires_at + timedelta(seconds=1)
    assert ledger.consent(MASTODON, SCORING, at=later, policies=policies) == Consent(
        MASTODON, SCORING, ConsentState.EXPIRED, granted.expires_at, "2026-11")
    assert ledger.lapsed(at=later, policies=policies) == [((MASTODON, SCORING), ConsentEventType.EXPIRED)]


def test_a_new_notice_asking_again_requires_renewal_of_that_purpose_only(policies: Policies) -> None:
    # given consents given under 2026-11, then a notice of 2027-03 that changes what scoring covers
    renewed = dataclasses.replace(policies, notices=(*policies.notices, Notice(
        "2027-03", date(2027, 3, 1), dict(policies.notices[0].text), renew=(SCORING,))))
    ledger = ConsentLedger(ALICE, [event(policies, ConsentEventType.GRANTED, AT),
                                   event(policies, ConsentEventType.GRANTED, AT, purpose=TOPICS)])
    march = datetime(2027, 3, 2, tzinfo=UTC)
    # then scoring needs renewing from the day the notice took effect; topics is still given
    assert ledger.consent(MASTODON, SCORING, at=march, policies=renewed) == Consent(
        MASTODON, SCORING, ConsentState.RENEWAL_REQUIRED, datetime(2027, 3, 1, tzinfo=UTC), "2026-11")
    assert ledger.is_active(MASTODON, TOPICS, at=march, policies=renewed)
    assert ledger.is_active(MASTODON, SCORING, at=datetime(2027, 2, 28, tzinfo=UTC), policies=renewed)
    assert ledger.lapsed(at=march, policies=renewed) == [((MASTODON, SCORING), ConsentEventType.RENEWAL_REQUIRED)]


def test_events_of_one_consent_never_tie_in_time(policies: Policies) -> None:
    granted = event(policies, ConsentEventType.GRANTED, AT)
    ledger = ConsentLedger(ALICE, [granted])
    assert ledger.next_moment(MASTODON, SCORING, AT) == AT + timedelta(microseconds=1)
    assert ledger.next_moment(MASTODON, TOPICS, AT) == AT


def test_per_network_and_member_wide_purposes_are_kept_apart(policies: Policies) -> None:
    assert consent_network(SCORING, MASTODON, policies) is MASTODON
    assert consent_network(ConsentPurpose.PERKS, None, policies) is None
    with pytest.raises(ConsentScopeInvalid, match="scoring is given per network: name the network"):
        consent_network(SCORING, None, policies)
    with pytest.raises(ConsentScopeInvalid, match="perks is given once for every network"):
        consent_network(ConsentPurpose.PERKS, MASTODON, policies)


def test_the_gate_needs_an_active_adult_member_with_the_consent(policies: Policies) -> None:
    ledger = ConsentLedger(ALICE, [event(policies, ConsentEventType.GRANTED, AT)])
    assert permits(adult(), ledger, SCORING, MASTODON, at=AT, policies=policies)
    assert not permits(adult(), ledger, SCORING, Network.X, at=AT, policies=policies)
    assert not permits(adult(), ledger, SCORING, None, at=AT, policies=policies)
    assert not permits(adult(MemberStatus.ERASURE_PENDING), ledger, SCORING, MASTODON, at=AT, policies=policies)
    assert not permits(adult(bracket=AgeBracket.UNDER_16), ledger, SCORING, MASTODON, at=AT, policies=policies)
    assert not permits(adult(bracket=AgeBracket.UNDECLARED), ledger, SCORING, MASTODON, at=AT, policies=policies)


def test_sensitive_topics_widen_topics_and_need_it(policies: Policies) -> None:
    special = event(policies, ConsentEventType.GRANTED, AT, purpose=ConsentPurpose.SPECIAL_TOPICS)
    topics = event(policies, ConsentEventType.GRANTED, AT, purpose=TOPICS)
    assert not permits(adult(), ConsentLedger(ALICE, [special]), ConsentPurpose.SPECIAL_TOPICS, MASTODON,
                       at=AT, policies=policies)
    assert permits(adult(), ConsentLedger(ALICE, [special, topics]), ConsentPurpose.SPECIAL_TOPICS, MASTODON,
                   at=AT, policies=policies)


def test_member_wide_purposes_ignore_the_network_asked_about(policies: Policies) -> None:
    perks = event(policies, ConsentEventType.GRANTED, AT, purpose=ConsentPurpose.PERKS, network=None)
    ledger = ConsentLedger(ALICE, [perks])
    assert permits(adult(), ledger, ConsentPurpose.PERKS, None, at=AT, policies=policies)
    assert permits(adult(), ledger, ConsentPurpose.PERKS, MASTODON, at=AT, policies=policies)


def test_a_grant_receipt_is_a_kantara_1_1_receipt(policies: Policies) -> None:
    granted = event(policies, ConsentEventType.GRANTED, AT)
    receipt = kantara_receipt(granted, policies, key_id="kid-1")
    assert kantara_errors(receipt) == []
    assert (receipt["version"], receipt["jurisdiction"], receipt["consentTimestamp"]) == (
        "KI-CR-v1.1.0", "FR", int(AT.timestamp()))
    assert (receipt["consentReceiptID"], receipt["piiPrincipalId"], receipt["publicKey"]) == (
        str(granted.id), str(ALICE), "kid-1")
    [purpose] = receipt["services"][0]["purposes"]
    assert (purpose["purpose"], purpose["purposeCategory"], purpose["thirdPartyDisclosure"]) == (
        "Influence score", ["dpv:ServicePersonalisation"], False)
    assert (receipt["sensitive"], receipt["spiCat"]) == (False, [])
    assert receipt["renown"]["eventState"] == "dpv:ConsentGiven"


def test_receipts_name_third_parties_and_special_categories(policies: Policies) -> None:
    sharing = kantara_receipt(event(policies, ConsentEventType.WITHDRAWN, AT, ConsentPurpose.THIRD_PARTY_SHARING,
                                    None, ConsentMethod.GPC), policies)
    special = kantara_receipt(event(policies, ConsentEventType.GRANTED, AT, ConsentPurpose.SPECIAL_TOPICS), policies)
    assert kantara_errors(sharing) == kantara_errors(special) == []
    shared = sharing["services"][0]["purposes"][0]
    assert (shared["thirdPartyDisclosure"], shared["thirdPartyName"]) == (True, "Brands publishing perks")
    assert sharing["collectionMethod"] == "Global Privacy Control signal (Sec-GPC: 1) sent by the member's browser"
    assert sharing["renown"]["eventState"] == "dpv:ConsentWithdrawn"
    assert (special["sensitive"], special["spiCat"]) == (
        True, ["ethnicity", "health", "politics", "religion", "sexuality", "trade_union"])


def test_a_french_grant_gets_a_french_receipt(policies: Policies) -> None:
    granted = new_event(event_id=uuid4(), member_id=ALICE, purpose=TOPICS, network=MASTODON,
                        kind=ConsentEventType.GRANTED, at=AT, method=ConsentMethod.API, language="fr",
                        policies=policies)
    receipt = kantara_receipt(granted, policies)
    assert (receipt["language"], receipt["services"][0]["purposes"][0]["purpose"]) == ("fr", "Sujets d'expertise")
    assert granted.withdrawal_method.startswith("Retirez votre consentement à tout moment")
