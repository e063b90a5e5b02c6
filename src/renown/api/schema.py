"""The schema, assembled in one place from each domain's queries and mutations."""

from __future__ import annotations

import strawberry

from renown.api.consent.mutations import ConsentMutations
from renown.api.imports.mutations import ImportMutations
from renown.api.imports.queries import ImportQueries
from renown.api.linking.mutations import LinkingMutations
from renown.api.members.queries import MemberMutations, MemberQueries
from renown.api.notices.mutations import NoticeMutations
from renown.api.notices.queries import NoticeQueries
from renown.api.perks.mutations import PerkMutations
from renown.api.perks.queries import PerkQueries
from renown.api.policies.queries import PolicyQueries
from renown.api.privacy.mutations import PrivacyMutations
from renown.api.privacy.queries import PrivacyQueries
from renown.api.protection import TokenBuckets
from renown.api.protection import build_schema as protected_schema
from renown.api.scoring.mutations import ScoringMutations
from renown.api.scoring.queries import ScoringQueries
from renown.api.telemetry import OperationTelemetry
from renown.domain.errors import RenownError


@strawberry.type
class Query(MemberQueries, PolicyQueries, PerkQueries, ScoringQueries, ImportQueries, PrivacyQueries,
            NoticeQueries):
    pass


@strawberry.type
class Mutation(
    MemberMutations, ImportMutations, LinkingMutations, ConsentMutations, PerkMutations, ScoringMutations,
    PrivacyMutations, NoticeMutations,
):
    pass


def build_schema(*, production: bool, buckets: TokenBuckets | None = None) -> strawberry.Schema:
    """Renown's schema behind the protection layer (limits, cost, masking, persisted queries)."""
    return protected_schema(Query, Mutation, production=production, buckets=buckets, public_errors=(RenownError,),
                            extra_extensions=(OperationTelemetry,))
