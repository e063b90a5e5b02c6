"""Renown's policies as data: who controls the data, what it holds, why, on what basis, for how long.

The YAML files under `policies/` are read into these types (see `renown.storage.policy_loader`);
the rules here check that the files agree with each other and with the database tables.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from renown.domain.member import AgeBracket, Member

LocalText = dict[str, str]
"""A text per notice language (`en`, `fr`, …)."""

ENCRYPTED_SUFFIX = "_enc"
BLIND_INDEX_SUFFIX = "_index"


class LawfulBasis(StrEnum):
    """The GDPR Art. 6(1) basis of a purpose (explicit consent also covers Art. 9(2)(a) and 22(2)(c))."""

    CONSENT = "consent"
    EXPLICIT_CONSENT = "explicit_consent"
    CONTRACT = "contract"
    LEGAL_OBLIGATION = "legal_obligation"
    LEGITIMATE_INTEREST = "legitimate_interest"

    @property
    def is_consent(self) -> bool:
        return self in (LawfulBasis.CONSENT, LawfulBasis.EXPLICIT_CONSENT)

    @property
    def article(self) -> str:
        return _ARTICLES[self]

    @property
    def dpv(self) -> str:
        """The W3C DPV (EU GDPR extension) identifier of this basis."""
        return _DPV_BASES[self]


_ARTICLES = {
    LawfulBasis.CONSENT: "GDPR Art. 6(1)(a)",
    LawfulBasis.EXPLICIT_CONSENT: "GDPR Art. 6(1)(a), 9(2)(a) and 22(2)(c)",
    LawfulBasis.CONTRACT: "GDPR Art. 6(1)(b)",
    LawfulBasis.LEGAL_OBLIGATION: "GDPR Art. 6(1)(c)",
    LawfulBasis.LEGITIMATE_INTEREST: "GDPR Art. 6(1)(f)",
}
_DPV_BASES = {
    LawfulBasis.CONSENT: "eu-gdpr:A6-1-a-non-explicit-consent",
    LawfulBasis.EXPLICIT_CONSENT: "eu-gdpr:A6-1-a-explicit-consent",
    LawfulBasis.CONTRACT: "eu-gdpr:A6-1-b",
    LawfulBasis.LEGAL_OBLIGATION: "eu-gdpr:A6-1-c",
    LawfulBasis.LEGITIMATE_INTEREST: "eu-gdpr:A6-1-f",
}


class ConsentPurpose(StrEnum):
    """The purposes a member can grant or refuse; the code gates each one of them."""

    SCORING = "scoring"
    TOPICS = "topics"
    SPECIAL_TOPICS = "special_topics"
    PUBLIC_PROFILE = "public_profile"
    PERKS = "perks"
    THIRD_PARTY_SHARING = "third_party_sharing"


# Storing a network's activities needs one of these: they are the purposes that read activities.
INGESTION_PURPOSES = frozenset({ConsentPurpose.SCORING, ConsentPurpose.TOPICS})


class RetentionStart(StrEnum):
    """What starts a retention period."""

    COLLECTION = "collection"
    END_OF_PURPOSE = "end_of_purpose"
    ERASURE = "erasure"
    WHILE_IN_USE = "while_in_use"

    @property
    def open_ended(self) -> bool:
        """Kept without a day count: until the member's erasure, or while Renown needs its own record."""
        return self in (RetentionStart.ERASURE, RetentionStart.WHILE_IN_USE)


@dataclass(frozen=True, slots=True)
class Address:
    street: str
    postal_code: str
    locality: str
    country: str


@dataclass(frozen=True, slots=True)
class Party:
    """An organisation a member can reach: the controller, its DPO, the supervisory authority."""

    name: str
    contact: str
    address: Address
    url: str
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class Organisation:
    """What the record of processing says about the controller and its set-up (Art. 30(1)(a), (e), (g))."""

    service: str
    jurisdiction: str
    policy_url: str
    storage_locations: tuple[str, ...]
    transfers: tuple[str, ...]
    security_measures: tuple[str, ...]
    withdrawal_method: LocalText


@dataclass(frozen=True, slots=True)
class DataCategory:
    description: str
    dpv: str
    special: bool = False


@dataclass(frozen=True, slots=True)
class Purpose:
    name: LocalText
    description: LocalText
    lawful_basis: LawfulBasis
    dpv_purpose: str
    dpv_processing: tuple[str, ...]
    per_network: bool = False
    profiling: bool = False
    special_category: bool = False
    recipients: tuple[str, ...] = ()

    @property
    def consent_required(self) -> bool:
        return self.lawful_basis.is_consent

    @property
    def optional(self) -> bool:
        """Optional purposes can be refused and the service still works (no bundling)."""
        return self.lawful_basis.is_consent


