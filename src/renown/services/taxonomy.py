"""Load the shipped topic taxonomy, and convert Klout's public topic ontology into it."""

from __future__ import annotations

import csv
import re
from collections import deque
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from renown.domain.errors import RenownError
from renown.domain.topics import Category, Taxonomy, Topic, TopicMatcher, fold

# libyaml's C loader and dumper are ten times faster than the pure-Python ones.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
KLOUT_ONTOLOGY = "klout_topic_ontology_20180601.csv"
KLOUT_EDGES = "klout_topic_edge_20180601.csv"
KLOUT_DISPLAY = "klout_topic_display_20180601.csv"
KLOUT_ROOT = "0"
# Klout had no special-category flag; these subtrees hold GDPR Art. 9 or union topics.
KLOUT_SPECIAL_SUPERS = {"government-and-politics-super": "politics", "health-and-wellness-super": "health"}
KLOUT_SPECIAL_SUBTREES = {
    "religion": "religion",
    "lgbt": "sexuality",
    "lgbt-issues": "sexuality",
    "bisexuality": "sexuality",
    "sexual-health": "health",
    "labor-unions": "trade_union",
    "civil-rights-movement": "ethnicity",
    "african-american-history": "ethnicity",
}


class KloutFolderInvalid(RenownError):
    code = "KLOUT_FOLDER_INVALID"


def _klout_slug(raw: str, taken: set[str]) -> str:
    """Fold a Klout slug ('jeopardy!', 'UCLA', 'réunion') into Renown's slug rules, uniquely."""
    base = "-".join(re.findall(r"[a-z0-9]+", fold(raw))) or "topic"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def load_taxonomy(path: Path | None = None) -> Taxonomy:
    """Read and validate a taxonomy YAML file (the shipped one by default)."""
    if path is None:
        text = resources.files("renown").joinpath("data/topics.yaml").read_text(encoding="utf-8")
    else:
        text = path.read_text(encoding="utf-8")
    return parse_taxonomy(text)


def parse_taxonomy(text: str) -> Taxonomy:
    """Validate taxonomy YAML text."""
    return Taxonomy.from_mapping(yaml.load(text, Loader=_LOADER))  # noqa: S506 - a safe loader


@lru_cache(maxsize=1)
def default_matcher() -> TopicMatcher:
    """Return the matcher for the shipped taxonomy, compiled once per process."""
    return TopicMatcher(load_taxonomy())


def dump_taxonomy(taxonomy: Taxonomy) -> str:
    """Serialize a taxonomy to the YAML format `load_taxonomy` reads."""
    return yaml.dump(taxonomy.to_mapping(), Dumper=_DUMPER, allow_unicode=True, sort_keys=False, width=120)


def _rows(folder: Path, name: str) -> list[dict[str, str]]:
    path = folder / name
    if not path.is_file():
        raise KloutFolderInvalid(f"missing {name}")
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def import_klout_topics(folder: Path, *, version: str = "klout-20180601") -> Taxonomy:
    """Convert Klout's ontology CSVs (CC BY 3.0) into a three-level Renown taxonomy.

    Klout's graph is a DAG up to nine levels deep. Each topic keeps its shallowest parent
    (ties: first edge in the file); nodes below level two become subtopics of their
    level-two ancestor, so the hierarchy stays categories -> topics -> subtopics.
    """
    ontology = {r["topicId"]: r for r in _rows(folder, KLOUT_ONTOLOGY)}
    children: dict[str, list[str]] = {}
    known = set(ontology) | {KLOUT_ROOT}
    for edge in _rows(folder, KLOUT_EDGES):
        source, child = edge["parentTopicId"], edge["childTopicId"]
        if source != child and child in known:
            children.setdefault(source, []).append(child)
    french = {r["topicId"]: r["topicDisplayName"] for r in _rows(folder, KLOUT_DISPLAY) if r["language"] == "fr"}

    parent_of: dict[str, str] = {}
    depth = {KLOUT_ROOT: 0}
    queue = deque([KLOUT_ROOT])
    while queue:  # breadth-first: the first parent to reach a node is a shallowest one
        node = queue.popleft()
        for child in children.get(node, ()):
            if child not in depth:
                depth[child] = depth[node] + 1
                parent_of[child] = node
                queue.append(child)

    def ancestor_at(node: str, level: int) -> str:
        while depth[node] > level:
            node = parent_of[node]
        return node

    def special(node: str) -> str | None:
        while node != KLOUT_ROOT:
            slug = ontology[node]["topicSlug"]
            flag = KLOUT_SPECIAL_SUBTREES.get(slug) or KLOUT_SPECIAL_SUPERS.get(slug)
            if flag:
                return flag
            node = parent_of[node]
        return None

    taken: set[str] = set()
    slugs = {
        node: _klout_slug(ontology[node]["topicSlug"].removesuffix("-super"), taken)
        for node in depth
        if node != KLOUT_ROOT
    }
    categories: list[Category] = []
    topics: list[Topic] = []
    supers = [c for c in children.get(KLOUT_ROOT, ()) if depth.get(c) == 1]
    for node in sorted((n for n in depth if depth[n] >= 1), key=lambda n: (depth[n] > 2, depth[n], int(n))):
        row = ontology[node]
        name_en = row["topicDisplayName"].strip() or row["topicSlug"]
        name_fr = french.get(node, "").strip() or name_en
        if node in supers:
            categories.append(Category(slugs[node], name_en, name_fr, special(node)))
            continue
        category = slugs[ancestor_at(node, 1)]
        parent = None if depth[node] == 2 else slugs[ancestor_at(node, 2)]
        keywords_fr = (fold(name_fr),) if fold(name_fr) != fold(name_en) else ()
        alias = row["topicSlug"].replace("-", " ")
        topics.append(
            Topic(
                slug=slugs[node],
                name_en=name_en,
                name_fr=name_fr,
                category=category,
                parent=parent,
                keywords_en=(fold(name_en),),
                keywords_fr=keywords_fr,
                hashtags=(row["topicSlug"].replace("-", ""),),
                aliases=(alias,) if alias != fold(name_en) else (),
                special_category=special(node),
                wikidata=row["wikiItemId"] or None,
            )
        )
    taxonomy = Taxonomy(version=version, categories=tuple(categories), topics=tuple(topics))
    # Round-trip through the validator so an import can never produce a file we refuse.
    return Taxonomy.from_mapping(_as_mapping(taxonomy))


def _as_mapping(taxonomy: Taxonomy) -> dict[str, Any]:
    return taxonomy.to_mapping()
