"""Each seed's story as a picture: related articles per week per site.

Drawn in the terminal (one row of bars per site, columns coarsened to months, quarters or
years when the weeks do not fit) and as a self-contained HTML page or SVG file (one panel per
seed, a dot per site and week sized by its articles, the numbers in each dot's tooltip).
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Iterable
from datetime import date, timedelta

from rich.console import Group
from rich.text import Text

from crawler.read.stats import HISTOGRAM_BINS, StatsReport

BARS = "▁▂▃▄▅▆▇█"
Timeline = dict[str, dict[str, dict[str, int]]]
_GRANULARITIES: list[tuple[str, Callable[[date], date]]] = [
    ("week", lambda d: d),
    ("month", lambda d: d.replace(day=1)),
    ("quarter", lambda d: date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)),
    ("year", lambda d: date(d.year, 1, 1)),
]
_PALETTE = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d"]


def _weeks(timeline: Timeline) -> list[date]:
    return sorted({date.fromisoformat(w) for sites in timeline.values()
                   for weeks in sites.values() for w in weeks})


def _buckets(first: date, last: date, key: Callable[[date], date]) -> list[date]:
    out: list[date] = []
    day = first
    while day <= last:
        bucket = key(day)
        if not out or out[-1] != bucket:
            out.append(bucket)
        day += timedelta(days=7)
    return out


def _label(bucket: date, granularity: str) -> str:
    if granularity == "week":
        return bucket.isoformat()
    if granularity == "month":
        return bucket.strftime("%Y-%m")
    if granularity == "quarter":
        return f"{bucket.year}Q{(bucket.month - 1) // 3 + 1}"
    return str(bucket.year)


def terminal(timeline: Timeline, titles: dict[str, str], width: int = 100) -> Group:
    """Rows of bars, one per site under each seed; a column is a week (or coarser)."""
    weeks = _weeks(timeline)
    if not weeks:
        return Group(Text("no dated related articles to draw"))
    site_width = max(len(s) for sites in timeline.values() for s in sites) + 2
    room = max(8, width - site_width - 8)
    granularity, key = next(
        ((name, k) for name, k in _GRANULARITIES if len(_buckets(weeks[0], weeks[-1], k)) <= room),
        _GRANULARITIES[-1],
    )
    buckets = _buckets(weeks[0], weeks[-1], key)
    index = {b: i for i, b in enumerate(buckets)}
    parts: list[Text] = []
    for seed, sites in timeline.items():
        total = sum(n for weeks_ in sites.values() for n in weeks_.values())
        title = f" — {titles[seed]}" if seed in titles else ""
        parts.append(Text(f"\nseed {seed}{title} ({total} related articles)", style="bold"))
        rows: dict[str, list[int]] = {}
        for site, counts in sorted(sites.items()):
            row = [0] * len(buckets)
            for week, n in counts.items():
                row[index[key(date.fromisoformat(week))]] += n
            rows[site] = row
        peak = max(max(r) for r in rows.values())
        for site, row in rows.items():
            line = Text(site.ljust(site_width))
            for n in row:
                if n:
                    level = min(len(BARS) - 1, math.ceil(len(BARS) * n / peak) - 1)
                    line.append(BARS[level], style="green")
                else:
                    line.append("·", style="dim")
            line.append(f"  {sum(row)}")
            parts.append(line)
    first, last = _label(buckets[0], granularity), _label(buckets[-1], granularity)
    axis = " " * site_width + first
    axis += last.rjust(max(len(buckets) - len(first), len(last) + 1))
    parts.append(Text(axis, style="dim"))
    parts.append(Text(f"one column a {granularity}; the tallest bar is the seed's busiest "
                      f"{granularity} on one site", style="dim"))
    return Group(*parts)


def svg(timeline: Timeline, titles: dict[str, str], width: int = 960) -> str:
    """One panel per seed: a dot per site and week, its area proportional to the articles."""
    weeks = _weeks(timeline)
    if not weeks:
        return '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="30">' \
               '<text x="4" y="20">no dated related articles</text></svg>'
    sites = sorted({s for by_site in timeline.values() for s in by_site})
    colour = {s: _PALETTE[i % len(_PALETTE)] for i, s in enumerate(sites)}
    left, right, row_h, head = 120, 20, 22, 34
    start, end = weeks[0], weeks[-1] + timedelta(days=7)
    span = max(1, (end - start).days)

    def x(day: date) -> float:
        return left + (width - left - right) * (day - start).days / span

    peak = max(n for by_site in timeline.values() for c in by_site.values() for n in c.values())
    out: list[str] = []
    y = 0
    for seed, by_site in timeline.items():
        title = html.escape(f"seed {seed}" + (f" — {titles[seed]}" if seed in titles else ""))
        out.append(f'<text x="4" y="{y + 20}" font-weight="bold">{title}</text>')
        for row, site in enumerate(sorted(by_site)):
            cy = y + head + row * row_h
            out.append(f'<text x="4" y="{cy + 4}" fill="{colour[site]}">'
                       f"{html.escape(site)}</text>")
            out.append(f'<line x1="{left}" x2="{width - right}" y1="{cy}" y2="{cy}" '
                       'stroke="#eee"/>')
            for week, n in sorted(by_site[site].items()):
                day = date.fromisoformat(week)
                r = 2.5 + 7.5 * math.sqrt(n / peak)
                tip = html.escape(f"{site}, week of {week}: {n} related article"
                                  + ("s" if n != 1 else ""))
                out.append(f'<circle cx="{x(day + timedelta(days=3)):.1f}" cy="{cy}" '
                           f'r="{r:.1f}" fill="{colour[site]}" fill-opacity="0.75">'
                           f"<title>{tip}</title></circle>")
        y += head + len(by_site) * row_h + 10
    for year in range(start.year + 1, end.year + 1):
        tx = x(date(year, 1, 1))
        out.append(f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="0" y2="{y}" stroke="#ccc" '
                   'stroke-dasharray="3,3"/>')
        out.append(f'<text x="{tx + 2:.1f}" y="{y + 14}" font-size="11" fill="#666">{year}</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{y + 22}" '
            f'font-family="sans-serif" font-size="13">{"".join(out)}</svg>')


def _table(caption: str, rows: Iterable[tuple[object, object]]) -> str:
    body = "".join(f"<tr><td>{html.escape(str(k))}</td><td>{html.escape(str(v))}</td></tr>"
                   for k, v in rows)
    return f"<table><caption>{html.escape(caption)}</caption>{body}</table>"


def html_page(report: StatsReport, title: str = "The archive's stories") -> str:
    """A self-contained page (no scripts, styles or images from elsewhere)."""
    width = 1 / HISTOGRAM_BINS
    histogram = [(f"{i * width:.1f}–{(i + 1) * width:.1f}", n)
                 for i, n in enumerate(report.relevance)]
    runs = [(f"run {r.id} ({r.trigger}, {r.started:%Y-%m-%d %H:%M})",
             f"{r.status}: {r.pages} pages, {r.new} new, {r.updated} updated, {r.errors} errors")
            for r in report.runs]
    tables = "".join([
        _table("Articles per site", report.per_site),
        _table("per language", [(k or "unknown", n) for k, n in report.per_language]),
        _table("per seed", [(k or "none", n) for k, n in report.per_seed]),
        _table("Relevance", histogram),
    ])
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;margin:2em;color:#222}}
table{{border-collapse:collapse;margin:0 2em 1em 0;display:inline-table;vertical-align:top}}
td{{border-bottom:1px solid #ddd;padding:2px 8px}}caption{{font-weight:bold;text-align:left}}
</style></head><body>
<h1>{html.escape(title)}</h1>
<p>{report.total} articles. Each dot is one site's related articles in one week (hover for
the number); each panel is one seed's story.</p>
{svg(report.timeline, report.seed_titles)}
<h2>The archive</h2>{tables}
<h2>Last crawl runs</h2>{_table("", runs)}
</body></html>
"""
