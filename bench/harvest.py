"""Harvest: pages fetched to reach 90% of the related articles, focused vs breadth-first.

Both crawls run the real spider (`scrapy crawl related`, each in its own process) over the same
generated web (bench/webgen.py: > 2,000 pages, a minority related), differing only in
CRAWLER_FRONTIER. The fetch order is read from the replay handler's request log.
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.common import REPO, console, headline, print_table
from bench.webgen import GeneratedWeb, generate

TARGET = 0.9


def crawl_order(web: GeneratedWeb, frontier: str, workdir: Path) -> tuple[list[str], float]:
    log = workdir / f"{frontier}.log"
    env = {
        **os.environ,
        "CRAWLER_SEEDS_DIR": str(web.seeds_dir),
        "CRAWLER_DATABASE_URL": f"sqlite:///{workdir / f'{frontier}.db'}",
    }
    env.pop("CRAWLER_REPLAY_DIR", None)
    command = [
        sys.executable, "-m", "scrapy", "crawl", "related", "-a", "max_depth=10000",
        "-s", f"CRAWLER_REPLAY_DIR={web.web_dir}", "-s", f"CRAWLER_REPLAY_LOG={log}",
        "-s", f"CRAWLER_FRONTIER={frontier}", "-s", "LOG_LEVEL=WARNING",
        "-s", "CRAWLER_STORE_BATCH_SIZE=500",
    ]
    import time

    started = time.perf_counter()
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True,
                            check=False)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"{frontier} crawl failed:\n{result.stderr[-3000:]}")
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


def run(args: argparse.Namespace) -> dict[str, Any]:
    per_site = 420 if args.limit is None else max(40, args.limit // 5)
    with tempfile.TemporaryDirectory(prefix="harvest-") as tmp:
        workdir = Path(tmp)
        web = generate(workdir / "generated", per_site=per_site)
        console.print(f"generated web: {web.pages} pages, {web.articles} articles, "
                      f"{len(web.related)} related")
        figures: dict[str, dict[str, Any]] = {}
        for frontier in ("focused", "bfs"):
            order, seconds = crawl_order(web, frontier, workdir)
            figures[frontier] = {
                "pages_fetched": len(order),
                "pages_to_90pct_related": pages_to_reach(order, web.related, TARGET),
                "pages_to_50pct_related": pages_to_reach(order, web.related, 0.5),
                "related_found": len(web.related & set(order)),
                "crawl_seconds": round(seconds, 1),
            }
    rows = [[name, f["pages_fetched"], f["pages_to_50pct_related"],
             f["pages_to_90pct_related"], f["related_found"], f["crawl_seconds"]]
            for name, f in figures.items()]
    print_table("pages fetched to reach related articles",
                ["frontier", "fetched", "to 50%", "to 90%", "related found", "seconds"], rows)
    focused = figures["focused"]["pages_to_90pct_related"] or figures["focused"]["pages_fetched"]
    bfs = figures["bfs"]["pages_to_90pct_related"] or figures["bfs"]["pages_fetched"]
    return {
        "headline": headline(
            "pages fetched to reach 90% of related articles (focused)", focused,
            "at most half of breadth-first (ratio <= 0.5)", bfs, "breadth-first, same web",
        ),
        "web": {"pages": web.pages, "articles": web.articles, "related": len(web.related)},
        "frontiers": figures,
    }
