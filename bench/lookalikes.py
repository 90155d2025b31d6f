"""Relevance on the look-alike web: what a default focused crawl keeps, against the labels.

The web is bench/newsweb.py (two portals, per language 22 related stories and 21 look-alikes
among ordinary news). The crawl is the real one, `scrapy crawl related` with the generic profile
from the portals' home pages and default settings (threshold, extraction pool); what it kept is
read from its archive, what it kept out from its run report. Beside it, the recorded web's
labelled pages (tests/web) scored as the spider scores them: the current figures.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from bench import newsweb
from bench.common import WEB_DIR, console, headline, print_table, recorded_file
from bench.harvest import crawl
from crawler.config import RELEVANCE_THRESHOLD
from crawler.extraction import extract
from crawler.focus.relevance import RelevanceModel
from crawler.seeds import load_seeds


def _pr(kept: set[str], related: set[str]) -> dict[str, Any]:
    hits = len(kept & related)
    return {"kept": len(kept), "related": len(related), "kept_related": hits,
            "precision": round(hits / len(kept), 4) if kept else None,
            "recall": round(hits / len(related), 4) if related else None}


def recorded_web() -> dict[str, Any]:
    """The labelled article pages of the recorded web, extracted and scored as in a crawl."""
    labels = json.loads((WEB_DIR / "labels.json").read_text(encoding="utf-8"))["articles"]
    model = RelevanceModel.from_seeds(load_seeds(WEB_DIR.parent.parent / "seeds"))
    kept, related = set(), set()
    for url, label in labels.items():
        path = recorded_file(url)
        article = extract(path.read_bytes(), url) if path else None
        if article is None:
            continue
        if model.score(article.text, article.title, article.language).score >= RELEVANCE_THRESHOLD:
            kept.add(url)
        if label["related"]:
            related.add(url)
    return _pr(kept, related)


def run(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="lookalikes-") as tmp:
        workdir = Path(tmp)
        web = newsweb.generate(workdir / "newsweb")
        console.print(f"look-alike web: {newsweb.describe(web)}")
        order, seconds = crawl(web, "focused", workdir, web.spider_arguments)
        with sqlite3.connect(workdir / "focused.db") as db:
            kept = {row[0] for row in db.execute("SELECT url FROM articles")}
            kept_out = sum(row[0] for row in db.execute(
                "SELECT articles_not_related FROM crawl_runs"))
    articles = {s.url for s in web.stories}
    figures: dict[str, Any] = {}
    for language in (*newsweb.PORTALS, None):
        host = newsweb.PORTALS[language][0] if language else ""
        mine = {u for u in kept if host in u}
        figures[language or "all"] = {
            **_pr(mine, web.urls("related", language)),
            "lookalikes_kept": len(mine & web.urls("lookalike", language)),
            "fillers_kept": len({u for u in mine if u in articles} - web.urls("related")
                                - web.urls("lookalike")),
            "not_articles_kept": len(mine - articles),
        }
    figures["all"].update(pages_fetched=len(order), kept_out_below_threshold=kept_out,
                          crawl_seconds=round(seconds, 1))
    recorded = recorded_web()
    rows = [[f"look-alike web, {name}", f["kept"], f["related"], f["precision"], f["recall"],
             f["lookalikes_kept"], f["not_articles_kept"]] for name, f in figures.items()]
    rows.append(["recorded web (tests/web)", recorded["kept"], recorded["related"],
                 recorded["precision"], recorded["recall"], None, None])
    print_table(f"relevance at the default threshold ({RELEVANCE_THRESHOLD})",
                ["pages", "kept", "related", "precision", "recall", "look-alikes kept",
                 "non-articles kept"], rows)
    console.print(f"kept out as below the threshold (run report): {kept_out}")
    every = figures["all"]
    return {
        "headline": headline(
            "relevance recall on the look-alike web (default focused crawl)", every["recall"],
            "precision >= 0.95 and recall >= 0.95", recorded["recall"],
            "recall on the recorded web's labelled pages", precision=every["precision"],
        ),
        "lookalike_web": {"web": newsweb.describe(web), **figures},
        "recorded_web": recorded,
    }
