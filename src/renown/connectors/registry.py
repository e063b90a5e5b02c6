"""One archive parser per network."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from renown.connectors.archive import ArchiveLimits
from renown.connectors.bluesky import parse_bluesky
from renown.connectors.instagram import parse_instagram
from renown.connectors.mastodon import parse_mastodon
from renown.connectors.reddit import parse_reddit
from renown.connectors.x import parse_x
from renown.domain.activity import Network, ParsedArchive

ArchiveParser = Callable[[Path, ArchiveLimits], ParsedArchive]

PARSERS: dict[Network, ArchiveParser] = {
    Network.MASTODON: parse_mastodon,
    Network.X: parse_x,
    Network.BLUESKY: parse_bluesky,
    Network.REDDIT: parse_reddit,
    Network.INSTAGRAM: parse_instagram,
}
