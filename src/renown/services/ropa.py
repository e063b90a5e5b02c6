"""The GDPR Art. 30(1) record of processing activities, generated from the policies (one activity per purpose)."""

from __future__ import annotations

from typing import Any

from renown.domain.policies import Party, Policies

ART_30 = "GDPR Art. 30(1)"
NO_TRANSFER = "None: personal data is not transferred outside the European Economic Area."
LANGUAGE = "en"


def _party(party: Party) -> dict[str, Any]:
    a = party.address
    return {
        "name": party.name, "contact": party.contact, "url": party.url, "email": party.email, "phone": party.phone,
        "address": f"{a.street}, {a.postal_code} {a.locality}, {a.country}",
    }


def _activity(policies: Policies, key: str) -> dict[str, Any]:
    purpose = policies.purpose(key)
    columns = [c for c in policies.columns() if c.personal and key in c.purposes]
    subjects = sorted({s for c in columns for s in c.subjects})
    retention = sorted({c.retention for c in columns})
    recipients = list(dict.fromkeys(
        [*purpose.recipients, *(k for k, r in policies.recipients.items() if not r.is_third_party)]))
    return {
        "id": key,
        "name": purpose.name[LANGUAGE],
        "purpose": purpose.description[LANGUAGE],
        "lawfulBasis": purpose.lawful_basis.value,
        "legalReference": purpose.lawful_basis.article,
        "dpvPurpose": purpose.dpv_purpose,
        "dpvProcessing": list(purpose.dpv_processing),
        "consentRequired": purpose.consent_required,
        "profiling": purpose.profiling,
        "specialCategories": purpose.special_category,
        "dataSubjects": [{"id": s, "description": policies.data_subjects[s]} for s in subjects],
        "dataCategories": [
            {"id": c, "description": policies.data_categories[c].description,
             "special": policies.data_categories[c].special}
            for c in policies.categories_for(key)
        ],
        "recipients": [
            {"id": r, "name": policies.recipients[r].name, "role": policies.recipients[r].role,
             "thirdCountry": policies.recipients[r].third_country, "safeguards": policies.recipients[r].safeguards}
            for r in recipients
        ],
        "transfers": list(policies.organisation.transfers) or [NO_TRANSFER],
        "erasureTimeLimits": [
            {"category": r, "days": policies.retention[r].days, "starts": policies.retention[r].starts.value,
             "description": policies.retention[r].description}
            for r in retention
        ],
        "securityMeasures": list(policies.organisation.security_measures),
        "storageLocations": list(policies.organisation.storage_locations),
    }


def record_of_processing(policies: Policies, *, notice_version: str) -> dict[str, Any]:
    """The record as JSON-ready data: (a) controller and DPO, then (b)–(g) for every processing activity."""
    return {
        "title": f"Record of processing activities ({ART_30})",
        "noticeVersion": notice_version,
        "controller": _party(policies.controller),
        "dataProtectionOfficer": _party(policies.dpo),
        "supervisoryAuthority": _party(policies.supervisory_authority),
        "jurisdiction": policies.organisation.jurisdiction,
        "policyUrl": policies.organisation.policy_url,
        "activities": [_activity(policies, key) for key in policies.purposes],
    }


def _days(days: int | None) -> str:
    return "until the member's erasure" if days is None else f"{days} days"


def ropa_markdown(record: dict[str, Any]) -> str:
    """Render the record for people (the privacy officer, the supervisory authority)."""
    c, dpo, sa = record["controller"], record["dataProtectionOfficer"], record["supervisoryAuthority"]
    lines = [
        f"# {record['title']}", "",
        f"Privacy notice version {record['noticeVersion']}; jurisdiction {record['jurisdiction']}; "
        f"notice at {record['policyUrl']}.", "",
        "## (a) Controller and data protection officer", "",
        f"- Controller: {c['name']}, {c['address']}; {c['email']}, {c['phone']}; {c['url']}",
        f"- Data protection officer: {dpo['name']}, {dpo['address']}; {dpo['email']}",
        f"- Supervisory authority: {sa['name']}, {sa['address']}; {sa['url']}", "",
    ]
    for a in record["activities"]:
        lines += [
            f"## {a['name']} (`{a['id']}`)", "",
            f"- (b) Purpose: {a['purpose']} Lawful basis: {a['lawfulBasis']} ({a['legalReference']}); "
            f"DPV {a['dpvPurpose']}; processing {', '.join(a['dpvProcessing'])}."
            + (" Profiling." if a["profiling"] else "") + (" Special categories." if a["specialCategories"] else ""),
            "- (c) Data subjects: " + "; ".join(f"{s['id']} ({s['description']})" for s in a["dataSubjects"]),
            "- (c) Data categories: " + "; ".join(f"{d['id']} ({d['description']})" for d in a["dataCategories"]),
            "- (d) Recipients: " + "; ".join(f"{r['name']} ({r['role']})" for r in a["recipients"]),
            "- (e) Transfers: " + " ".join(a["transfers"]),
            "- (f) Erasure time limits: "
            + "; ".join(f"{r['category']}: {_days(r['days'])}" for r in a["erasureTimeLimits"]),
            "- (g) Security measures: " + " ".join(a["securityMeasures"]),
            "",
        ]
    return "\n".join(lines)
