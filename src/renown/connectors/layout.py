"""Recognize which network produced an archive, so a wrong upload gets the right error."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

from renown.connectors.archive import ArchiveLimits, ArchiveReader, open_archive, sniff_container
from renown.connectors.car import looks_like_car
from renown.domain.activity import Network
from renown.domain.errors import UnknownLayout, WrongNetwork

_X = re.compile(r"data/(tweets?|tweets-part\d+|account|follower|following)\.js")
_INSTAGRAM = re.compile(
    r"(connections/followers_and_following|followers_and_following|your_instagram_activity"
    r"|personal_information)/.+\.json"
)


def guess_network(names: Iterable[str]) -> Network | None:
    """The network whose archive layout these member names look like, if any."""
    present = set(names)
    if {"outbox.json", "actor.json"} <= present:
        return Network.MASTODON
    if any(_X.fullmatch(n) for n in present):
        return Network.X
    if any(_INSTAGRAM.fullmatch(n) for n in present):
        return Network.INSTAGRAM
    if present & {"posts.csv", "comments.csv"}:
        return Network.REDDIT
    if any(n.endswith(".car") for n in present):
        return Network.BLUESKY
    return None


def refuse_layout(names: Iterable[str], expected: Network) -> NoReturn:
    """Raise WrongNetwork when the archive is another network's, else UnknownLayout."""
    guess = guess_network(names)
    if guess is not None and guess is not expected:
        raise WrongNetwork(f"this looks like a {guess.value} archive, not a {expected.value} one")
    raise UnknownLayout(f"this is no {expected.value} archive layout Renown knows")


@contextmanager
def open_network_archive(path: Path, limits: ArchiveLimits, expected: Network) -> Iterator[ArchiveReader]:
    """Open a zip/tar archive for `expected`, reporting a Bluesky CAR as the wrong network."""
    if sniff_container(path) is None and looks_like_car(path):
        raise WrongNetwork(f"this looks like a bluesky export, not a {expected.value} one")
    with open_archive(path, limits) as reader:
        yield reader
