"""Topics of expertise: the taxonomy, per-activity assignment and per-member expertise."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from renown.domain.errors import RenownError
from renown.domain.expertise import TopicExpertise as TopicExpertise
from renown.domain.expertise import topic_expertise as topic_expertise

SPECIAL_CATEGORIES = frozenset({"health", "religion", "politics", "sexuality", "ethnicity", "trade_union"})
# A hashtag is a deliberate label, so it counts for more than a word in running text.
HASHTAG_WEIGHT = 1.5
MIN_ACTIVITY_WEIGHT = 0.2
MAX_TOPICS_PER_ACTIVITY = 3

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_WORD = re.compile(r"[a-z0-9]+")
_HASHTAG = re.compile(r"#([a-z0-9_]+)")


class TaxonomyInvalid(RenownError):
    """The taxonomy file breaks a rule; the message names the slug, never member data."""

    code = "TAXONOMY_INVALID"


class _FoldTable(dict[int, str]):
    """str.translate table that strips accents, filled one character at a time as met."""

    def __missing__(self, code: int) -> str:
        decomposed = unicodedata.normalize("NFKD", chr(code))
        folded = "".join(c for c in decomposed if not unicodedata.combining(c))
        self[code] = folded
        return folded


_FOLD = _FoldTable()


def fold(text: str) -> str:
    """Lower-case and strip accents so 'Développeur' and 'developpeur' match."""
    lowered = text.casefold()
    return lowered if lowered.isascii() else lowered.translate(_FOLD)


def words(text: str) -> tuple[str, ...]:
    """Split folded text into the word tokens keywords are matched on."""
    return tuple(_WORD.findall(fold(text)))


def normalize_hashtag(tag: str) -> str:
    """Fold a hashtag and drop its '#' and punctuation."""
    return "".join(_WORD.findall(fold(tag)))


@dataclass(frozen=True, slots=True)
class Category:
    slug: str
    name_en: str
    name_fr: str
    special_category: str | None = None


@dataclass(frozen=True, slots=True)
class Topic:
    slug: str
    name_en: str
    name_fr: str
    category: str
    parent: str | None
    keywords_en: tuple[str, ...]
    keywords_fr: tuple[str, ...]
    hashtags: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    special_category: str | None = None
    wikidata: str | None = None

    @property
    def is_special(self) -> bool:
        return self.special_category is not None

    def name(self, language: str) -> str:
        """Return the display name in 'fr' or, for anything else, English."""
        return self.name_fr if language == "fr" else self.name_en


@dataclass(frozen=True)
class Taxonomy:
    """A validated hierarchy: categories -> topics -> subtopics (parent set)."""

    version: str
    categories: tuple[Category, ...]
    topics: tuple[Topic, ...]
    _by_slug: dict[str, Topic] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_slug", {t.slug: t for t in self.topics})

    def topic(self, slug: str) -> Topic:
        """Return one topic by slug (KeyError when unknown)."""
        return self._by_slug[slug]

    def __contains__(self, slug: object) -> bool:
        return slug in self._by_slug

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Taxonomy:
        """Validate the YAML-shaped mapping and build a taxonomy."""
        version = data.get("version")
        if not isinstance(version, str) or not version:
            raise TaxonomyInvalid("taxonomy needs a version string")
        categories: list[Category] = []
        topics: list[Topic] = []
        seen: set[str] = set()
        for raw_cat in _list(data.get("categories"), "categories"):
            cat = _category(raw_cat, seen)
            categories.append(cat)
            for raw_topic in _list(raw_cat.get("topics"), f"{cat.slug}.topics"):
                topic = _topic(raw_topic, cat.slug, None, cat.special_category, seen)
                topics.append(topic)
                for raw_sub in _list(raw_topic.get("subtopics", []), f"{topic.slug}.subtopics"):
                    topics.append(_topic(raw_sub, cat.slug, topic.slug, topic.special_category, seen))
        if not topics:
            raise TaxonomyInvalid("taxonomy has no topics")
        return cls(version=version, categories=tuple(categories), topics=tuple(topics))

    def to_mapping(self) -> dict[str, Any]:
        """Return the YAML-shaped mapping `from_mapping` reads back."""

        def entry(t: Topic) -> dict[str, Any]:
            out: dict[str, Any] = {"slug": t.slug, "name": {"en": t.name_en, "fr": t.name_fr}}
            if t.special_category:
                out["special_category"] = t.special_category
            out["keywords"] = {"en": list(t.keywords_en), "fr": list(t.keywords_fr)}
            out["hashtags"] = list(t.hashtags)
            out["aliases"] = list(t.aliases)
            if t.wikidata:
                out["wikidata"] = t.wikidata
            return out

        children: dict[str | None, list[Topic]] = {}
        for t in self.topics:
            children.setdefault(t.parent if t.parent else f"category:{t.category}", []).append(t)
        cats: list[dict[str, Any]] = []
        for c in self.categories:
            cat: dict[str, Any] = {"slug": c.slug, "name": {"en": c.name_en, "fr": c.name_fr}}
            if c.special_category:
                cat["special_category"] = c.special_category
            tops = []
            for t in children.get(f"category:{c.slug}", []):
                item = entry(t)
                subs = [entry(s) for s in children.get(t.slug, [])]
                if subs:
                    item["subtopics"] = subs
                tops.append(item)
            cat["topics"] = tops
            cats.append(cat)
        return {"version": self.version, "categories": cats}


def _list(value: Any, where: str) -> list[Mapping[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise TaxonomyInvalid(f"{where} must be a list of mappings")
    return value


def _names(raw: Mapping[str, Any], slug: str) -> tuple[str, str]:
    name = raw.get("name")
    if not isinstance(name, Mapping) or not name.get("en") or not name.get("fr"):
        raise TaxonomyInvalid(f"{slug} needs English and French names")
    return str(name["en"]), str(name["fr"])


def _slug(raw: Mapping[str, Any], seen: set[str]) -> str:
    slug = raw.get("slug")
    if not isinstance(slug, str) or not _SLUG.match(slug):
        raise TaxonomyInvalid(f"invalid slug {slug!r}")
    if slug in seen:
        raise TaxonomyInvalid(f"duplicate slug {slug}")
    seen.add(slug)
    return slug


def _special(raw: Mapping[str, Any], inherited: str | None, slug: str) -> str | None:
    special = raw.get("special_category") or inherited
    if special is not None and special not in SPECIAL_CATEGORIES:
        raise TaxonomyInvalid(f"{slug} has an unknown special category")
    return special if special is None else str(special)


def _category(raw: Mapping[str, Any], seen: set[str]) -> Category:
    slug = _slug(raw, seen)
    en, fr = _names(raw, slug)
    return Category(slug, en, fr, _special(raw, None, slug))


def _strings(value: Any, slug: str, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise TaxonomyInvalid(f"{slug}.{what} must be a list of non-empty strings")
    return tuple(value)


def _topic(raw: Mapping[str, Any], category: str, parent: str | None, inherited: str | None, seen: set[str]) -> Topic:
    slug = _slug(raw, seen)
    en, fr = _names(raw, slug)
    keywords = raw.get("keywords") or {}
    if not isinstance(keywords, Mapping):
        raise TaxonomyInvalid(f"{slug}.keywords must map languages to lists")
    kw_en = _strings(keywords.get("en"), slug, "keywords.en")
    kw_fr = _strings(keywords.get("fr"), slug, "keywords.fr")
    hashtags = tuple(normalize_hashtag(h) for h in _strings(raw.get("hashtags"), slug, "hashtags"))
    if not (kw_en or kw_fr or hashtags):
        raise TaxonomyInvalid(f"{slug} has no keyword and no hashtag")
    wikidata = raw.get("wikidata")
    return Topic(
        slug=slug,
        name_en=en,
        name_fr=fr,
        category=category,
        parent=parent,
        keywords_en=kw_en,
        keywords_fr=kw_fr,
        hashtags=tuple(h for h in hashtags if h),
        aliases=_strings(raw.get("aliases"), slug, "aliases"),
        special_category=_special(raw, inherited, slug),
        wikidata=str(wikidata) if wikidata else None,
    )


class TopicMatcher:
    """Keyword and hashtag lookup tables compiled once from a taxonomy."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy
        self._slugs = [t.slug for t in taxonomy.topics]
        self._special = [t.is_special for t in taxonomy.topics]
        phrases: dict[tuple[str, ...], set[int]] = {}
        tags: dict[str, set[int]] = {}
        for index, topic in enumerate(taxonomy.topics):
            for text in (*topic.keywords_en, *topic.keywords_fr, *topic.aliases):
                key = words(text)
                if key:
                    phrases.setdefault(key, set()).add(index)
            for tag in topic.hashtags:
                tags.setdefault(tag, set()).add(index)
        # Phrases are indexed by their first word: one dict probe per word of text.
        self._phrases: dict[str, list[tuple[tuple[str, ...], tuple[int, ...]]]] = {}
        for key, owners in sorted(phrases.items(), key=lambda kv: -len(kv[0])):
            self._phrases.setdefault(key[0], []).append((key[1:], tuple(sorted(owners))))
        self._tags = {tag: tuple(sorted(owners)) for tag, owners in tags.items()}

    def assign_topics(
        self, text: str, hashtags: Iterable[str] = (), *, allow_special: bool = False
    ) -> list[tuple[str, float]]:
        """Return up to three (slug, weight) pairs, weights summing to 1, strongest first."""
        tokens = words(text)
        evidence: dict[int, float] = {}
        matched: set[tuple[str, ...]] = set()
        for i, token in enumerate(tokens):
            for rest, owners in self._phrases.get(token, ()):
                if rest and tokens[i + 1 : i + 1 + len(rest)] != rest:
                    continue
                key = (token, *rest)
                if key in matched:  # repeating a word is not more evidence
                    continue
                matched.add(key)
                for owner in owners:
                    evidence[owner] = evidence.get(owner, 0.0) + 1.0 / len(owners)
        tags = {normalize_hashtag(h) for h in hashtags}
        tags.update(t.replace("_", "") for t in _HASHTAG.findall(fold(text)))
        for tag in tags:
            owners = self._tags.get(tag, ())
            for owner in owners:
                evidence[owner] = evidence.get(owner, 0.0) + HASHTAG_WEIGHT / len(owners)
        if not allow_special:
            evidence = {k: v for k, v in evidence.items() if not self._special[k]}
        if not evidence:
            return []
        ranked = sorted(evidence.items(), key=lambda kv: (-kv[1], self._slugs[kv[0]]))
        total = sum(evidence.values())
        kept = [(k, v) for k, v in ranked[:MAX_TOPICS_PER_ACTIVITY] if v / total >= MIN_ACTIVITY_WEIGHT]
        kept_total = sum(v for _, v in kept)
        return [(self._slugs[k], v / kept_total) for k, v in kept]
