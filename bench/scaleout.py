"""Scale-out: pages per second of one crawl with one worker and with two, on this machine.

The generated web of bench/webgen.py (> 2,000 pages) is served by a real HTTP server on
127.0.0.1 (a thread per connection); every crawl is `scrapy crawl related` fetching it over
TCP, through a download handler that sends each https://<site>/<path> request to
http://127.0.0.1:<port>/<site>/<path>. The archive is PostgreSQL and the frontier Redis
(CRAWLER_TEST_POSTGRES_URL / CRAWLER_TEST_REDIS_URL, or BENCH_SCALEOUT_POSTGRES_URL /
BENCH_SCALEOUT_REDIS_URL). Three crawls of the same web, each into a fresh database: one
process without Redis, one worker on the shared frontier, two workers on it. Pages per second
are all workers' fetched pages over the wall time from the first start to the last exit.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.crawler import Crawler
from scrapy.http import Response

from bench.common import REPO, console, headline, print_table
from bench.webgen import generate

_HANDLER = "bench.scaleout.LocalWebHandler"


class LocalWebHandler(HTTP11DownloadHandler):  # type: ignore[misc]
    """Scrapy's HTTP/1.1 handler, pointed at the local server (BENCH_LOCAL_SERVER)."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.base = crawler.settings.get("BENCH_LOCAL_SERVER")

    async def download_request(self, request: Request) -> Response:
        parts = urlsplit(request.url)
        query = f"?{parts.query}" if parts.query else ""
        local = request.replace(url=f"{self.base}/{parts.hostname}{parts.path or '/'}{query}")
        response: Response = await super().download_request(local)
        return response.replace(url=request.url, request=request)


def serve(web_dir: str, port: int) -> None:
    """The local server: answers /<host>/<path> from the recorded (generated) web."""
    from crawler.recorded_web.replay import RecordedWeb

    web = RecordedWeb(Path(web_dir))

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            host, _, rest = self.path.lstrip("/").partition("/")
            recorded = web.get(f"https://{host}/{rest}")
            self.send_response(recorded.status)
            for name, value in recorded.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(recorded.body)))
            self.end_headers()
            self.wfile.write(recorded.body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _database(admin_url: str, name: str, drop: bool = False) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(admin_url).set(drivername="postgresql+psycopg")
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if not drop:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def _crawl(workers: int, shared: bool, env: dict[str, str], base: str, tmp: Path,
           postgres: str) -> dict[str, Any]:  # fmt: skip
    from crawler.db import run_sql
    from crawler.db.session import make_engine, session_factory, upgrade

    name = f"bench_scaleout_{uuid.uuid4().hex[:8]}"
    db_url = _database(postgres, name)
    upgrade(db_url)
    run_env = {**env, "CRAWLER_DATABASE_URL": db_url}
    if not shared:
        run_env.pop("CRAWLER_REDIS_URL", None)
    command = [sys.executable, "-m", "scrapy", "crawl", "related", "-a", "max_depth=10000"]
    for key, value in {
        "DOWNLOAD_HANDLERS": json.dumps({"http": _HANDLER, "https": _HANDLER}),
        "BENCH_LOCAL_SERVER": base, "AUTOTHROTTLE_ENABLED": "0", "DOWNLOAD_DELAY": "0",
        "CRAWLER_WARC_ENABLED": "0", "LOG_LEVEL": "WARNING",
    }.items():  # fmt: skip
        command += ["-s", f"{key}={value}"]
    started = time.perf_counter()
    outs = [(tmp / f"{name}-{i}.log").open("wb") for i in range(workers)]
    procs = [subprocess.Popen(command, cwd=REPO, env=run_env, stdout=out, stderr=out)
             for out in outs]  # fmt: skip
    statuses = [p.wait() for p in procs]
    seconds = time.perf_counter() - started
    for out in outs:
        out.close()
    if any(statuses):
        raise RuntimeError((tmp / f"{name}-0.log").read_text()[-3000:])
    engine = make_engine(db_url)
    with session_factory(engine)() as session:
        runs = run_sql.recent_runs(session, workers)
        pages = [run.pages_fetched for run in runs]
        articles = sum(run.articles_new for run in runs)
    engine.dispose()
    _database(postgres, name, drop=True)
    return {
        "workers": workers,
        "shared_frontier": shared,
        "pages": sum(pages),
        "pages_per_worker": sorted(pages),
        "articles_new": articles,
        "seconds": round(seconds, 2),
        "pages_per_second": round(sum(pages) / seconds, 2),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    postgres = os.environ.get("BENCH_SCALEOUT_POSTGRES_URL") or os.environ.get(
        "CRAWLER_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
    )
    redis_url = os.environ.get("BENCH_SCALEOUT_REDIS_URL") or os.environ.get(
        "CRAWLER_TEST_REDIS_URL", "redis://127.0.0.1:6379/15"
    )
    with tempfile.TemporaryDirectory(prefix="scaleout-") as tmp_dir:
        tmp = Path(tmp_dir)
        web = generate(tmp / "generated")
        port = _free_port()
        code = f"from bench.scaleout import serve; serve({str(web.web_dir)!r}, {port})"
        server = subprocess.Popen([sys.executable, "-c", code], cwd=REPO)
        time.sleep(1.0)
        prefix = f"bench-scaleout-{uuid.uuid4().hex[:8]}"
        env = {**os.environ, "CRAWLER_SEEDS_DIR": str(web.seeds_dir), "PYTHONPATH": str(REPO),
               "CRAWLER_REDIS_URL": redis_url, "CRAWLER_REDIS_PREFIX": prefix}  # fmt: skip
        env.pop("CRAWLER_REPLAY_DIR", None)
        try:
            base = f"http://127.0.0.1:{port}"
            alone = _crawl(1, False, env, base, tmp, postgres)
            one = _crawl(1, True, env, base, tmp, postgres)
            two = _crawl(2, True, env, base, tmp, postgres)
        finally:
            server.terminate()
            server.wait()
            import redis

            client = redis.Redis.from_url(redis_url)
            for key in client.scan_iter(match=f"{prefix}:*"):
                client.delete(key)
            client.close()
    rows = [["one process, no Redis", *_row(alone)], ["one worker, shared frontier", *_row(one)],
            ["two workers, shared frontier", *_row(two)]]  # fmt: skip
    print_table(f"scale-out on {web.pages} generated pages, local HTTP server",
                ["crawl", "pages", "per worker", "new articles", "seconds", "pages/s"], rows)
    ratio = two["pages_per_second"] / one["pages_per_second"]
    console.print(f"two workers / one worker: {ratio:.2f}")
    return {
        "headline": headline(
            "pages per second, two workers on one shared frontier",
            two["pages_per_second"],
            "more than one worker (ratio > 1); this machine has 2 cores",
            one["pages_per_second"],
            "one worker on the shared frontier",
        ),
        "web_pages": web.pages,
        "crawls": {"one_process": alone, "one_worker": one, "two_workers": two},
    }


def _row(figures: dict[str, Any]) -> list[Any]:
    return [figures["pages"], "/".join(map(str, figures["pages_per_worker"])),
            figures["articles_new"], figures["seconds"], figures["pages_per_second"]]  # fmt: skip
