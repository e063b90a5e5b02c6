"""Erasure's lasting traces: the signed certificate, and the suppression list that imports must obey."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from renown.domain.activity import Network
from renown.domain.errors import RenownError
from renown.domain.policies import Policies
from renown.domain.privacy import PrivacyRequest
from renown.storage.erasure import ErasureRepository
from renown.storage.uow import SqlUnitOfWork

CERTIFICATE_TYPE = "renown.erasure-certificate"
# Execution-log steps whose counts are rows (or files) erased, as the certificate names the stores.
ERASED_STORES = {
    "delete_activities": "activities", "delete_derived": "scores, score history and explanations",
    "delete_perk_claims": "perk claims and disclosure records", "delete_exports": "export archives",
    "delete_consents": "consent records and receipts", "delete_linked_accounts": "linked network accounts",
    "delete_remaining": "other records", "revoke_network_tokens": "network tokens revoked at the providers",
    "recompute_others": "other members whose scores counted this member's interactions (rescored)",
    "delete_interaction_hashes": "keyed hashes of accounts in interactions, to and from this member",
}


class AccountSuppressed(RenownError):
    """This network account belonged to a member who was erased; it is not imported again."""

    code = "ACCOUNT_ERASED"

    def __init__(self) -> None:
        super().__init__("this account's data was erased at its owner's request and cannot be imported again")


async def ensure_not_suppressed(uow: SqlUnitOfWork, *, network: Network, handle: str) -> None:
    """Refuse an import or a re-sync of a handle on the suppression list."""
    index = uow.vault.blind_index(f"handle/{network.value}", handle)
    if await ErasureRepository(uow.connection).is_suppressed(network.value, index):
        raise AccountSuppressed()


def certificate(
    request: PrivacyRequest, *, counts: Mapping[str, int], notices: Sequence[Mapping[str, Any]],
    policies: Policies, at: datetime,
) -> dict[str, Any]:
    """The erasure certificate: what was erased per store, what was kept and why, who was told. No personal data."""
    notified: dict[str, int] = {}
    for notice in notices:
        notified[notice["recipient"]] = notified.get(notice["recipient"], 0) + 1
    kept_days = {name: r.days for name, r in policies.retention.items()}
    return {
        "type": CERTIFICATE_TYPE, "version": 1, "request_id": str(request.id), "controller": policies.controller.name,
        "received_at": request.received_at.isoformat(), "certified_at": at.isoformat(),
        "erased": {store: counts.get(name, 0) for name, store in ERASED_STORES.items()},
        "key": {"data_key_shredded": counts.get("shred_key", 0) == 1,
                "earlier_copies_sealed": counts.get("seal_key_epoch", 0) == 1},
        "retained": [
            {"what": "the record of this request and its execution log, under a random id",
             "why": "accountability for handling the request (GDPR Art. 5(2), 12)",
             "days": kept_days.get("privacy_request")},
            {"what": f"{counts.get('suppress_handles', 0)} suppression entries: keyed hashes of network handles",
             "why": "so a later import or re-sync cannot bring the data back (Art. 17)"},
            {"what": "an account tombstone: the keyed hash of the sign-in identity",
             "why": "so tokens issued before the erasure are refused"},
            {"what": "audit log entries under a keyed pseudonym", "why": "security and accountability (Art. 5(2), 32)",
             "days": kept_days.get("audit")},
            {"what": "a data-key tombstone", "why": "so no new key is ever minted for this member",
             "days": kept_days.get("key_tombstone")},
        ],
        "notified": [{"recipient": name, "notices": count} for name, count in sorted(notified.items())],
    }
