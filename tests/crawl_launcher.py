"""The one way the tests start a crawl: a process, as an operator or the scheduler starts one.

:class:`Launch` is either ``python -m scrapy crawl related -a … -s …`` built from a
:class:`~crawler.launch.crawl_spec.CrawlSpec` (the command line the scheduler runs, with the
test's own settings such as CRAWLER_REPLAY_DIR, CRAWLER_WARC_DIR or DOWNLOAD_DELAY in front of
the spec's), or the ``crawler`` CLI with the arguments an operator types (:func:`cli`). Each
crawl runs in its own process: Twisted's reactor cannot be restarted. ``run`` waits for it;
``start`` returns the Popen for a test that signals or kills it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawler.launch.crawl_spec import CrawlSpec

REPO_ROOT = Path(__file__).resolve().parent.parent
WEB_DIR = REPO_ROOT / "tests" / "web"
CLI = [sys.executable, "-c", "from crawler.cli import main; main()"]


def crawl_env(db_url: str, **extra: str) -> dict[str, str]:
    """The test's environment with its archive; a CRAWLER_REPLAY_DIR of the shell running the
    tests is dropped (a test that replays says so)."""
    env = {**os.environ, "CRAWLER_DATABASE_URL": db_url, "PYTHONPATH": str(REPO_ROOT), **extra}
    env.pop("CRAWLER_REPLAY_DIR", None)
    return env


@dataclass(frozen=True)
class Launch:
    db_url: str
    spec: CrawlSpec = field(default_factory=CrawlSpec)
    settings: Mapping[str, Any] = field(default_factory=dict)  # the test's own `-s` settings
    cli: Sequence[str] | None = None  # `crawler …` arguments: the CLI instead of scrapy crawl
    env: Mapping[str, str] = field(default_factory=dict)
    cwd: Path = REPO_ROOT  # scrapy crawl finds the project (scrapy.cfg) here

    def command(self) -> list[str]:
        if self.cli is None:
            return self.spec.command(self.settings)
        if self.spec != CrawlSpec() or self.settings:
            raise ValueError("a CLI launch takes its options as CLI arguments")
        return [*CLI, *self.cli]

    def environment(self) -> dict[str, str]:
        return crawl_env(self.db_url, **self.env)

    def run(self, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """Run to its end; its output captured."""
        return subprocess.run(
            self.command(), cwd=self.cwd, env=self.environment(), capture_output=True,
            text=True, timeout=timeout,
        )  # fmt: skip

    def start(self, **popen: Any) -> subprocess.Popen[Any]:
        """Started, not waited for (``popen``: stdout, stderr, text, start_new_session …)."""
        return subprocess.Popen(self.command(), cwd=self.cwd, env=self.environment(), **popen)


def cli(
    args: Sequence[str], db_url: str, cwd: Path, *, timeout: float = 300, **env: str
) -> subprocess.CompletedProcess[str]:
    """``crawler ARGS`` run to its end in ``cwd`` (a crawl, or any other command)."""
    return Launch(db_url, cli=args, cwd=cwd, env=env).run(timeout)
