"""A local web for fault tests: one HTTP server on 127.0.0.1 with a route per case, and a crawl
run as its own process whose peak memory is measured.

- :class:`LocalWeb`: routes are ``path -> handler(request)``; every request is logged (Host
  header and path), so a test can assert what was asked for, and how often. Handler threads
  are daemons: a route that drips or hangs does not hold up the server's shutdown.
- :func:`crawl`: ``scrapy crawl related`` from a CrawlSpec with test settings
  (tests/crawl_launcher.py); returns the exit status, the log, the wall time, the crawl
  process's peak RSS and the run's row. The peak comes from a small launcher's ``wait4``:
  Linux counts the memory a child had before ``exec`` in its peak, so a crawl forked straight
  from a grown pytest process would report pytest's size.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from crawler.launch.crawl_spec import CrawlSpec
from tests.crawl_launcher import REPO_ROOT, Launch

Route = Callable[["Handler"], None]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:
        path = self.path
        self.server.log.append((self.headers.get("Host", ""), path))
        route = self.server.routes.get(path) or self.server.routes.get(path.split("?")[0])
        if route is None:
            self.send(404, b"<html><body><h1>Not found</h1></body></html>")
            return
        # The crawler gives up on a slow or endless answer: that is the point of such a route.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            route(self)

    def send(
        self, status: int, body: bytes, content_type: str = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> None:  # fmt: skip
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    routes: dict[str, Route]
    log: list[tuple[str, str]]


@dataclass
class LocalWeb:
    routes: dict[str, Route]
    server: _Server = field(init=False)

    def __post_init__(self) -> None:
        self.server = _Server(("127.0.0.1", 0), Handler)
        self.server.routes = self.routes
        self.server.log = []

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def requested(self, path: str) -> int:
        """How many times a path (with its query) was asked for."""
        return sum(1 for _, p in self.server.log if p == path)

    def requested_prefix(self, prefix: str) -> int:
        return sum(1 for _, p in self.server.log if p.startswith(prefix))


@contextmanager
def serve(routes: dict[str, Route]) -> Iterator[LocalWeb]:
    web = LocalWeb(routes)
    thread = threading.Thread(target=web.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield web
    finally:
        web.server.shutdown()
        web.server.server_close()


@dataclass
class Crawl:
    returncode: int
    log: str
    seconds: float
    peak_rss_mb: float
    run: dict[str, Any]

    @property
    def stats(self) -> dict[str, Any]:
        return dict(json.loads(self.run["stats"] or "{}"))

    @property
    def errors(self) -> dict[str, int]:
        return dict(json.loads(self.run["error_kinds"] or "{}"))


_LAUNCHER = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[1:])
_, status, usage = os.wait4(child.pid, 0)
sys.stderr.write(f"peak-rss-kb {usage.ru_maxrss}\\n")
sys.exit(os.waitstatus_to_exitcode(status))
"""

FAST = {  # no politeness delays against a local server
    "AUTOTHROTTLE_ENABLED": "False",
    "DOWNLOAD_DELAY": "0",
    "CRAWLER_WARC_ENABLED": "False",
    "CRAWLER_RELEVANCE_THRESHOLD": "0",
    "LOG_LEVEL": "INFO",
}


def crawl(
    spec: CrawlSpec, sqlite_url: str, settings: dict[str, str], timeout: float = 120,
    env: dict[str, str] | None = None,
) -> Crawl:  # fmt: skip
    launch = Launch(sqlite_url, spec, {**FAST, **settings}, env=env or {})
    # The crawl's command line, run by the launcher that measures its peak memory.
    command = [sys.executable, "-c", _LAUNCHER, *launch.command()]
    started = time.monotonic()
    with subprocess.Popen(
        command, cwd=launch.cwd, env=launch.environment(),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True,
    ) as process:  # fmt: skip
        assert process.stderr is not None
        output: list[str] = []
        reader = threading.Thread(target=lambda: output.append(process.stderr.read()))  # type: ignore[union-attr]
        reader.start()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            raise AssertionError(f"the crawl took longer than {timeout} s") from None
        reader.join()
    seconds = time.monotonic() - started
    log = "".join(output)
    peak_kb = int(log.rsplit("peak-rss-kb ", 1)[1].split()[0])
    with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as db:
        db.row_factory = sqlite3.Row
        row = db.execute("select * from crawl_runs order by id desc limit 1").fetchone()
    return Crawl(process.returncode, log, seconds, peak_kb / 1024, dict(row or {}))


def articles(sqlite_url: str) -> dict[str, dict[str, Any]]:
    """url -> the article's row."""
    with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as db:
        db.row_factory = sqlite3.Row
        return {row["url"]: dict(row) for row in db.execute("select * from articles")}


def query(sqlite_url: str, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as db:
        return list(db.execute(sql))


def path_of(url: str, base: str) -> str:
    return url.removeprefix(base)


def seed_paragraphs(seed_file: str, skip: int = 0) -> list[str]:
    """A seed text's sentences-long lines (menus, captions and tables left out): real article
    prose for the pages a local site serves."""
    lines = (REPO_ROOT / "seeds" / "articles" / seed_file).read_text(encoding="utf-8").splitlines()
    body = [line.strip() for line in lines if len(line.strip()) > 120 and "|" not in line]
    return body[skip:]


__all__ = [
    "REPO_ROOT", "Crawl", "Handler", "LocalWeb", "Path", "crawl", "seed_paragraphs", "serve",
]  # fmt: skip
