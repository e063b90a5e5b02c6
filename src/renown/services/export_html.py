"""The human page of an export: a summary, the score history as an inline SVG chart, consents, recent posts.

Everything that came from a member or a network is escaped: posts are untrusted text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from html import escape
from typing import Any

from renown.domain.activity import Activity

WIDTH, HEIGHT, PAD = 640, 220, 36
STYLE = ("body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#222}"
         "table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.3rem;text-align:left}"
         "svg{background:#fafafa;border:1px solid #ddd}")


def score_chart(scores: Sequence[Mapping[str, Any]]) -> str:
    """An inline SVG line chart of score values (1-100) over time; a short note when there is none."""
    points = sorted((datetime.fromisoformat(s["computed_at"]), float(s["value"])) for s in scores)
    if not points:
        return "<p>No score has been computed for you.</p>"
    first, last = points[0][0], points[-1][0]
    span = max((last - first).total_seconds(), 1.0)

    def x(when: datetime) -> float:
        return PAD + (WIDTH - 2 * PAD) * ((when - first).total_seconds() / span if len(points) > 1 else 0.5)

    def y(value: float) -> float:
        return HEIGHT - PAD - (HEIGHT - 2 * PAD) * (min(max(value, 1.0), 100.0) - 1.0) / 99.0

    line = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in points)
    dots = "".join(f'<circle cx="{x(t):.1f}" cy="{y(v):.1f}" r="3"><title>{escape(t.date().isoformat())}: '
                   f"{v:.0f}</title></circle>" for t, v in points)
    axes = (f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" stroke="#999"/>'
            f'<line x1="{PAD}" y1="{PAD}" x2="{PAD}" y2="{HEIGHT - PAD}" stroke="#999"/>'
            f'<text x="4" y="{y(100) + 4:.0f}" font-size="11">100</text>'
            f'<text x="14" y="{y(1) + 4:.0f}" font-size="11">1</text>'
            f'<text x="{PAD}" y="{HEIGHT - 10}" font-size="11">{escape(first.date().isoformat())}</text>'
            f'<text x="{WIDTH - PAD - 70}" y="{HEIGHT - 10}" font-size="11">{escape(last.date().isoformat())}</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{WIDTH}" height="{HEIGHT}" '
            f'viewBox="0 0 {WIDTH} {HEIGHT}" aria-label="Score history">{axes}'
            f'<polyline fill="none" stroke="#3366cc" stroke-width="2" points="{line}"/>{dots}</svg>')


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape('' if c is None else str(c))}</td>" for c in row) + "</tr>"
                   for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def render_index(
    *, generated_at: datetime, rows: Mapping[str, int], accounts: Sequence[Mapping[str, Any]],
    scores: Sequence[Mapping[str, Any]], consents: Sequence[Mapping[str, Any]], recent: Sequence[Activity],
    files: Sequence[str],
) -> str:
    """Return the export's `index.html`."""
    latest = max(scores, key=lambda s: s["computed_at"], default=None)
    explanation = {} if latest is None else (latest.get("explanation") or {})
    factors = [("baseline", explanation.get("baseline"))] + [
        (f.get("name"), f.get("contribution")) for f in explanation.get("factors", []) if isinstance(f, dict)]
    parts = [
        f"<!doctype html><html lang=en><meta charset=utf-8><title>Your Renown data</title><style>{STYLE}</style>",
        f"<h1>Your Renown data</h1><p>Generated {escape(generated_at.isoformat())}. The same data is in "
        "<code>data.json</code> (for programs) and <code>csv/</code> (one file per table).</p>",
        "<h2>What we hold</h2>", _table(("Table", "Rows"), sorted(rows.items())),
        "<h2>Linked accounts</h2>",
        _table(("Network", "Handle", "Name", "Followers", "Linked"),
               [(a.get("network"), a.get("handle"), a.get("display_name"), a.get("followers"), a.get("linked_at"))
                for a in accounts]),
        "<h2>Score history</h2>", score_chart(scores),
    ]
    if latest is not None:
        parts += [f"<p>Latest score: {float(latest['value']):.0f} (model {escape(str(latest.get('model_version')))})."
                  "</p><h3>How it was computed</h3>", _table(("Part", "Value"), factors)]
    parts += [
        "<h2>Consents</h2>",
        _table(("Purpose", "Network", "Event", "When", "Notice"),
               [(c.get("purpose"), c.get("network") or "all", c.get("event"), c.get("occurred_at"),
                 c.get("notice_version")) for c in consents]),
        f"<h2>Your latest posts</h2><p>The {len(recent)} most recent; all of them are in the data files.</p>",
        _table(("Published", "Network", "Text", "Likes", "Reshares"),
               [(a.published_at.isoformat(), a.network.value, a.text, a.likes, a.reshares) for a in recent]),
        "<h2>Files</h2><ul>" + "".join(f"<li>{escape(f)}</li>" for f in files) + "</ul>",
        "<p><code>manifest.json</code> lists the SHA-256 of every file; <code>manifest.jws</code> is Renown's "
        "signature over it (keys at <code>/.well-known/jwks.json</code>).</p></html>",
    ]
    return "".join(parts)
