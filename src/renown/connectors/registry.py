"""One archive parser per network."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from renown.connectors.archive import ArchiveLimits
from renown.connectors.mastodon import parse_mastodon
from renown.domain.activity import Network, ParsedArchive

ArchiveParser = Callable[[Path, ArchiveLimits], ParsedArchive]

PARSERS: dict[Network, ArchiveParser] = {
    Network.MASTODON: parse_mastodon,
}
