"""Converting Klout's public topic ontology (CC BY 3.0) into Renown's taxonomy format."""

from __future__ import annotations

from pathlib import Path

import pytest

from renown.domain.topics import Taxonomy, TopicMatcher
from renown.services.taxonomy import KloutFolderInvalid, dump_taxonomy, import_klout_topics, parse_taxonomy

# The rows of Klout's three CSV files (2018-06-01) for a few topics, their ancestors and the 16 categories, as
# published (tests/data/klout-topics/README.md). The whole ontology converts to 8,006 topics the same way.
KLOUT = Path(__file__).resolve().parents[2] / "data" / "klout-topics"


@pytest.fixture(scope="module")
def klout() -> Taxonomy:
    return import_klout_topics(KLOUT)


def test_the_ontology_becomes_sixteen_categories_of_topics_and_subtopics(klout: Taxonomy) -> None:
    assert len(klout.categories) == 16
    assert len(klout.topics) == 20
    assert sum(1 for t in klout.topics if t.parent is None) == 13
    technology = next(c for c in klout.categories if c.slug == "technology")
    assert (technology.name_en, technology.name_fr) == ("Technology", "Technologie")


def test_a_topic_keeps_its_wikidata_id_french_name_and_place(klout: Taxonomy) -> None:
    python = klout.topic("python")
    assert (python.category, python.parent, python.wikidata) == ("technology", "software-development", "Q28865")
    rights = klout.topic("womens-rights")
    assert (rights.name_en, rights.name_fr, rights.wikidata) == ("Women's Rights", "Droits des Femmes", "Q223569")
    assert rights.keywords_fr == ("droits des femmes",)
    assert klout.topic("jeopardy").hashtags == ("jeopardy",)


def test_special_categories_are_flagged_down_their_subtrees(klout: Taxonomy) -> None:
    assert klout.topic("religion").special_category == "religion"
    assert klout.topic("lgbt-issues").special_category == "sexuality"
    assert klout.topic("labor-unions").special_category == "trade_union"
    assert klout.topic("sexual-health").special_category == "health"
    assert klout.topic("python").special_category is None


def test_the_import_is_a_valid_taxonomy_file_that_matches_text(klout: Taxonomy) -> None:
    # the whole file is about 2 MB of YAML; one category shows the format round-trips
    technology = Taxonomy(
        klout.version, klout.categories[13:14], tuple(t for t in klout.topics if t.category == "technology")
    )
    assert technology.categories[0].slug == "technology"
    reloaded = parse_taxonomy(dump_taxonomy(technology))
    assert reloaded == technology
    assert TopicMatcher(klout).assign_topics("Notes on Python decorators") == [("python", 1.0)]


def test_a_folder_without_the_csvs_is_refused(tmp_path: Path) -> None:
    with pytest.raises(KloutFolderInvalid, match="missing klout_topic_ontology_20180601.csv"):
        import_klout_topics(tmp_path)
