"""One small demo population, scored once per test session."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from renown.domain.influence import PopulationScores, score_population
from renown.services.demo import Population, generate_population

AS_OF = datetime(2025, 6, 1, tzinfo=UTC)


@pytest.fixture(scope="session")
def population() -> Population:
    return generate_population(1500, 3, as_of=AS_OF)


@pytest.fixture(scope="session")
def scores(population: Population) -> PopulationScores:
    return score_population(population.activities, population.accounts, population.graph, as_of=AS_OF)
