"""A harness for scheduled crawls on the recorded web, shared by the scheduler's tests.

- :class:`ConditionalReplayHandler`: the recorded web answering conditional requests, as a
  static file server does. The replay handler serves files; a live server also sends ``ETag``
  and ``Last-Modified`` and answers ``304 Not Modified`` to a request whose validators still
  hold. ETag comes from the body, Last-Modified from the file's mtime; a 304 is logged to
  CRAWLER_REPLAY_LOG like any other answer (``{run}`` in its name: one log per run).
- :func:`write_schedule`, :class:`Scheduler`, :func:`wait_for_runs`: a schedule file, the
  `crawler schedule` process (started by tests/crawl_launcher.py), and the archive's runs as
  the tests poll them.
- :class:`DieOnFirstResponse`: an extension that kills its crawl process, as an OOM kill would.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Headers, Response
from sqlalchemy import select

from crawler.db.models import CrawlRun
from crawler.db.session import make_engine, session_factory
from crawler.recorded_web.replay import ReplayDownloadHandler
from tests.crawl_launcher import REPO_ROOT as REPO_ROOT  # the tests import it from here
from tests.crawl_launcher import WEB_DIR, Launch, cli, crawl_env

_NAME = "tests.schedule_harness.ConditionalReplayHandler"
HANDLERS = {"http": _NAME, "https": _NAME}


class ConditionalReplayHandler(ReplayDownloadHandler):
    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        # "{run}" in CRAWLER_REPLAY_LOG: one log per run (the scheduler's CRAWLER_RUN_ID).
        name = crawler.settings.get("CRAWLER_REPLAY_LOG") or ""
        if "{run}" in name and self.log is not None:
            self.log.close()
            run = crawler.settings.getint("CRAWLER_RUN_ID")
            self.log = open(name.format(run=run), "a", encoding="utf-8")  # noqa: SIM115
            Path(name).unlink(missing_ok=True)

    def _path(self, url: str) -> Path | None:
        host = (urlsplit(url).hostname or "").lower()
        entry = self.web._manifest(host).get(url)
        if entry is not None:
            if "file" in entry:
                return self.web.root / host / entry["file"]
            if "body" in entry:
                return None
        return self.web.file_for(url)

    def _validators(self, url: str, body: bytes) -> tuple[str, str | None]:
        etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
        path = self._path(url)
        if path is None:
            return etag, None
        mtime = datetime.fromtimestamp(int(path.stat().st_mtime), UTC)
        return etag, format_datetime(mtime, usegmt=True)

    @staticmethod
    def _not_modified(request: Request, etag: str, last_modified: str | None) -> bool:
        match = request.headers.get(b"If-None-Match")
        if match is not None:  # RFC 9110 13.2.2: If-None-Match wins over If-Modified-Since
            return match.decode() in ("*", etag)
        since = request.headers.get(b"If-Modified-Since")
        if since is None or last_modified is None:
            return False
        return parsedate_to_datetime(last_modified) <= parsedate_to_datetime(since.decode())

    async def download_request(self, request: Request) -> Response:
        recorded = self.web.get(request.url)
        if recorded.status != 200:
            return await super().download_request(request)
        etag, last_modified = self._validators(request.url, recorded.body)
        headers = {"ETag": etag, **({"Last-Modified": last_modified} if last_modified else {})}
        if self._not_modified(request, etag, last_modified):
            if self.log is not None:
                self.log.write(f"304 {request.url}\n")
                self.log.flush()
            return Response(request.url, status=304, headers=Headers(headers), request=request)
        response = await super().download_request(request)
        for name, value in headers.items():
            response.headers[name] = value
        return response


class DieOnFirstResponse:
    """Ends the crawl process abruptly at its first response (exit status 3)."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DieOnFirstResponse:
        from scrapy import signals

        extension = cls()
        crawler.signals.connect(extension.die, signal=signals.response_received)
        return extension

    def die(self, **_: Any) -> None:
        logging.getLogger(__name__).error("out of memory (simulated): the process dies now")
        logging.shutdown()
        os._exit(3)


