"""`policy`: the current privacy notice, public to anyone."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import strawberry

from renown.api.context import Info
from renown.api.policies.types import PolicyNode


@strawberry.type
class PolicyQueries:
    @strawberry.field(description="The privacy notice in force, its purposes, retention and recipients; public.")
    def policy(
        self, info: Info,
        language: Annotated[str | None, strawberry.argument(
            description="`en` or `fr`; any other value gets the first language Renown declares.")] = None,
    ) -> PolicyNode:
        policies = info.context.services.policies
        lang = policies.language(language)
        return PolicyNode.build(policies, policies.current_notice(datetime.now(UTC).date()), lang)
