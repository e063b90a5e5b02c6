"""The privacy notice in force, served from `policies/` exactly as the code obeys it."""

from __future__ import annotations

from datetime import date

import strawberry

from renown.domain.policies import Notice, Party, Policies


@strawberry.type(name="Party", description="An organisation a member can reach.")
class PartyNode:
    name: str
    contact: str
    address: str
    url: str
    email: str | None
    phone: str | None

    @classmethod
    def from_party(cls, party: Party) -> PartyNode:
        a = party.address
        address = f"{a.street}, {a.postal_code} {a.locality}, {a.country}"
        return cls(name=party.name, contact=party.contact, address=address, url=party.url, email=party.email,
                   phone=party.phone)


@strawberry.type(name="Purpose", description="Why Renown processes data, on what basis, and whether it is optional.")
class PurposeNode:
    id: str
    name: str
    description: str
    lawful_basis: str = strawberry.field(description="consent, explicit_consent, contract, legal_obligation, …")
    legal_reference: str = strawberry.field(description="The GDPR article of the lawful basis.")
    dpv_purpose: str = strawberry.field(description="The W3C Data Privacy Vocabulary identifier.")
    consent_required: bool
    optional: bool = strawberry.field(description="Whether it can be refused with the service still working.")
    per_network: bool = strawberry.field(description="Whether consent is given per linked network.")
    profiling: bool
    special_category: bool = strawberry.field(description="Whether it may touch GDPR Art. 9 special categories.")
    data_categories: list[str]
    recipients: list[str]


@strawberry.type(name="Retention", description="How long one kind of record is kept.")
class RetentionNode:
    category: str
    description: str
    days: int | None = strawberry.field(description="Null: kept until the member erases their account.")
    starts: str = strawberry.field(description="What starts the clock: collection, end_of_purpose, erasure.")


@strawberry.type(name="Recipient", description="Who may receive members' data, and in what role.")
class RecipientNode:
    id: str
    name: str
    role: str
    description: str


@strawberry.type(name="Policy", description="The privacy notice in force and the policies behind it.")
class PolicyNode:
    version: str
    effective_from: date
    language: str
    notice: str
    languages: list[str]
    controller: PartyNode
    data_protection_officer: PartyNode
    supervisory_authority: PartyNode = strawberry.field(description="Where a member can lodge a complaint.")
    withdrawal_method: str
    purposes: list[PurposeNode]
    retention: list[RetentionNode]
    recipients: list[RecipientNode]
    minimum_scoring_age: int = strawberry.field(description="Members younger than this are never scored.")
    erasure_grace_days: int
    export_link_days: int

    @classmethod
    def build(cls, policies: Policies, notice: Notice, language: str) -> PolicyNode:
        purposes = [
            PurposeNode(
                id=key, name=p.name[language], description=p.description[language],
                lawful_basis=p.lawful_basis.value, legal_reference=p.lawful_basis.article,
                dpv_purpose=p.dpv_purpose, consent_required=p.consent_required, optional=p.optional,
                per_network=p.per_network, profiling=p.profiling, special_category=p.special_category,
                data_categories=list(policies.categories_for(key)), recipients=list(p.recipients),
            )
            for key, p in policies.purposes.items()
        ]
        return cls(
            version=notice.version, effective_from=notice.effective, language=language, notice=notice.text[language],
            languages=list(policies.languages), controller=PartyNode.from_party(policies.controller),
            data_protection_officer=PartyNode.from_party(policies.dpo),
            supervisory_authority=PartyNode.from_party(policies.supervisory_authority),
            withdrawal_method=policies.organisation.withdrawal_method[language], purposes=purposes,
            retention=[RetentionNode(category=k, description=r.description, days=r.days, starts=r.starts.value)
                       for k, r in policies.retention.items()],
            recipients=[RecipientNode(id=k, name=r.name, role=r.role, description=r.description)
                        for k, r in policies.recipients.items()],
            minimum_scoring_age=policies.processing.minimum_scoring_age,
            erasure_grace_days=policies.processing.erasure_grace_days,
            export_link_days=policies.processing.export_link_days,
        )
