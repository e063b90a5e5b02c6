"""`topic_expertise` for a whole population at once, on arrays (the batch path's version).

Same rule as `renown.domain.expertise.topic_expertise`: an activity's evidence is
1 + log1p(reactions); share = evidence on the topic / (all the member's evidence + a prior);
level = score x sqrt(share).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, repr=False)
class TopicLevels:
    """One row per (member, topic) pair that has evidence."""

    member: IntArray
    topic: IntArray
    share: FloatArray
    level: FloatArray
    activities: IntArray

    def __len__(self) -> int:
        return int(self.member.shape[0])


def evidence(reactions: FloatArray) -> FloatArray:
    """What one activity weighs: 1 + log1p(reactions), so one viral post cannot make an expert."""
    return np.asarray(1.0 + np.log1p(np.maximum(np.nan_to_num(reactions), 0.0)), np.float64)


def topic_levels(
    member: IntArray,
    topic: IntArray,
    weight: FloatArray,
    reactions: FloatArray,
    all_evidence: FloatArray,
    score: FloatArray,
    *,
    prior_activities: float = 2.0,
) -> TopicLevels:
    """Levels of every (member, topic) pair from per-assignment rows.

    Each row is one topic of one activity: its member, topic index, weight within the activity
    and the activity's reactions. `all_evidence[m]` sums the evidence of all of member m's
    activities (with or without a topic); members with a NaN score get no rows.
    """
    if member.size == 0:
        empty = np.zeros(0, np.int64)
        return TopicLevels(empty, empty, np.zeros(0), np.zeros(0), empty)
    width = int(topic.max()) + 1
    key = member.astype(np.int64) * width + topic.astype(np.int64)
    pairs, inverse = np.unique(key, return_inverse=True)
    totals = np.bincount(inverse, weights=evidence(reactions) * weight, minlength=len(pairs))
    counts = np.bincount(inverse, minlength=len(pairs)).astype(np.int64)
    who, what = pairs // width, pairs % width
    share = totals / (all_evidence[who] + prior_activities)
    level = score[who] * np.sqrt(share)
    keep = ~np.isnan(level)
    return TopicLevels(who[keep], what[keep], share[keep], level[keep], counts[keep])
