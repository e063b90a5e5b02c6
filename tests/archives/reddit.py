"""Reddit GDPR export builder (flat CSV files with a BOM)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from tests.archives.common import OTHER_HANDLE, Content, at, post_text, write_archive


def _csv(header: list[str], rows: Iterable[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return "\ufeff".encode() + buffer.getvalue().encode()  # Reddit's files start with a BOM


def build_reddit_archive(
    dest: Path,
    *,
    posts: int = 3,
    comments: int = 2,
    texts: list[str] | None = None,
    handle: str = "alice_example",
    scores: bool = False,
    extra: Mapping[str, Content] | None = None,
    mention: str = OTHER_HANDLE,
    gildings: list[int] | None = None,
) -> Path:
    """A Reddit GDPR export zip: posts.csv, comments.csv, statistics.csv and PII files to ignore.

    Comments thank u/`mention`; item n (posts, then comments) has `gildings[n]` gildings (0 per post and
    1 per comment when not given)."""

    def gilded(n: int, default: int) -> str:
        return str(default if gildings is None else gildings[n % len(gildings)])
    post_cols = ["id", "permalink", "date", "ip", "subreddit", "gildings", "title", "url", "body"]
    comment_cols = ["id", "permalink", "date", "ip", "subreddit", "gildings", "link", "parent", "body", "media"]
    if scores:
        post_cols.append("score")
        comment_cols.append("score")

    def date(n: int) -> str:
        return at(n).strftime("%Y-%m-%d %H:%M:%S UTC")

    def post_rows() -> Iterator[list[str]]:
        for i in range(posts):
            pid = f"p{i:05d}"
            row = [pid, f"https://www.reddit.com/r/gardening/comments/{pid}/title/", date(i), "192.0.2.1",
                   "gardening", gilded(i, 0), f"Title {i}", "", post_text(i, texts)]
            yield row + ([str(i * 10)] if scores else [])

    def comment_rows() -> Iterator[list[str]]:
        for i in range(comments):
            cid = f"c{i:05d}"
            row = [cid, f"https://www.reddit.com/r/Python/comments/p00000/title/{cid}/", date(posts + i),
                   "192.0.2.1", "Python", gilded(posts + i, 1), "https://www.reddit.com/r/Python/comments/p00000/title/",
                   "t1_parent", f"Thanks u/{mention}, agreed on #compost {i}", ""]
            yield row + ([str(-2)] if scores else [])

    members: dict[str, Content] = {
        "posts.csv": _csv(post_cols, post_rows()),
        "comments.csv": _csv(comment_cols, comment_rows()),
        "statistics.csv": _csv(["statistic", "value"], [["account name", handle], ["email address",
                                                        "alice@example.org"], ["comment karma", "42"]]),
        "ip_logs.csv": _csv(["date", "ip"], [["registration ip", "192.0.2.1"]]),
        "post_votes.csv": _csv(["id", "permalink", "direction"], [["x1", "https://www.reddit.com/r/x/", "up"]]),
        "friends.csv": _csv(["username", "note"], [[OTHER_HANDLE, ""]]),
    }
    members.update(extra or {})
    return write_archive(dest / f"export_{handle}_20240601.zip", members)
