"""X / Twitter archive (zip with `data/*.js` files wrapped in `window.YTD.<name>.partN = `)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from renown.connectors.archive import ArchiveLimits, ArchiveReader, open_archive
from renown.connectors.jsonstream import (
    as_dict,
    as_list,
    count_items,
    json_items,
    load_small,
    opt_count,
    opt_str,
    prepend,
)
from renown.connectors.layout import open_network_archive, refuse_layout
from renown.connectors.text import (
    hashtag,
    hashtags_in,
    mentioned_names,
    strip_mentions,
    unescape_text,
    utc_from_format,
)
from renown.domain.activity import (
    AccountProfile,
    Activity,
    ActivityKind,
    Coverage,
    Network,
    ParsedArchive,
    Signal,
)
from renown.domain.errors import ArchiveMalformed

_WRAPPER = re.compile(rb"^\s*window\.YTD\.\w+\.part\d+\s*=\s*")
_RETWEET = re.compile(r"^RT @([A-Za-z0-9_]+):\s*")
_CREATED_AT = "%a %b %d %H:%M:%S %z %Y"
# tweet.js was renamed tweets.js in 2022; large archives are split into numbered parts.
_TWEET_FILES = (r"data/tweets(-part\d+)?\.js", r"data/tweet(-part\d+)?\.js")


def parse_x(path: Path, limits: ArchiveLimits) -> ParsedArchive:
    """Read an X archive: the account and audience now, tweets as a lazy stream."""
    with open_network_archive(path, limits, Network.X) as reader:
        tweet_files = _tweet_files(reader)
        if not tweet_files or not reader.has("data/account.js"):
            refuse_layout(reader.names, Network.X)
        username, display_name = _account(reader)
        coverage = Coverage({Signal.OWN_POSTS, Signal.RECEIVED_LIKES, Signal.RECEIVED_RESHARES})
        followers = following = None
        if reader.has("data/follower.js"):
            followers = _count(reader, "data/follower.js")
            coverage.add(Signal.FOLLOWERS)
        if reader.has("data/following.js"):
            following = _count(reader, "data/following.js")
            coverage.add(Signal.FOLLOWING)
    account = AccountProfile(
        network=Network.X, handle=username, display_name=display_name, followers=followers, following=following
    )
    return ParsedArchive(account=account, activities=_activities(path, limits, username), coverage=coverage)


def _tweet_files(reader: ArchiveReader) -> list[str]:
    for pattern in _TWEET_FILES:
        if found := reader.matching(pattern):
            return sorted(found, key=lambda name: "-part" in name)  # part 0 has no number
    return []


def _unwrapped(stream: IO[bytes]) -> IO[bytes]:
    head = stream.read(4096)
    match = _WRAPPER.match(head)
    if match is None:
        raise ArchiveMalformed("an X data file lacks its window.YTD wrapper")
    return prepend(head[match.end() :], stream)


def _account(reader: ArchiveReader) -> tuple[str, str | None]:
    data = reader.read_small("data/account.js")
    match = _WRAPPER.match(data)
    if match is None:
        raise ArchiveMalformed("an X data file lacks its window.YTD wrapper")
    items = as_list(load_small(data[match.end() :]))
    if not items:
        raise ArchiveMalformed("account.js holds no account")
    # The e-mail address and other fields of account.js are deliberately not read.
    account = as_dict(as_dict(items[0]).get("account"))
    username = opt_str(account.get("username"))
    if not username:
        raise ArchiveMalformed("account.js has no username")
    return username, opt_str(account.get("accountDisplayName")) or None


def _count(reader: ArchiveReader, name: str) -> int:
    """Count follower or following rows; their account ids are never kept."""
    with reader.open(name) as stream:
        return count_items(_unwrapped(stream), "item")


def _activities(path: Path, limits: ArchiveLimits, username: str) -> Iterator[Activity]:
    with open_archive(path, limits) as reader:
        for name in _tweet_files(reader):
            with reader.open(name) as stream:
                for item in json_items(_unwrapped(stream), "item"):
                    yield _activity(as_dict(item), username)


def _activity(item: dict[str, Any], username: str) -> Activity:
    tweet = as_dict(item.get("tweet", item))
    tweet_id = opt_str(tweet.get("id_str")) or opt_str(tweet.get("id"))
    if not tweet_id or not (tweet_id.isascii() and tweet_id.isdigit()):
        raise ArchiveMalformed("a tweet has no id")
    full_text = unescape_text(opt_str(tweet.get("full_text")) or opt_str(tweet.get("text")) or "")
    others: list[str] = []
    if retweeted := _RETWEET.match(full_text):
        others.append(retweeted.group(1))
        kind, full_text = ActivityKind.RESHARE, _RETWEET.sub("", full_text, count=1)
    elif opt_str(tweet.get("in_reply_to_status_id_str")):
        kind = ActivityKind.REPLY
    else:
        kind = ActivityKind.POST
    text, mentioned = strip_mentions(full_text)
    entities = as_dict(tweet.get("entities") or {})
    tags = [opt_str(as_dict(h).get("text")) or "" for h in as_list(entities.get("hashtags"))]
    hashtags = tuple(dict.fromkeys(hashtag(t) for t in tags if t)) or hashtags_in(text)
    mentions = as_list(entities.get("user_mentions"))
    # Whom the tweet answers, reshares or mentions: the screen names their own account.js calls `username`.
    others.append(opt_str(tweet.get("in_reply_to_screen_name")) or "")
    others += [opt_str(as_dict(m).get("screen_name")) or "" for m in mentions] or mentioned_names(full_text)
    return Activity(
        network=Network.X,
        external_id=tweet_id,
        kind=kind,
        published_at=utc_from_format(tweet.get("created_at"), _CREATED_AT),
        text=text,
        url=f"https://x.com/{username}/status/{tweet_id}",
        likes=opt_count(tweet.get("favorite_count")),
        reshares=opt_count(tweet.get("retweet_count")),
        replies=None,
        hashtags=hashtags,
        mentions=max(len(mentions), mentioned),
        interacted_with=tuple(dict.fromkeys(o for o in others if o and o != username)),
    )
