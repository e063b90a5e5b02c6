"""Kantara Consent Receipt 1.1 documents, one per grant or withdrawal, built from the consent record."""

from __future__ import annotations

from typing import Any

from renown.domain.consent import ConsentEvent, ConsentEventType, ConsentMethod, ConsentState
from renown.domain.policies import Party, Policies
from renown.domain.topics import SPECIAL_CATEGORIES

KANTARA_VERSION = "KI-CR-v1.1.0"
SERVICE_EXTENSION = "renown"

COLLECTION_METHODS = {
    ConsentMethod.INTERFACE: "Renown settings page, one switch per purpose and network",
    ConsentMethod.API: "Renown GraphQL API: mutation grantConsent / withdrawConsent by the member",
    ConsentMethod.CLI: "Renown operator command line, on the member's instruction",
    ConsentMethod.GPC: "Global Privacy Control signal (Sec-GPC: 1) sent by the member's browser",
    ConsentMethod.SYSTEM: "Renown consent ledger (validity ended, or a new notice asked again)",
}
_STATE_OF = {
    ConsentEventType.GRANTED: ConsentState.GIVEN,
    ConsentEventType.WITHDRAWN: ConsentState.WITHDRAWN,
    ConsentEventType.EXPIRED: ConsentState.EXPIRED,
    ConsentEventType.RENEWAL_REQUIRED: ConsentState.RENEWAL_REQUIRED,
}


def _controller(party: Party) -> dict[str, Any]:
    address = {
        "streetAddress": party.address.street, "postalCode": party.address.postal_code,
        "addressLocality": party.address.locality, "addressCountry": party.address.country,
    }
    return {
        "piiController": party.name, "onBehalf": False, "contact": party.contact, "address": address,
        "email": party.email or "", "phone": party.phone or "", "piiControllerUrl": party.url,
    }


def kantara_receipt(event: ConsentEvent, policies: Policies, *, key_id: str | None = None) -> dict[str, Any]:
    """The Kantara CR 1.1 receipt of a consent event, with the ISO 27560 event fields as an extension."""
    purpose = policies.purpose(event.purpose)
    lang = event.notice_language
    third_parties = [policies.recipients[r].name for r in purpose.recipients if policies.recipients[r].is_third_party]
    termination = (f"Until withdrawn, and at most {policies.processing.consent_validity_days} days after it is "
                   "given; data only this consent covers is then deleted")
    special = [c for c in event.data_categories if policies.data_categories[c].special]
    if purpose.special_category:
        special += sorted(SPECIAL_CATEGORIES)
    entry: dict[str, Any] = {
        "purpose": purpose.name[lang],
        "purposeCategory": [purpose.dpv_purpose],
        "consentType": "EXPLICIT",
        "piiCategory": list(event.data_categories),
        "primaryPurpose": False,
        "termination": termination,
        "thirdPartyDisclosure": bool(third_parties),
    }
    if third_parties:
        entry["thirdPartyName"] = ", ".join(third_parties)
    receipt: dict[str, Any] = {
        "version": KANTARA_VERSION,
        "jurisdiction": policies.organisation.jurisdiction,
        "consentTimestamp": int(event.occurred_at.timestamp()),
        "collectionMethod": COLLECTION_METHODS[event.method],
        "consentReceiptID": str(event.id),
        "language": lang,
        # Renown's random member id: the receipt proves the consent without naming the person.
        "piiPrincipalId": str(event.member_id),
        "piiControllers": [_controller(policies.controller)],
        "policyUrl": policies.organisation.policy_url,
        "services": [{"service": policies.organisation.service, "purposes": [entry]}],
        "sensitive": bool(special),
        "spiCat": special,
        SERVICE_EXTENSION: {
            "eventType": event.event.value,
            "eventState": _STATE_OF[event.event].dpv,
            "network": None if event.network is None else event.network.value,
            "purposeId": event.purpose.value,
            "noticeVersion": event.notice_version,
            "lawfulBasis": event.lawful_basis,
            "withdrawalMethod": event.withdrawal_method,
            "validUntil": None if event.expires_at is None else event.expires_at.isoformat(),
            "jwks": "/.well-known/jwks.json",
        },
    }
    if key_id is not None:
        receipt["publicKey"] = key_id
    return receipt
