"""What a scheduled re-crawl of an unchanged web costs, with and without the incremental policy.

Three crawls of the whole recorded web into one archive, each ``scrapy crawl related`` as the
scheduler runs it, served by the recorded web answering conditional requests as a live server
does (tests/schedule_harness.py): a first crawl, a re-crawl with ``CRAWLER_INCREMENTAL`` (what a
scheduled run does) and, as the baseline, a re-crawl without it. Counted from the server's side
(every request it answered) and from the runs' own stats (response bytes).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from bench.common import REPO, console, headline, timed
from crawler.db.session import make_engine, session_factory

_HANDLER = "tests.schedule_harness.ConditionalReplayHandler"


def _crawl(db_url: str, workdir: Path, name: str, incremental: bool) -> dict[str, Any]:
    log = workdir / f"{name}.log"
    settings = {
        "CRAWLER_REPLAY_DIR": str(REPO / "tests" / "web"),
        "DOWNLOAD_HANDLERS": json.dumps({"http": _HANDLER, "https": _HANDLER}),
        "CRAWLER_REPLAY_LOG": str(log),
        "CRAWLER_WARC_DIR": str(workdir / "warc"),
        "CRAWLER_INCREMENTAL": str(incremental),
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "scrapy", "crawl", "related"]
    for key, value in settings.items():
        command += ["-s", f"{key}={value}"]
    env = {**os.environ, "CRAWLER_DATABASE_URL": db_url, "PYTHONPATH": str(REPO)}
    result, seconds = timed(
        lambda: subprocess.run(command, cwd=REPO, env=env, capture_output=True, check=False)
    )
    if result.returncode:
        raise RuntimeError(result.stderr.decode()[-2000:])
    statuses = Counter(line.split(" ", 1)[0] for line in log.read_text().splitlines())
    from crawler.db import run_sql

    engine = make_engine(db_url)
    with session_factory(engine)() as session:
        run = run_sql.recent_runs(session, 1)[0]
        stats = json.loads(run.stats or "{}")
        new, updated = run.articles_new, run.articles_updated
    engine.dispose()
    return {
        "requests": sum(statuses.values()),
        "by_status": dict(sorted(statuses.items())),
        "response_bytes": int(stats.get("downloader/response_bytes", 0)),
        "articles_new": new,
        "articles_updated": updated,
        "seconds": round(seconds, 2),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="incremental-") as tmp:
        workdir = Path(tmp)
        db_url = f"sqlite:///{workdir / 'archive.db'}"
        first = _crawl(db_url, workdir, "first", incremental=True)
        again = _crawl(db_url, workdir, "incremental", incremental=True)
        full = _crawl(db_url, workdir, "full", incremental=False)
    for name, figures in (("first crawl", first), ("incremental", again), ("full", full)):
        console.print(f"{name}: {figures}")
    return {
        "headline": headline(
            "requests of a re-crawl of an unchanged web (incremental)",
            again["requests"],
            "no article fetched; listing pages answer 304 (ratio <= 0.33)",
            full["requests"],
            "re-crawl without the incremental policy",
            bytes_ratio=round(again["response_bytes"] / max(1, full["response_bytes"]), 4),
        ),
        "first_crawl": first,
        "incremental_recrawl": again,
        "full_recrawl": full,
        "command": "python -m bench incremental",
    }
