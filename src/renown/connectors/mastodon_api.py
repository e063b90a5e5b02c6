"""Mastodon's REST API answers read into Renown's terms: statuses, pagination and rate-limit headers,
and the instance names Renown agrees to connect to."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import httpx2

from renown.connectors.mastodon import account_handle
from renown.connectors.text import hashtag, html_to_text
from renown.domain.activity import Activity, ActivityKind, Network
from renown.domain.linking import InstanceRefused, LinkError

_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
_PRIVATE_SUFFIXES = frozenset({"localhost", "local", "localdomain", "internal", "intranet", "lan", "home",
                               "corp", "arpa"})
ACCOUNT_ID = re.compile(r"[A-Za-z0-9]{1,64}")


def instance_host(value: str) -> str:
    """Normalize an instance name to a public DNS host name; refuse IPs, ports, paths and private names."""
    host = value.strip().lower().removeprefix("https://").removesuffix("/")
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise InstanceRefused("the instance is not a valid host name") from exc
    labels = host.split(".")
    if len(host) > 253 or len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels):
        raise InstanceRefused("the instance must be a public host name, without scheme, port or path")
    if labels[-1].isdigit() or labels[-1] in _PRIVATE_SUFFIXES:
        raise InstanceRefused("the instance must be a public host name, not an address or a private name")
    return host


def status_activity(status: object) -> Activity | None:
    """One status as an activity, with the counts only live fetching has; direct messages are skipped."""
    if not isinstance(status, dict):
        raise LinkError("a status is not an object")
    status_id = status.get("id")
    if not isinstance(status_id, str) or not status_id:
        raise LinkError("a status has no id")
    if status.get("visibility") == "direct":
        return None  # private correspondence, not influence (as for archives)
    published = _utc(status.get("created_at"))
    if reblog := status.get("reblog"):
        # The boosted status is someone else's, and so are its counts: keep only that a boost happened (and whose).
        author = _account_url(reblog.get("account") if isinstance(reblog, dict) else None)
        return Activity(Network.MASTODON, status_id, ActivityKind.RESHARE, published, "",
                        interacted_with=(author,) if author else ())
    content = status.get("content")
    text, html_mentions = html_to_text(content if isinstance(content, str) else "")
    tags = status.get("tags")
    names = (t.get("name") for t in (tags if isinstance(tags, list) else []) if isinstance(t, dict))
    hashtags = tuple(dict.fromkeys(h for n in names if isinstance(n, str) and (h := hashtag(n))))
    mentions = status.get("mentions")
    url = status.get("url")
    return Activity(
        network=Network.MASTODON,
        external_id=status_id,
        kind=ActivityKind.REPLY if status.get("in_reply_to_id") else ActivityKind.POST,
        published_at=published,
        text=text,
        url=url if isinstance(url, str) and url else None,
        likes=count(status.get("favourites_count")),
        reshares=count(status.get("reblogs_count")),
        replies=count(status.get("replies_count")),
        hashtags=hashtags,
        mentions=max(len(mentions) if isinstance(mentions, list) else 0, html_mentions),
        interacted_with=tuple(dict.fromkeys(
            who for m in (mentions if isinstance(mentions, list) else []) if (who := _account_url(m)))),
    )


def _account_url(account: object) -> str | None:
    """The `@name@host` handle of a mentioned or boosted account, from its ActivityPub id or profile URL."""
    if not isinstance(account, dict):
        return None
    for key in ("uri", "url"):
        value = account.get(key)
        found = account_handle(value) if isinstance(value, str) else None
        if found:
            return found
    return None


def next_max_id(response: httpx2.Response) -> str | None:
    """The `max_id` of the `next` link; only the cursor is taken, so requests never leave the instance."""
    link = response.links.get("next")
    if not link or "url" not in link:
        return None
    values = parse_qs(urlsplit(link["url"]).query).get("max_id")
    return values[0] if values and ACCOUNT_ID.fullmatch(values[0]) else None


def reset_time(value: str | None) -> datetime | None:
    """Mastodon sends an ISO-8601 time; some compatible servers send epoch seconds."""
    if not value:
        return None
    value = value.strip()
    try:
        if value.isdigit():
            return datetime.fromtimestamp(int(value), tz=UTC)
        parsed = datetime.fromisoformat(value)
    except (ValueError, OverflowError, OSError):
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _utc(value: object) -> datetime:
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            pass
        else:
            return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    raise LinkError("a status has no valid creation time")


def header_int(value: str | None) -> int | None:
    """An integer header, or None when absent or not a number."""
    try:
        return None if value is None else int(value.strip())
    except ValueError:
        return None


def count(value: object) -> int | None:
    """A count from JSON; None unless it is a non-negative integer."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None
