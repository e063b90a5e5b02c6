"""Evaluate and time the scoring engine on a demo population; print one JSON document.

    PYTHONPATH=src .venv/bin/python benchmarks/eval_scoring.py --members 100000 --seed 7

Speeds are reported with a baseline measured in the same run (the single-member path for
the batch, networkx for PageRank), since absolute timings depend on the machine's load.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
from scipy.stats import spearmanr

from renown.domain.influence import InteractionGraph, score_member, trust_pagerank
from renown.services.demo import Population, generate_population
from renown.services.scoring_eval import bot_farm_effect, ranking_quality, score, stability, topic_precision
from renown.services.taxonomy import default_matcher

MUSAE = Path(__file__).resolve().parents[2] / "shared" / "data" / "musae-github" / "edges.csv"


def timed(fn: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - start


def single_member_latency(
    population: Population, calibration: Any, signals: Any, members: list[int]
) -> dict[str, float]:
    times = []
    for i in members:
        activities, accounts = population.activities_of(i), population.accounts_of(i)
        _, seconds = timed(
            score_member, activities, accounts, calibration=calibration, as_of=population.as_of, signals=signals(i)
        )
        times.append(seconds)
    ms = np.array(times) * 1000.0
    return {
        "members": len(members),
        "p50_ms": round(float(np.median(ms)), 2),
        "p95_ms": round(float(np.quantile(ms, 0.95)), 2),
    }


def topic_assignment_speed(population: Population, members: int = 300) -> dict[str, float]:
    matcher = default_matcher()
    activities = [a for i in range(members) for a in population.activities_of(i)]
    _, seconds = timed(lambda: [matcher.assign_topics(a.text, a.hashtags) for a in activities])
    return {"activities": len(activities), "per_second": round(len(activities) / seconds)}


def classic_graphs() -> dict[str, list[str]]:
    out = {}
    for name, graph, k in (
        ("karate_top2", nx.karate_club_graph(), 2),
        ("florentine_top1", nx.florentine_families_graph(), 1),
        ("les_miserables_top1", nx.les_miserables_graph(), 1),
    ):
        nodes = list(graph.nodes())
        index = {n: i for i, n in enumerate(nodes)}
        edges = [
            (index[a], index[b], float(d.get("weight", 1.0)), 0.0)
            for u, v, d in graph.edges(data=True)
            for a, b in ((u, v), (v, u))
        ]
        rank = trust_pagerank(InteractionGraph.from_edges(len(nodes), edges), np.ones(len(nodes)))
        out[name] = [str(nodes[i]) for i in np.argsort(-rank)[:k]]
    return out


def musae_pagerank() -> dict[str, Any]:
    if not MUSAE.is_file():
        return {"skipped": f"{MUSAE} not found"}
    pairs = np.loadtxt(MUSAE, delimiter=",", skiprows=1, dtype=np.int64)
    n = int(pairs.max()) + 1
    src, dst = np.concatenate([pairs[:, 0], pairs[:, 1]]), np.concatenate([pairs[:, 1], pairs[:, 0]])
    graph = InteractionGraph(n, src, dst, np.ones(len(src)), np.zeros(len(src)))
    ours, ours_s = timed(trust_pagerank, graph, np.ones(n))
    nx_graph: nx.Graph[int] = nx.Graph()
    nx_graph.add_edges_from(pairs.tolist())
    reference, nx_s = timed(nx.pagerank, nx_graph)
    ref = np.array([reference[i] for i in range(n)])
    return {
        "nodes": n,
        "edges_undirected": int(len(pairs)),
        "seconds": round(ours_s, 3),
        "networkx_seconds": round(nx_s, 3),
        "speedup_vs_networkx": round(nx_s / ours_s, 1),
        "spearman_vs_networkx": round(float(spearmanr(ours, ref).statistic), 5),
        "top10_overlap_with_networkx": len(set(np.argsort(-ours)[:10]) & set(np.argsort(-ref)[:10])),
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--activities-per-member", type=float, default=20.0)
    parser.add_argument("--topic-sample", type=int, default=2000)
    args = parser.parse_args(argv)
    as_of = datetime(2025, 6, 1, tzinfo=UTC)
    load_at_start = [round(x, 2) for x in os.getloadavg()]  # the machine is shared: say how busy it was

    population, gen_s = timed(
        generate_population, args.members, args.seed, activities_per_member=args.activities_per_member, as_of=as_of
    )
    rows = len(population.activities)
    fitted, fit_s = timed(score, population, hints=False)
    _, frozen_s = timed(score, population, calibration=fitted.calibration, hints=False)
    with_hints, hints_s = timed(score, population, calibration=fitted.calibration)
    sample = np.random.default_rng(0).choice(population.size - len(population.truth.bots), 200, replace=False).tolist()
    _, explain_s = timed(lambda: [with_hints.explain(i, population.activity_id) for i in sample])
    single = single_member_latency(population, fitted.calibration, with_hints.member_signals, sample)
    batch_per_member_ms = frozen_s / args.members * 1000.0

    report = {
        "command": "PYTHONPATH=src .venv/bin/python benchmarks/eval_scoring.py " + " ".join(argv),
        "population": {
            "members": args.members,
            "seed": args.seed,
            "activities": rows,
            "graph_edges": len(population.graph),
            "generate_seconds": round(gen_s, 2),
        },
        "speed": {
            "fit_and_score_seconds": round(fit_s, 3),
            "score_seconds_frozen_calibration": round(frozen_s, 3),
            "members_per_second": round(args.members / frozen_s),
            "activities_per_second": round(rows / frozen_s),
            "members_per_second_with_fit": round(args.members / fit_s),
            "score_with_hints_seconds": round(hints_s, 3),
            "explain_ms_per_member": round(explain_s / len(sample) * 1000.0, 2),
            "single_member": single,
            "batch_speedup_vs_single_member_path": round(single["p50_ms"] / batch_per_member_ms, 1),
        },
        "quality": ranking_quality(population, fitted),
        "bot_farm": bot_farm_effect(population, fitted, size=1000),
        "stability": stability(population, fitted),
        "topics": topic_precision(population, sample=args.topic_sample),
        "topic_assignment": topic_assignment_speed(population),
        "classic_graphs": classic_graphs(),
        "pagerank_musae_github": musae_pagerank(),
        "calibration_version": fitted.calibration.version,
        "load_average_at_start": load_at_start,
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
    }
    json.dump(report, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1:])