@dataclass(frozen=True, slots=True)
class Recipient:
    name: str
    role: str
    description: str
    third_country: str | None = None
    safeguards: str | None = None

    @property
    def is_third_party(self) -> bool:
        return self.role == "third_party"


@dataclass(frozen=True, slots=True)
class Notice:
    """One version of the privacy notice; `renew` lists the purposes whose consents it asks again."""

    version: str
    effective: date
    text: LocalText
    renew: tuple[ConsentPurpose, ...] = ()


@dataclass(frozen=True, slots=True)
class Retention:
    description: str
    days: int | None
    starts: RetentionStart


@dataclass(frozen=True, slots=True)
class Processing:
    """Numbers the code obeys: ages, windows, grace periods, lifetimes."""

    minimum_scoring_age: int
    undeclared_age_may_be_scored: bool
    scoring_window_days: int
    erasure_grace_days: int
    export_link_days: int
    consent_validity_days: int


@dataclass(frozen=True, slots=True)
class Gpc:
    """What `/.well-known/gpc.json` answers (Global Privacy Control)."""

    honoured: bool
    last_update: date


@dataclass(frozen=True, slots=True)
class Column:
    category: str
    purposes: tuple[str, ...]
    personal: bool
    encrypted: bool = False
    subjects: tuple[str, ...] | None = None
    retention: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Table:
    description: str
    subjects: tuple[str, ...]
    retention: str
    columns: dict[str, Column]


@dataclass(frozen=True, slots=True)
class ColumnEntry:
    """One column of the data map with the table's defaults applied."""

    table: str
    column: str
    category: str
    purposes: tuple[str, ...]
    subjects: tuple[str, ...]
    personal: bool
    encrypted: bool
    retention: str


@dataclass(frozen=True, slots=True)
class Policies:
    controller: Party
    dpo: Party
    supervisory_authority: Party
    organisation: Organisation
    languages: tuple[str, ...]
    data_subjects: dict[str, str]
    data_categories: dict[str, DataCategory]
    purposes: dict[str, Purpose]
    recipients: dict[str, Recipient]
    notices: tuple[Notice, ...]
    retention: dict[str, Retention]
    processing: Processing
    gpc: Gpc
    data_map: dict[str, Table] = field(default_factory=dict)

    def purpose(self, purpose: str) -> Purpose:
        return self.purposes[purpose]

    def columns(self) -> Iterator[ColumnEntry]:
        """Every declared column, with its table's subjects and retention where it names none."""
        for table_name, table in self.data_map.items():
            for name, col in table.columns.items():
                yield ColumnEntry(
                    table_name, name, col.category, col.purposes,
                    col.subjects if col.subjects is not None else table.subjects,
                    col.personal, col.encrypted, col.retention or table.retention,
                )

    def categories_for(self, purpose: str) -> tuple[str, ...]:
        """The personal data categories the data map says a purpose uses."""
        return tuple(sorted({c.category for c in self.columns() if c.personal and purpose in c.purposes}))

    def encrypted_columns(self) -> list[tuple[str, str]]:
        return [(c.table, c.column) for c in self.columns() if c.encrypted]

    def current_notice(self, on: date) -> Notice:
        """The notice in force on a day: the latest one already effective."""
        effective = [n for n in self.notices if n.effective <= on]
        if not effective:
            raise LookupError("no privacy notice is in force yet")
        return max(effective, key=lambda n: n.effective)

    def notice(self, version: str) -> Notice | None:
        return next((n for n in self.notices if n.version == version), None)

    def language(self, wanted: str | None) -> str:
        """The wanted notice language when Renown has it, else the first one declared."""
        return wanted if wanted in self.languages else self.languages[0]


# The youngest age each bracket guarantees; an undeclared age guarantees nothing.
AGE_FLOOR: Mapping[AgeBracket, int | None] = {
    AgeBracket.UNDER_16: 0,
    AgeBracket.FROM_16_TO_17: 16,
    AgeBracket.ADULT: 18,
    AgeBracket.UNDECLARED: None,
}


def may_score(member: Member, policies: Policies) -> bool:
    """Tell whether the member is old enough to be profiled (scored, or given topics) at all."""
    floor = AGE_FLOOR[member.age_bracket]
    if floor is None:
        return policies.processing.undeclared_age_may_be_scored
    return floor >= policies.processing.minimum_scoring_age
