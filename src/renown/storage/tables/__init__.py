"""The tables. Every column is declared in `policies/data-map.yaml`; `*_enc` columns hold
vault ciphertexts and `*_index` columns hold HMAC blind indexes, never plaintext.

One module per part of the domain; `metadata` holds them all.
"""

from __future__ import annotations

from sqlmodel import SQLModel

from renown.storage.tables.activity import ActivityRow, ConsentEventRow
from renown.storage.tables.people import LinkedAccountRow, MemberKeyRow, MemberRow, OAuthAppRow, SuppressionRow
from renown.storage.tables.perks import DisclosureRow, PerkClaimRow, PerkRow
from renown.storage.tables.privacy import (
    OPEN_REQUEST_WHERE,
    AuditEventRow,
    ExportFileRow,
    JobRow,
    JobStepRow,
    PrivacyRequestRow,
    RecipientNoticeRow,
)
from renown.storage.tables.scoring import (
    ActivityTopicRow,
    CalibrationRow,
    InteractionRow,
    MemberSignalRow,
    MemberTopicRow,
    MentionEdgeRow,
    ScorePointRow,
    ScoreRow,
)

metadata = SQLModel.metadata

__all__ = [
    "ActivityRow",
    "ActivityTopicRow",
    "AuditEventRow",
    "CalibrationRow",
    "ConsentEventRow",
    "DisclosureRow",
    "ExportFileRow",
    "InteractionRow",
    "JobRow",
    "JobStepRow",
    "LinkedAccountRow",
    "MemberKeyRow",
    "MemberRow",
    "MemberSignalRow",
    "MemberTopicRow",
    "MentionEdgeRow",
    "OAuthAppRow",
    "OPEN_REQUEST_WHERE",
    "PerkClaimRow",
    "PerkRow",
    "PrivacyRequestRow",
    "RecipientNoticeRow",
    "ScorePointRow",
    "ScoreRow",
    "SuppressionRow",
    "metadata",
]
