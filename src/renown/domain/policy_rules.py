"""The rules the policy files must obey: among themselves, and against the real tables."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass

from renown.domain.policies import (
    BLIND_INDEX_SUFFIX,
    ENCRYPTED_SUFFIX,
    INGESTION_PURPOSES,
    ConsentPurpose,
    LawfulBasis,
    LocalText,
    Policies,
    RetentionStart,
)

Path = tuple[str | int, ...]
RECIPIENT_ROLES = frozenset({"processor", "third_party"})
MEMBER_WIDE = frozenset({ConsentPurpose.PERKS, ConsentPurpose.THIRD_PARTY_SHARING})


@dataclass(frozen=True, slots=True)
class PolicyProblem:
    """Something wrong in the policies; `path` starts at a top-level section (`data_map`, `purposes`…)."""

    path: Path
    reason: str


def policy_problems(policies: Policies) -> list[PolicyProblem]:
    """Check that the policy files agree with each other and with what the code relies on."""
    return [
        *_texts(policies), *_purposes(policies), *_notices(policies), *_retention(policies),
        *_parties(policies), *_columns(policies),
    ]


def data_map_problems(policies: Policies, tables: Mapping[str, Collection[str]]) -> list[PolicyProblem]:
    """Compare the data map with the real tables: every table and column declared, nothing stale."""
    problems = []
    for table, columns in sorted(tables.items()):
        declared = policies.data_map.get(table)
        if declared is None:
            problems.append(PolicyProblem(("data_map", table), "table exists but the data map does not declare it"))
            continue
        for column in sorted(set(columns) - set(declared.columns)):
            problems.append(PolicyProblem(("data_map", table, "columns", column),
                                          "column exists but the data map does not declare it"))
        for column in sorted(set(declared.columns) - set(columns)):
            problems.append(PolicyProblem(("data_map", table, "columns", column),
                                          "declared in the data map but the table has no such column"))
    for table in sorted(set(policies.data_map) - set(tables)):
        problems.append(PolicyProblem(("data_map", table), "declared in the data map but no such table exists"))
    return problems


def _local(text: LocalText, path: Path, languages: tuple[str, ...]) -> Iterator[PolicyProblem]:
    missing = [lang for lang in languages if not text.get(lang, "").strip()]
    if missing:
        yield PolicyProblem(path, f"missing text in {', '.join(missing)}")
    extra = sorted(set(text) - set(languages))
    if extra:
        yield PolicyProblem(path, f"text in undeclared languages {', '.join(extra)}")


def _texts(p: Policies) -> Iterator[PolicyProblem]:
    if not p.languages:
        yield PolicyProblem(("languages",), "declare at least one notice language")
    yield from _local(p.organisation.withdrawal_method, ("organisation", "withdrawal_method"), p.languages)
    for key, purpose in p.purposes.items():
        yield from _local(purpose.name, ("purposes", key, "name"), p.languages)
        yield from _local(purpose.description, ("purposes", key, "description"), p.languages)
    for i, notice in enumerate(p.notices):
        yield from _local(notice.text, ("notices", i, "text"), p.languages)


def _purposes(p: Policies) -> Iterator[PolicyProblem]:
    for gated in ConsentPurpose:
        if gated.value not in p.purposes:
            yield PolicyProblem(("purposes", gated.value), "the code gates this purpose but it is not declared")
    for key, purpose in p.purposes.items():
        path: Path = ("purposes", key)
        if purpose.consent_required and key not in set(ConsentPurpose):
            yield PolicyProblem(path + ("lawful_basis",), "a consent purpose the code does not gate")
        if key in set(ConsentPurpose) and not purpose.consent_required:
            yield PolicyProblem(path + ("lawful_basis",), "members grant this purpose: its basis must be consent")
        if purpose.special_category and purpose.lawful_basis is not LawfulBasis.EXPLICIT_CONSENT:
            yield PolicyProblem(path + ("lawful_basis",), "special categories (Art. 9) need explicit consent")
        per_network_needed = key in INGESTION_PURPOSES or key == ConsentPurpose.SPECIAL_TOPICS
        if per_network_needed and not purpose.per_network:
            yield PolicyProblem(path + ("per_network",), "purposes that read activities are given per network")
        if key in MEMBER_WIDE and purpose.per_network:
            yield PolicyProblem(path + ("per_network",), "this purpose is given once for every network")
        for i, recipient in enumerate(purpose.recipients):
            if recipient not in p.recipients:
                yield PolicyProblem(path + ("recipients", i), f"unknown recipient {recipient!r}")
    for key, receiver in p.recipients.items():
        if receiver.role not in RECIPIENT_ROLES:
            yield PolicyProblem(("recipients", key, "role"), f"role must be one of {sorted(RECIPIENT_ROLES)}")
        if receiver.third_country is not None and not receiver.safeguards:
            yield PolicyProblem(("recipients", key, "safeguards"), "a transfer outside the EEA needs safeguards")


def _notices(p: Policies) -> Iterator[PolicyProblem]:
    if not p.notices:
        yield PolicyProblem(("notices",), "declare at least one privacy notice version")
    seen_versions: set[str] = set()
    seen_dates: set[object] = set()
    for i, notice in enumerate(p.notices):
        if notice.version in seen_versions:
            yield PolicyProblem(("notices", i, "version"), "notice versions must be unique")
        if notice.effective in seen_dates:
            yield PolicyProblem(("notices", i, "effective"), "two notices cannot take effect the same day")
        seen_versions.add(notice.version)
        seen_dates.add(notice.effective)


def _retention(p: Policies) -> Iterator[PolicyProblem]:
    for key, rule in p.retention.items():
        if rule.days is not None and rule.days <= 0:
            yield PolicyProblem(("retention", key, "days"), "a retention period is a positive number of days")
        if (rule.days is None) != rule.starts.open_ended:
            yield PolicyProblem(("retention", key, "days"),
                                "a day count is required, except for data kept until erasure or while in use")
    for name in ("minimum_scoring_age", "scoring_window_days", "export_link_days", "consent_validity_days"):
        if getattr(p.processing, name) <= 0:
            yield PolicyProblem(("processing", name), "must be positive")
    if p.processing.erasure_grace_days < 0:
        yield PolicyProblem(("processing", "erasure_grace_days"), "cannot be negative")
    if p.processing.minimum_scoring_age < 13:
        yield PolicyProblem(("processing", "minimum_scoring_age"), "no member state allows consent below 13 (Art. 8)")


def _parties(p: Policies) -> Iterator[PolicyProblem]:
    # A Kantara consent receipt requires the controller's email and phone.
    for name in ("email", "phone"):
        if not getattr(p.controller, name):
            yield PolicyProblem(("controller", name), "consent receipts need the controller's email and phone")


def _columns(p: Policies) -> Iterator[PolicyProblem]:
    used: set[str] = set()
    for entry in p.columns():
        path: Path = ("data_map", entry.table, "columns", entry.column)
        if entry.category not in p.data_categories:
            yield PolicyProblem(path + ("category",), f"unknown data category {entry.category!r}")
        if not entry.purposes:
            yield PolicyProblem(path + ("purposes",), "every column serves at least one purpose")
        for purpose in entry.purposes:
            if purpose not in p.purposes:
                yield PolicyProblem(path + ("purposes",), f"unknown purpose {purpose!r}")
        for subject in entry.subjects:
            if subject not in p.data_subjects:
                yield PolicyProblem(path + ("subjects",), f"unknown data subject {subject!r}")
        if entry.retention not in p.retention:
            yield PolicyProblem(path + ("retention",), f"unknown retention {entry.retention!r}")
        if entry.column.endswith(ENCRYPTED_SUFFIX) and not entry.encrypted:
            yield PolicyProblem(path + ("encrypted",), "`*_enc` columns hold vault ciphertext: declare them encrypted")
        if entry.column.endswith(BLIND_INDEX_SUFFIX) and (entry.encrypted or not entry.personal):
            yield PolicyProblem(path, "`*_index` columns are personal keyed hashes, not ciphertext")
        rule = p.retention.get(entry.retention)
        if entry.personal and rule is not None and rule.starts is RetentionStart.WHILE_IN_USE:
            yield PolicyProblem(path + ("retention",), "personal data cannot be kept merely while in use")
        if entry.personal:
            used.update(entry.purposes)
            if not entry.subjects:
                yield PolicyProblem(path + ("subjects",), "a personal column names its data subjects")
    if p.data_map:
        for key in p.purposes:
            if key not in used:
                yield PolicyProblem(("purposes", key), "no personal column in the data map serves this purpose")
