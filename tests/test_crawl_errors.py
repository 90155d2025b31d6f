"""A crawl that cannot reach its hosts ends with a clear message, a failed run, no traceback.

Each crawl runs in its own process (Twisted's reactor cannot be restarted), through the same
`crawler` command an operator types.
"""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import pytest

from crawler.launch.crawl_spec import CrawlSpec
from tests.crawl_launcher import WEB_DIR, Launch, cli

pytestmark = pytest.mark.slow


def crawler_cli(
    args: list[str], db_url: str, cwd: Path, **env: str
) -> subprocess.CompletedProcess[str]:
    return cli(args, db_url, cwd, timeout=180, **env)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_unresolvable_host_is_named(sqlite_url: str, tmp_path: Path) -> None:
    # .invalid never resolves (RFC 6761): the same failure as a machine with no network.
    result = crawler_cli(
        ["crawl", "--start-url", "https://dantri.com.vn.invalid/the-gioi.htm", "--max-pages", "5"],
        sqlite_url,
        tmp_path,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "could not reach dantri.com.vn.invalid" in output
    assert "DNS lookup failed" in output
    assert "Traceback" not in output
    assert "run 1: failed" in output


def test_refused_connection_is_named(sqlite_url: str, tmp_path: Path) -> None:
    port = _closed_port()
    result = crawler_cli(
        ["crawl", "--start-url", f"http://127.0.0.1:{port}/news/", "--max-pages", "3"],
        sqlite_url,
        tmp_path,
        CRAWLER_ALLOW_PRIVATE_NETWORKS="true",  # a local server stands in for a remote host
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "could not reach 127.0.0.1" in output
    assert "refused" in output
    assert "Traceback" not in output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["crawl", "--site", "nosuchsite"], "unknown site(s): nosuchsite"),
        (["crawl", "--seed", "999"], "unknown seed(s): 999"),
        (["crawl", "--since", "9 April"], "since must be a date like 2016-04-09"),
        (["crawl", "--max-pages", "-3"], "Invalid value"),
    ],
)
def test_bad_arguments_are_one_clear_line(
    args: list[str], message: str, sqlite_url: str, tmp_path: Path
) -> None:
    result = crawler_cli(args, sqlite_url, tmp_path)
    assert result.returncode != 0
    assert message in result.stderr + result.stdout
    assert "Traceback" not in result.stderr + result.stdout


def test_archive_at_an_old_schema_names_the_fix(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    import sqlite3

    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        conn.execute("INSERT INTO alembic_version VALUES ('0000')")
        conn.execute("CREATE TABLE articles (id INTEGER)")
    result = crawler_cli(["crawl", "--site", "dantri"], f"sqlite:///{db}", tmp_path)
    assert result.returncode == 2
    assert "run `crawler db upgrade`" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_host_that_does_not_resolve_is_not_asked_again(sqlite_url: str, tmp_path: Path) -> None:
    import json
    import sqlite3

    pages = ("the-gioi", "kinh-doanh", "the-thao")
    urls = [f"https://dantri.com.vn.invalid/{p}.htm" for p in pages]
    args = ["crawl", "--max-pages", "10"]
    for url in urls:
        args += ["--start-url", url]
    result = crawler_cli(args, sqlite_url, tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "errors dns: 3" in output  # every page that could not be fetched is counted
    assert result.stdout.count("could not reach dantri.com.vn.invalid") == 1  # the report
    with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as conn:
        stats = json.loads(conn.execute("SELECT stats FROM crawl_runs").fetchone()[0])
    # Only robots.txt was retried; the three pages were failed at once, not retried each.
    assert stats["retry/count"] == 2


def test_scrapy_crawl_bad_argument_is_one_line(sqlite_url: str, tmp_path: Path) -> None:
    # Not a number: only a command line can say so; the spec passes it on as typed.
    spec = CrawlSpec(max_pages="many")  # type: ignore[arg-type]
    result = Launch(sqlite_url, spec, {"CRAWLER_REPLAY_DIR": WEB_DIR}).run(timeout=120)
    assert "max_pages and max_depth must be whole numbers" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["db", "downgrade", "nosuchrev"], "Can't locate revision identified by 'nosuchrev'"),
        (["query", "Nga", "--since", "2020-99-01"], "--since '2020-99-01' is not a date"),
        (["show", "99999"], "no article with id 99999 in the archive"),
        (["export", "--format", "jsonl", "--output", "/nonexistent/dir/o.jsonl"],
         "cannot write /nonexistent/dir/o.jsonl"),
        (["runs", "9999"], "no run 9999"),
    ],
)
def test_bad_cli_arguments_are_one_line(
    args: list[str], message: str, sqlite_url: str, tmp_path: Path
) -> None:
    assert crawler_cli(["db", "upgrade"], sqlite_url, tmp_path).returncode == 0
    result = crawler_cli(args, sqlite_url, tmp_path)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in (result.stderr + result.stdout).splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0], lines