# --- schedule files and the scheduler process -----------------------------------------------
def copy_web(tmp: Path) -> Path:
    """A copy of the recorded web that a test may edit (mtimes kept)."""
    return Path(shutil.copytree(WEB_DIR, tmp / "web"))


def _toml(value: Any) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(str(value))  # a JSON string is a TOML basic string


def replay_settings(tmp: Path, web: Path) -> dict[str, Any]:
    """Scrapy settings of a test job: the (conditional) recorded web, logs and WARCs in tmp."""
    return {
        "CRAWLER_REPLAY_DIR": str(web),
        "DOWNLOAD_HANDLERS": HANDLERS,
        "CRAWLER_REPLAY_LOG": str(tmp / "requests-{run}.log"),
        "CRAWLER_WARC_DIR": str(tmp / "warc"),
    }


def write_schedule(
    path: Path, jobs: dict[str, dict[str, Any]], scheduler: dict[str, Any] | None = None
) -> Path:
    lines = ["[scheduler]"]
    options = {"state_dir": "state", "stop_timeout": "30s", **(scheduler or {})}
    lines += [f"{k} = {_toml(v)}" for k, v in options.items()]
    for job_id, job in jobs.items():
        lines.append(f"\n[jobs.{job_id}]")
        lines += [f"{k} = {_toml(v)}" for k, v in job.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# The names the scheduler's tests use for the one launcher's environment and CLI run.
crawler_env = crawl_env


def crawler_cli(
    args: Sequence[str], db_url: str, cwd: Path, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return cli(args, db_url, cwd, timeout=timeout)


class Scheduler:
    """`crawler schedule --config FILE` as a background process."""

    def __init__(self, config: Path, db_url: str) -> None:
        self.output = config.parent / f"scheduler-{time.monotonic_ns()}.log"
        with self.output.open("wb") as out:
            launch = Launch(db_url, cli=["schedule", "--config", str(config)], cwd=config.parent)
            self.process = launch.start(stdout=out, stderr=subprocess.STDOUT)

    def log(self) -> str:
        return self.output.read_text(encoding="utf-8", errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 60) -> tuple[int, float]:
        """SIGTERM; (exit status, seconds it took to exit)."""
        started = time.monotonic()
        if self.alive():
            self.process.send_signal(signal.SIGTERM)
        try:
            status = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise AssertionError(f"scheduler still running {timeout} s after SIGTERM") from None
        return status, time.monotonic() - started


def runs(db_url: str) -> list[CrawlRun]:
    engine = make_engine(db_url)
    try:
        with session_factory(engine)() as session:
            return list(session.scalars(select(CrawlRun).order_by(CrawlRun.id)))
    finally:
        engine.dispose()


def wait_for_runs(
    db_url: str,
    done: Callable[[list[CrawlRun]], bool],
    scheduler: Scheduler | None = None,
    timeout: float = 120,
) -> list[CrawlRun]:
    """Poll the archive's runs until ``done`` holds; fail with the scheduler's log if not."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            current = runs(db_url)
        except Exception:  # the scheduler may still be creating the schema
            current = []
        if done(current):
            return current
        if scheduler is not None and not scheduler.alive():
            raise AssertionError(f"the scheduler exited:\n{scheduler.log()[-5000:]}")
        time.sleep(0.2)
    log = scheduler.log()[-5000:] if scheduler is not None else ""
    summary = [(r.id, r.status, r.finish_reason) for r in runs(db_url)]
    raise AssertionError(f"runs not done after {timeout} s: {summary}\n{log}")


def requests_of(tmp: Path, run_id: int) -> list[tuple[int, str]]:
    """(status, url) of every request the recorded web answered for one run."""
    path = tmp / f"requests-{run_id}.log"
    if not path.exists():
        return []
    return [
        (int(status), url)
        for status, url in (line.split(" ", 1) for line in path.read_text().splitlines())
    ]
