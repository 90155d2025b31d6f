"""Harvest: pages fetched to reach 90% of the related articles, focused vs breadth-first.

Both crawls run the real spider (`scrapy crawl related`, each in its own process) over the same
web, differing only in CRAWLER_FRONTIER, on two webs of different structure: the generated web
of the seed sites (bench/webgen.py: > 2,000 pages from the recorded ones, plain paginated lists,
their profiles) and the look-alike web (bench/newsweb.py: two portals crawled with the generic
profile from their home pages, related stories scattered over sections, tags, authors and
related boxes). The fetch order is read from the replay handler's request log.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench import newsweb
from bench.common import REPO, console, headline, print_table
from bench.webgen import ReplayedWeb, generate

TARGET = 0.9


def crawl(web: ReplayedWeb, name: str, workdir: Path,
          arguments: Sequence[str] = (), settings: Sequence[str] = ()) -> tuple[list[str], float]:
    """One `scrapy crawl related` over a replayed web: the URLs in fetch order, the seconds.
    The archive is ``workdir/<name>.db``."""
    log = workdir / f"{name}.log"
    env = {
        **os.environ,
        "CRAWLER_SEEDS_DIR": str(web.seeds_dir),
        "CRAWLER_DATABASE_URL": f"sqlite:///{workdir / f'{name}.db'}",
    }
    env.pop("CRAWLER_REPLAY_DIR", None)
    command = [
        sys.executable, "-m", "scrapy", "crawl", "related", "-a", "max_depth=10000",
        *(x for a in arguments for x in ("-a", a)),
        "-s", f"CRAWLER_REPLAY_DIR={web.web_dir}", "-s", f"CRAWLER_REPLAY_LOG={log}",
        "-s", "LOG_LEVEL=WARNING", "-s", "CRAWLER_STORE_BATCH_SIZE=500",
        *(x for s in settings for x in ("-s", s)),
    ]
    started = time.perf_counter()
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True,
                            check=False)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"{name} crawl failed:\n{result.stderr[-3000:]}")
    urls = [line.split(" ", 1)[1] for line in log.read_text().splitlines()]
    return [u for u in urls if not u.endswith("/robots.txt")], elapsed


def pages_to_reach(order: list[str], related: set[str], share: float) -> int | None:
    needed = math.ceil(share * len(related))
    seen: set[str] = set()
    for count, url in enumerate(order, start=1):
        if url in related and url not in seen:
            seen.add(url)
            if len(seen) >= needed:
                return count
    return None


def _one(web: ReplayedWeb, name: str, frontier: str, related: set[str], workdir: Path,
         arguments: Sequence[str]) -> dict[str, Any]:
    order, seconds = crawl(web, name, workdir, arguments, [f"CRAWLER_FRONTIER={frontier}"])
    fetched = len(order)  # what a share never reached costs: every page fetched
    return {
        "pages_fetched": fetched,
        "pages_to_90pct_related": pages_to_reach(order, related, TARGET) or fetched,
        "pages_to_50pct_related": pages_to_reach(order, related, 0.5) or fetched,
        "related_found": len(related & set(order)),
        "crawl_seconds": round(seconds, 1),
    }


def _race(name: str, web: ReplayedWeb, related: set[str], workdir: Path, pairs: int,
          arguments: Sequence[str] = ()) -> dict[str, Any]:
    """``pairs`` alternating crawls (focused, breadth-first, focused …): the order of a crawl
    over instantly replayed pages depends on timing, so one pair says little. The figures are
    the medians, the runs are kept beside them."""
    runs: dict[str, list[dict[str, Any]]] = {"focused": [], "bfs": []}
    for i in range(pairs):
        for frontier in runs:
            runs[frontier].append(_one(web, f"{name}-{frontier}-{i}", frontier, related,
                                       workdir, arguments))
    figures: dict[str, Any] = {}
    for frontier, results in runs.items():
        figures[frontier] = {
            **{k: statistics.median(r[k] for r in results) for k in results[0]},
            "runs_to_90pct": [r["pages_to_90pct_related"] for r in results],
        }
    ratios = [f / b for f, b in zip(figures["focused"]["runs_to_90pct"],
                                    figures["bfs"]["runs_to_90pct"], strict=True)]
    figures["ratio"] = {
        "to_90pct": round(figures["focused"]["pages_to_90pct_related"]
                          / figures["bfs"]["pages_to_90pct_related"], 4),
        "pairs": [round(r, 4) for r in ratios],
    }
    return figures


def run(args: argparse.Namespace) -> dict[str, Any]:
    per_site = 420 if args.limit is None else max(40, args.limit // 5)
    webs: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="harvest-") as tmp:
        workdir = Path(tmp)
        web = generate(workdir / "generated", per_site=per_site)
        console.print(f"generated web: {web.pages} pages, {web.articles} articles, "
                      f"{len(web.related)} related")
        webs["generated"] = {
            "web": {"pages": web.pages, "articles": web.articles, "related": len(web.related)},
            **_race("generated", web, web.related, workdir, args.pairs)}
        news = newsweb.generate(workdir / "newsweb")
        console.print(f"look-alike web: {newsweb.describe(news)}")
        webs["newsweb"] = {
            "web": newsweb.describe(news),
            **_race("newsweb", news, news.urls("related"), workdir, args.pairs,
                    news.spider_arguments)}
    rows = [[f"{name} {frontier}", f["pages_fetched"], f["pages_to_50pct_related"],
             f["pages_to_90pct_related"], ", ".join(map(str, f["runs_to_90pct"])),
             f["related_found"], f["crawl_seconds"]]
            for name, figures in webs.items() for frontier, f in figures.items()
            if frontier in ("focused", "bfs")]
    print_table(f"pages fetched to reach related articles (medians of {args.pairs} "
                "alternating pairs)",
                ["web, frontier", "fetched", "to 50%", "to 90%", "each run, to 90%",
                 "related found", "seconds"], rows)
    for name, figures in webs.items():
        console.print(f"{name}: focused / breadth-first at 90%, median "
                      f"{figures['ratio']['to_90pct']}, per pair {figures['ratio']['pairs']}")
    worst = max(webs, key=lambda n: webs[n]["ratio"]["to_90pct"] or 1.0)
    focused = webs[worst]["focused"]["pages_to_90pct_related"]
    return {
        "headline": headline(
            f"pages fetched to reach 90% of related articles (focused), worse web: {worst}",
            focused, "at most 0.4x breadth-first on each web",
            webs[worst]["bfs"]["pages_to_90pct_related"], "breadth-first, same web",
            ratios={n: w["ratio"]["to_90pct"] for n, w in webs.items()},
        ),
        "webs": webs,
    }
