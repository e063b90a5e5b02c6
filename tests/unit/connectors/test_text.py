"""Text clean-up shared by the parsers: handles out, mojibake repaired, HTML flattened."""

from __future__ import annotations

import pytest

from renown.connectors.registry import PARSERS
from renown.connectors.text import hashtags_in, html_to_text, repair_mojibake, strip_mentions
from renown.domain.activity import Network


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Thanks @bob, see you", ("Thanks, see you", 1)),
        ("@bob@social.example.org @carol.bsky.social hi", ("hi", 2)),
        ("write to alice@example.org", ("write to alice@example.org", 0)),
        ("no handles #here", ("no handles #here", 0)),
    ],
)
def test_strip_mentions_removes_handles_and_counts_them(text: str, expected: tuple[str, int]) -> None:
    assert strip_mentions(text) == expected


def test_strip_mentions_knows_reddit_user_links() -> None:
    assert strip_mentions("ping u/bob and /u/carol", reddit=True) == ("ping and", 2)


def test_repair_mojibake_fixes_meta_text_and_leaves_good_text() -> None:
    assert repair_mojibake("CafÃ© ð\x9f\x8c\xb1") == "Café 🌱"
    assert repair_mojibake("Café 🌱") == "Café 🌱"


def test_html_to_text_drops_mention_links_but_keeps_hashtags() -> None:
    html = (
        '<p><span class="h-card"><a href="https://social.example.org/@bob" class="u-url mention">'
        '@<span>bob</span></a></span> look at <a href="https://m.example.org/tags/moss" '
        'class="mention hashtag">#<span>moss</span></a><br>so green &lt;3</p>'
    )
    assert html_to_text(html) == ("look at #moss\nso green <3", 1)


def test_hashtags_in_normalizes_and_deduplicates() -> None:
    assert hashtags_in("#Moss and #moss, #Fern but not a&#39;s") == ("moss", "fern")


def test_every_network_has_an_archive_parser() -> None:
    assert set(PARSERS) == set(Network)
