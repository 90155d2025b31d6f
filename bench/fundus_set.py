"""The Fundus dev half (``../shared/benchmarks/fundus-dev``): real pages of about 100 news
publishers in 20 languages, each with the values a per-publisher parser returns for it.

Scored beside plain trafilatura in the same run, page by page (the README there):

- body F1: per-page bag of tokens against the expected paragraphs, averaged over pages (a page
  without output scores 0). Tokens are ``\\w+`` runs, except that Chinese, Japanese and Thai
  characters count one by one: those scripts put no spaces between words, so a ``\\w+`` run
  is a whole clause and one changed character would cost the clause;
- title exact (NFC, whitespace collapsed);
- publishing date right: the same minute where the expected value has a time of day, else the
  same day; an expected value without an offset is local time, so it is compared with the
  found value's own wall time (the project's recorded zone; trafilatura's as it prints it);
- authors: every expected name among the authors or credited organisations, ignoring case and
  order (pages with expected authors), and the share of returned names that are expected;
- lead and last paragraph kept: the expected first and last paragraph inside the text;
- whether there is an article for every page.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import statistics
import unicodedata
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import trafilatura

from bench.common import REPO, console, print_table, timed
from crawler.extraction import extract
from crawler.extraction.zones import named_zone

# One token per character in scripts written without spaces (Han, kana, Thai, Lao, Khmer,
# Myanmar); \w+ runs elsewhere.
_TOKEN = re.compile(r"[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf"
                    r"\u4e00-\u9fff\uf900-\ufaff]|\w+")
FIELDS = ("article", "title exact", "date right", "authors all found", "lead kept",
          "last paragraph kept")


def fundus_dir() -> Path:
    env = os.environ.get("CRAWLER_FUNDUS_DIR")
    return Path(env) if env else REPO.parent / "shared" / "benchmarks" / "fundus-dev"


def norm(text: str | None) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text or "")).strip()


def body_f1(paragraphs: list[str], text: str | None) -> float:
    want = Counter(_TOKEN.findall("\n".join(paragraphs).lower()))
    got = Counter(_TOKEN.findall((text or "").lower()))
    tp = sum((want & got).values())
    if not tp:
        return 0.0
    p, r = tp / sum(got.values()), tp / sum(want.values())
    return 2 * p * r / (p + r)


def _wall(value: datetime, zone: str | None) -> datetime:
    """The found instant as the page's clock showed it (naive)."""
    if value.tzinfo is None:
        return value
    if (clock := named_zone(zone)) is not None:
        value = value.astimezone(clock)
    return value.replace(tzinfo=None)


def date_right(expected: str | None, found: datetime | None, zone: str | None = None,
               has_time: bool = True) -> bool | None:
    """None when the fixture has no date to compare with."""
    if expected is None:
        return None
    if found is None:
        return False
    want = datetime.fromisoformat(expected)
    timed = want.time() != datetime.min.time()
    if want.tzinfo is not None and found.tzinfo is not None:
        if not timed:  # a bare day: the day as the page's clock shows it
            return _wall(found, zone).date() == want.date()
        return abs((found - want).total_seconds()) < 60 and has_time
    got = _wall(found, zone)
    want = want.replace(tzinfo=None)
    if not timed:
        return got.date() == want.date()
    return has_time and got.replace(second=0, microsecond=0) == want.replace(
        second=0, microsecond=0)


def _names(values: list[str]) -> list[str]:
    return [n for n in (norm(v).lower() for v in values) if n]


def score(expected: dict[str, Any], found: dict[str, Any]) -> dict[str, Any]:
    text = norm(found.get("text"))
    body = [p for p in expected.get("body") or [] if norm(p)]
    want = set(_names(expected.get("authors") or []))
    got = _names(found.get("names") or [])
    return {
        "article": bool(text),
        "f1": body_f1(body, found.get("text")),
        "title exact": norm(found.get("title")) == norm(expected.get("title")),
        "date right": date_right(expected.get("publishing_date"), found.get("published"),
                                 found.get("zone"), found.get("has_time", True)),
        "authors all found": want <= set(got) if want else None,
        "names returned": len(got) if want else 0,
        "names right": sum(n in want for n in got) if want else 0,
        "lead kept": bool(body) and norm(body[0]) in text,
        "last paragraph kept": bool(body) and norm(body[-1]) in text,
    }


