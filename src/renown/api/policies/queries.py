"""`policy`: the current privacy notice, public to anyone."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import strawberry

from renown.api.context import Info
from renown.api.policies.types import PolicyNode
from renown.domain.policies import Notice, Policies

MAX_CACHED_NODES = 64  # languages × notices in force: a handful per process


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
        return policy_node(policies, policies.current_notice(datetime.now(UTC).date()), lang)


_NODES: dict[tuple[int, str, str], tuple[Policies, PolicyNode]] = {}


def policy_node(policies: Policies, notice: Notice, language: str) -> PolicyNode:
    """The notice as the API shows it, built once per policies, notice and language.

    Building it walks the whole data map for every purpose (about 8 ms on a slow machine), and the
    policies a process loaded never change while it runs, so every request after the first reuses it.
    """
    key = (id(policies), notice.version, language)
    cached = _NODES.get(key)
    if cached is not None and cached[0] is policies:
        return cached[1]
    node = PolicyNode.build(policies, notice, language)
    if len(_NODES) >= MAX_CACHED_NODES:
        _NODES.clear()
    _NODES[key] = (policies, node)
    return node
