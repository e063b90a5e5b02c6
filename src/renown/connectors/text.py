"""Turn network text into plain text that names nobody but the member."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape

from renown.domain.errors import ArchiveMalformed

# @bob, @bob@example.org, @bob.bsky.social; not the middle of an e-mail address.
# The blank before a handle goes with it, so "Thanks @bob, yes" reads "Thanks, yes".
_MENTION = re.compile(r"[ \t]?(?<![\w@/])@[A-Za-z0-9_][A-Za-z0-9_.-]*(?:@[A-Za-z0-9.-]+)?")
# Reddit's u/name and /u/name.
_REDDIT_USER = re.compile(r"[ \t]?(?<![\w/])/?u/[A-Za-z0-9_-]+")
_HASHTAG = re.compile(r"(?<![\w&#])#(\w+)")
# The names behind plain mentions (@bob; not @bob@host, whose form is the network's own) and Reddit's u/bob.
_MENTIONED = re.compile(r"(?<![\w@/])@([A-Za-z0-9_][A-Za-z0-9_.-]*)(@[A-Za-z0-9.-]+)?")
_REDDIT_NAME = re.compile(r"(?<![\w/])/?u/([A-Za-z0-9_-]+)")
_SPACES = re.compile(r"[ \t]+")


def strip_mentions(text: str, *, reddit: bool = False) -> tuple[str, int]:
    """Remove other people's handles from `text`; return the text and how many there were."""
    count = 0
    if "@" in text:  # most texts mention nobody: skip the regular expressions
        text, count = _MENTION.subn("", text)
    if reddit and "u/" in text:
        text, more = _REDDIT_USER.subn("", text)
        count += more
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(lines).strip(), count


def mentioned_names(text: str, *, reddit: bool = False) -> tuple[str, ...]:
    """The account names `text` mentions (@bob, and u/bob on Reddit), de-duplicated in order; read before
    `strip_mentions`, for the interaction graph only (they are hashed, never stored)."""
    names: list[str] = []
    if "@" in text:
        names += [m.group(1).rstrip(".") for m in _MENTIONED.finditer(text) if not m.group(2)]
    if reddit and "u/" in text:
        names += _REDDIT_NAME.findall(text)
    return tuple(dict.fromkeys(n for n in names if n))


def hashtag(name: str) -> str:
    """Normalize a hashtag: lower case, no leading '#'."""
    return name.strip().lstrip("#").lower()


def hashtags_in(text: str) -> tuple[str, ...]:
    """Hashtags written in plain text, normalized and de-duplicated in order of appearance."""
    return tuple(dict.fromkeys(hashtag(m) for m in _HASHTAG.findall(text)))


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 read as latin-1 (Meta exports); leave text that is not mojibake alone."""
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


# Mastodon sanitizes the HTML it federates to a few tags (p, br, a, span and some inline
# formatting), so regular expressions flatten it far faster than a full HTML parser. Every
# repetition is bounded so that hostile input cannot make matching quadratic.
_LINK = re.compile(r"<a\s([^>]{0,500})>(.{0,500}?)</a\s*>", re.IGNORECASE | re.DOTALL)
_CLASS = re.compile(r"""\bclass\s*=\s*["']([^"']{0,200})["']""", re.IGNORECASE)
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_PARAGRAPH_END = re.compile(r"</p\s*>", re.IGNORECASE)
_TAG = re.compile(r"</?[A-Za-z][^>]{0,1000}>")


def html_to_text(html: str) -> tuple[str, int]:
    """Plain text of Mastodon HTML without mentioned handles; return it and the mention count."""
    if "<" not in html and "&" not in html:
        return strip_mentions(html)
    linked = 0
    if "mention" in html:
        html, linked = _drop_mention_links(html)
    html = _PARAGRAPH_END.sub("\n\n", _BREAK.sub("\n", html))
    text, leftover = strip_mentions(unescape(_TAG.sub("", html)))
    return re.sub(r"\n{3,}", "\n\n", text), linked + leftover


def _drop_mention_links(html: str) -> tuple[str, int]:
    """Remove links Mastodon marks "mention" (hashtag links are "mention hashtag" and stay)."""
    dropped = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal dropped
        found = _CLASS.search(match.group(1))
        classes = found.group(1).split() if found else []
        if "mention" in classes and "hashtag" not in classes:
            dropped += 1
            return ""
        return match.group(0)

    return _LINK.sub(replace, html), dropped


def unescape_text(text: str) -> str:
    """Unescape the HTML entities X leaves in tweet text."""
    return unescape(text)


def utc(value: object) -> datetime:
    """Parse an ISO-8601 timestamp as an aware UTC datetime (naive ones are taken as UTC)."""
    if not isinstance(value, str):
        raise ArchiveMalformed("a timestamp is missing")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise ArchiveMalformed("a timestamp is not ISO-8601") from exc
    return _aware(parsed)


def utc_from_epoch(value: object) -> datetime:
    """Convert epoch seconds to an aware UTC datetime."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ArchiveMalformed("a timestamp is missing")
    try:
        return datetime.fromtimestamp(value, tz=UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise ArchiveMalformed("a timestamp is out of range") from exc


def utc_from_format(value: object, fmt: str) -> datetime:
    """Parse a timestamp with a strptime format as an aware UTC datetime."""
    if not isinstance(value, str):
        raise ArchiveMalformed("a timestamp is missing")
    try:
        parsed = datetime.strptime(value.strip(), fmt)  # noqa: DTZ007 - made aware just below
    except ValueError as exc:
        raise ArchiveMalformed("a timestamp has an unexpected format") from exc
    return _aware(parsed)


def _aware(parsed: datetime) -> datetime:
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError as exc:
        raise ArchiveMalformed("a timestamp is out of range") from exc