def project(html: str, url: str) -> dict[str, Any]:
    article = extract(html, url)
    if article is None:
        return {}
    return {"text": article.text, "title": article.title, "published": article.published_at,
            "zone": article.published_zone, "names": [*article.authors, *article.organisations]}


def plain(html: str, url: str, text: str | None = None) -> dict[str, Any]:
    """trafilatura's fields; ``text``: what ``trafilatura.extract(html)`` gave, if known."""
    text = trafilatura.extract(html) if text is None else text
    # trafilatura's own metadata, its date with the time of day where the page gives one
    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True, date_extraction_params={
        "original_date": True, "outputformat": "%Y-%m-%dT%H:%M:%S"})
    meta: dict[str, Any] = {}
    if doc is not None and not isinstance(doc, dict):
        published = datetime.fromisoformat(doc.date) if doc.date else None
        meta = {"title": doc.title, "published": published,
                "has_time": bool(published and published.time() != datetime.min.time()),
                "names": [a.strip() for a in (doc.author or "").split(";") if a.strip()]}
    return {"text": text, **meta}


def summary(scores: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {"body F1": round(statistics.fmean(s["f1"] for s in scores), 4)}
    for name in FIELDS:
        values = [bool(s[name]) for s in scores if s[name] is not None]
        out[name] = f"{sum(values)}/{len(values)}"
        out[f"{name} share"] = round(sum(values) / len(values), 4) if values else None
    returned = sum(s["names returned"] for s in scores)
    out["names right share"] = round(sum(s["names right"] for s in scores) / returned, 4) \
        if returned else None
    return out


def run_fundus(limit: int | None) -> dict[str, Any]:
    root = fundus_dir()
    files = sorted((root / "expected").glob("*.json"))[:limit]
    per_page: dict[str, dict[str, dict[str, Any]]] = {}
    seconds: dict[str, list[float]] = {"project": [], "trafilatura": []}
    project("<html><body><p>warm up</p></body></html>", "https://example.com/")
    for n, path in enumerate(files):
        expected = json.loads(path.read_text(encoding="utf-8"))
        html = gzip.decompress((root / "pages" / f"{path.stem}.html.gz").read_bytes()
                               ).decode("utf-8")
        # extract() against plain trafilatura.extract(html), in turns (load hits both alike)
        url = expected["url"]

        def ours(h: str = html, u: str = url) -> dict[str, Any]:
            return project(h, u)

        def theirs(h: str = html) -> str | None:
            return trafilatura.extract(h)

        runs: dict[str, Callable[[], Any]] = {"project": ours, "trafilatura": theirs}
        found: dict[str, Any] = {}
        for name in (list(runs) if n % 2 == 0 else list(runs)[::-1]):
            found[name], took = timed(runs[name])
            seconds[name].append(took)
        per_page[path.stem] = {"project": score(expected, found["project"]),
                               "trafilatura": score(expected, plain(
                                   html, expected["url"], found["trafilatura"] or ""))}
    results = {name: summary([p[name] for p in per_page.values()])
               for name in ("project", "trafilatura")}
    keys = ["body F1", *FIELDS, "names right share"]
    print_table(f"Fundus dev half ({len(files)} pages)", ["measure", "project", "trafilatura"],
                [[k, results["project"][k], results["trafilatura"][k]] for k in keys])
    misses = {name: [page for page, s in per_page.items() if s["project"][name] is False]
              for name in FIELDS}
    ms = {name: round(1000 * statistics.fmean(v), 2) if v else 0.0
          for name, v in seconds.items()}
    ratio = round(ms["project"] / ms["trafilatura"], 3) if ms["trafilatura"] else None
    console.print(f"Fundus dev: extract() {ms['project']} ms a page, trafilatura.extract(html) "
                  f"{ms['trafilatura']}: ratio {ratio}")
    return {"pages": len(files), "dir": str(root), **results, "project_misses": misses,
            "ms_per_page": ms, "ms_ratio": ratio,
            "f1_by_page": {page: {k: round(v["f1"], 4) for k, v in s.items()}
                           for page, s in per_page.items()}}
