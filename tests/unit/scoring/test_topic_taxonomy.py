"""The shipped taxonomy, topic assignment per activity, and expertise per member."""

from __future__ import annotations

from typing import Any

import pytest

from renown.domain.topics import Taxonomy, TaxonomyInvalid, TopicMatcher, fold, topic_expertise
from renown.services.demo_text import CHATTER, TEMPLATES
from renown.services.taxonomy import default_matcher, dump_taxonomy, load_taxonomy, parse_taxonomy


@pytest.fixture(scope="module")
def matcher() -> TopicMatcher:
    return default_matcher()


def test_the_shipped_taxonomy_is_a_three_level_bilingual_hierarchy() -> None:
    taxonomy = load_taxonomy()
    topics = taxonomy.topics
    assert len(topics) >= 150
    assert len(taxonomy.categories) == 18
    assert all(t.name_en and t.name_fr for t in topics)
    assert all(t.keywords_en and t.keywords_fr for t in topics)
    python = taxonomy.topic("python")
    assert (python.category, python.parent) == ("technology", "programming")
    assert taxonomy.topic("programming").parent is None
    specials = {t.special_category for t in topics if t.is_special}
    assert specials == {"health", "religion", "politics", "sexuality", "ethnicity", "trade_union"}
    assert taxonomy.topic("chronic-illness").special_category == "health"


def test_the_taxonomy_round_trips_through_yaml() -> None:
    taxonomy = load_taxonomy()
    assert parse_taxonomy(dump_taxonomy(taxonomy)) == taxonomy


def test_english_words_phrases_and_hashtags_assign_topics(matcher: TopicMatcher) -> None:
    assert matcher.assign_topics("Loving the new Django release, pip install it today") == [("python", 1.0)]
    assert matcher.assign_topics("Great match tonight", ["Rugby"]) == [("rugby", 1.0)]
    assert matcher.assign_topics("Great #SixNations match tonight") == [("rugby", 1.0)]


def test_french_text_matches_without_caring_about_accents_or_case(matcher: TopicMatcher) -> None:
    text = "Quelle soirée en LIGUE DES CHAMPIONS, le gardien de but était incroyable"
    assert matcher.assign_topics(text) == [("football", 1.0)]
    assert matcher.assign_topics("un nouveau developpeur logiciel") == [("programming", 1.0)]
    assert fold("Développeur Œuvre") == "developpeur œuvre"


def test_weights_split_between_topics_and_repeats_are_not_more_evidence(matcher: TopicMatcher) -> None:
    # two distinct keywords of astronomy against one of wine, however often it is repeated
    text = "telescope and galaxy tonight, wine wine wine wine"
    topics = matcher.assign_topics(text)
    assert [slug for slug, _ in topics] == ["astronomy", "wine"]
    assert [weight for _, weight in topics] == pytest.approx([2 / 3, 1 / 3])


def test_special_categories_need_the_explicit_consent(matcher: TopicMatcher) -> None:
    text = "Polling station opens early for the election, then the rugby scrum"
    assert matcher.assign_topics(text) == [("rugby", 1.0)]
    allowed = matcher.assign_topics(text, allow_special=True)
    assert [slug for slug, _ in allowed] == ["elections", "rugby"]
    assert matcher.assign_topics("Ramadan at the mosque") == []


def test_demo_templates_carry_no_topic_of_their_own(matcher: TopicMatcher) -> None:
    for language, templates in TEMPLATES.items():
        for template in templates:
            assert matcher.assign_topics(template.format(a="", b=""), allow_special=True) == [], language
        for line in CHATTER[language]:
            assert matcher.assign_topics(line, allow_special=True) == []


def test_expertise_combines_topical_share_with_the_score() -> None:
    # given four posts: two on python (no reactions), one on wine (e - 1 reactions), one on nothing
    e_minus_1 = 1.718281828459045
    assignments: list[tuple[list[tuple[str, float]], float]] = [
        ([("python", 1.0)], 0.0),
        ([("python", 1.0)], 0.0),
        ([("wine", 1.0)], e_minus_1),
        ([], 0.0),
    ]
    # when
    levels = topic_expertise(assignments, 64.0)
    # then evidence is 1 + log1p(reactions); share = evidence / (5 + prior 2); level = score x sqrt(share)
    assert [(e.slug, e.activities) for e in levels] == [("python", 2), ("wine", 1)]
    assert levels[0].share == pytest.approx(2 / 7)
    assert levels[1].share == pytest.approx(2 / 7)
    assert levels[0].level == pytest.approx(64.0 * (2 / 7) ** 0.5)
    assert topic_expertise(assignments, 64.0, exclude={"python"})[0].slug == "wine"


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        (
            {"version": "1", "categories": [{"slug": "a", "name": {"en": "A"}, "topics": []}]},
            "a needs English and French names",
        ),
        (
            {"version": "1", "categories": [{"slug": "Bad Slug", "name": {"en": "A", "fr": "A"}, "topics": []}]},
            "invalid slug",
        ),
        (
            {
                "version": "1",
                "categories": [
                    {"slug": "a", "name": {"en": "A", "fr": "A"}, "special_category": "sports", "topics": []}
                ],
            },
            "a has an unknown special category",
        ),
        (
            {
                "version": "1",
                "categories": [
                    {
                        "slug": "a",
                        "name": {"en": "A", "fr": "A"},
                        "topics": [
                            {"slug": "t", "name": {"en": "T", "fr": "T"}, "keywords": {"en": ["t"]}},
                            {"slug": "t", "name": {"en": "T", "fr": "T"}, "keywords": {"en": ["t"]}},
                        ],
                    }
                ],
            },
            "duplicate slug t",
        ),
        (
            {
                "version": "1",
                "categories": [
                    {
                        "slug": "a",
                        "name": {"en": "A", "fr": "A"},
                        "topics": [{"slug": "t", "name": {"en": "T", "fr": "T"}}],
                    }
                ],
            },
            "t has no keyword and no hashtag",
        ),
    ],
)
def test_an_invalid_taxonomy_is_refused_with_a_reason(broken: dict[str, Any], message: str) -> None:
    with pytest.raises(TaxonomyInvalid, match=message) as caught:
        Taxonomy.from_mapping(broken)
    assert caught.value.code == "TAXONOMY_INVALID"
