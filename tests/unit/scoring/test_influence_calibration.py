"""The calibration curve: quantiles onto the target scale, frozen and versioned."""

from __future__ import annotations

import json

import numpy as np
import pytest

from renown.domain.influence import Calibration, Curve, PopulationScores


def test_the_curve_puts_the_median_at_40_and_the_top_near_99() -> None:
    # given raw scores 0..1000
    curve = Curve.fit(np.arange(1001, dtype=np.float64))
    # when / then
    assert curve.apply(np.array([500.0]))[0] == pytest.approx(40.0)
    assert curve.apply(np.array([980.0]))[0] == pytest.approx(90.0)
    assert curve.apply(np.array([1000.0]))[0] == pytest.approx(99.0)
    assert curve.apply(np.array([0.0]))[0] == pytest.approx(1.0)
    # beyond the fitted range the ends hold
    assert curve.apply(np.array([-50.0, 5000.0])).tolist() == [1.0, 99.0]


def test_the_curve_is_monotone_even_when_many_raw_scores_tie() -> None:
    # given a population where half the members have the same raw score
    raw = np.concatenate([np.zeros(500), np.linspace(0.0, 1.0, 500)])
    # when
    curve = Curve.fit(raw)
    # then the knots strictly increase, so the map never steps backwards
    assert all(b > a for a, b in zip(curve.raw, curve.raw[1:], strict=False))
    assert curve.apply(np.array([0.5]))[0] < curve.apply(np.array([0.6]))[0]


def test_a_stored_calibration_round_trips_with_its_version(scores: PopulationScores) -> None:
    # given the calibration fitted on the demo population
    calibration = scores.calibration
    # when it is stored as JSON and read back
    again = Calibration.from_dict(json.loads(json.dumps(calibration.to_dict())))
    # then nothing changed, version included
    assert again == calibration
    assert again.version == calibration.version
    assert calibration.version.startswith("cal-20250601-")
    assert calibration.model_version == "influence-2025.1"


def test_another_curve_is_another_version(scores: PopulationScores) -> None:
    # given the fitted calibration
    data = scores.calibration.to_dict()
    # when the curve changes and the version is derived again
    data["overall"]["score"][-1] = 98.0
    data["version"] = ""
    changed = Calibration.from_dict(data)
    # then the version changes
    assert changed.version != scores.calibration.version
    assert changed.version.startswith("cal-20250601-")


def test_the_population_median_is_about_40(scores: PopulationScores) -> None:
    # given the demo population scored on its own calibration
    values = scores.score[~np.isnan(scores.score)]
    # then the median is 40, as the target curve says
    assert np.median(values) == pytest.approx(40.0, abs=0.5)
    assert values.max() == pytest.approx(99.0)
