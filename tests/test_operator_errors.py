"""An operator's mistakes through the commands they type: one line, no traceback, nothing lost.

Each check runs `crawler` (or `scrapy crawl`) as its own process, as an operator would, and
asserts the line it prints and what the archive holds afterwards (issue 24).
"""

from __future__ import annotations

import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from crawler.launch.crawl_spec import CrawlSpec
from tests.crawl_launcher import WEB_DIR, Launch, cli

pytestmark = pytest.mark.slow


def run(args: list[str], db_url: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return cli(args, db_url, cwd, **env)


def scrapy_crawl(
    spec: CrawlSpec, db_url: str, settings: dict[str, Any] | None = None
) -> subprocess.CompletedProcess[str]:
    return Launch(db_url, spec, settings or {}).run()


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    return lines[0]


def runs_of(sqlite_url: str) -> list[tuple[str, str | None, int]]:
    path = sqlite_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        return list(conn.execute("SELECT status, finish_reason, pages_fetched FROM crawl_runs"))


# --- Broken 1: a database URL SQLAlchemy cannot load ----------------------------------------
@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("postgresql+psycopg2://u@127.0.0.1/x", "needs the driver 'postgresql+psycopg2'"),
        ("mysql://u@127.0.0.1/x", "must name SQLite or PostgreSQL, not 'mysql'"),
        ("garbage", "is not a database URL: 'garbage'"),
        ("oracle+nosuchdriver://u@h/x", "must name SQLite or PostgreSQL"),
    ],
)
@pytest.mark.parametrize("command", [["stats"], ["query", "Nga"], ["db", "upgrade"], ["runs"]])
def test_an_unloadable_database_url_is_one_line(
    url: str, message: str, command: list[str], tmp_path: Path
) -> None:
    result = run(command, url, tmp_path)
    assert result.returncode == 2
    line = one_line(result)
    assert line.startswith("error: CRAWLER_DATABASE_URL") and message in line, line


def test_postgres_spelling_is_accepted(postgres_url: str, tmp_path: Path) -> None:
    url = postgres_url.replace("postgresql+psycopg://", "postgres://")
    assert url.startswith("postgres://")
    assert run(["db", "upgrade"], url, tmp_path).returncode == 0
    result = run(["db", "current"], url, tmp_path)
    # At the code's head, whichever revision that is.
    assert result.returncode == 0 and re.search(r"archive: (\w+)  code: \1", result.stdout), (
        result.stdout, result.stderr)


# --- Broken 2: a WARC export to a place that cannot be written -----------------------------
@pytest.mark.parametrize("fmt", ["warc", "jsonl", "csv", "sqlite"])
def test_export_to_an_unwritable_place_is_one_line(
    fmt: str, sqlite_url: str, tmp_path: Path
) -> None:
    assert run(["db", "upgrade"], sqlite_url, tmp_path).returncode == 0
    result = run(["export", "--format", fmt, "--output", f"/proc/x.{fmt}"], sqlite_url, tmp_path)
    assert result.returncode == 2
    assert one_line(result) == f"error: cannot write /proc/x.{fmt}: No such file or directory"


# --- Broken 3: a capture directory that cannot be written ----------------------------------
def _unwritable(tmp_path: Path) -> Path:
    if os.geteuid() == 0:
        return Path("/proc/warc")  # root writes anywhere a mode allows; /proc refuses everyone
    directory = tmp_path / "read-only"
    directory.mkdir()
    directory.chmod(0o500)
    return directory


def test_crawl_refuses_an_unwritable_warc_dir_before_it_starts(
    sqlite_url: str, tmp_path: Path
) -> None:
    warc = _unwritable(tmp_path)
    result = run(["crawl", "--replay", str(WEB_DIR), "--site", "dantri", "--max-pages", "5"],
                 sqlite_url, tmp_path, CRAWLER_WARC_DIR=str(warc))  # fmt: skip
    assert result.returncode == 2
    line = one_line(result)
    assert line.startswith(f"error: cannot write WARC captures to {warc}"), line
    assert "CRAWLER_WARC_DIR" in line
    assert runs_of(sqlite_url) == []  # nothing started, nothing recorded


def test_scrapy_crawl_with_an_unwritable_warc_dir_fails_with_the_reason(
    sqlite_url: str, tmp_path: Path
) -> None:
    warc = _unwritable(tmp_path)
    result = scrapy_crawl(CrawlSpec(sites=("dantri",), max_pages=5), sqlite_url,
                          {"CRAWLER_REPLAY_DIR": WEB_DIR, "CRAWLER_WARC_DIR": warc})  # fmt: skip
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    [(status, reason, pages)] = runs_of(sqlite_url)
    assert status == "failed" and pages == 0
    assert reason is not None and reason.startswith(f"cannot write WARC captures to {warc}")
    shown = run(["runs", "1"], sqlite_url, tmp_path)
    assert f"cannot write WARC captures to {warc}" in shown.stdout


# --- Broken 4: where the WARC files of a PostgreSQL archive go -----------------------------
def test_postgres_captures_are_found_from_any_directory(postgres_url: str, tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {"XDG_DATA_HOME": str(data), "CRAWLER_WARC_DIR": ""}
    crawl_dir, other_dir = tmp_path / "crawl-here", tmp_path / "export-there"
    crawl_dir.mkdir()
    other_dir.mkdir()
    crawled = run(["crawl", "--replay", str(WEB_DIR), "--site", "dantri", "--max-pages", "15"],
                  postgres_url, crawl_dir, **env)  # fmt: skip
    assert crawled.returncode == 0, crawled.stdout + crawled.stderr
    assert not (crawl_dir / "warc").exists()  # not in whatever directory the crawl ran from
    files = list((data / "news-crawler" / "warc").glob("*/*.warc.gz"))
    assert files, list(data.rglob("*"))
    out = other_dir / "all.warc.gz"
    exported = run(["export", "--format", "warc", "--output", str(out)], postgres_url, other_dir,
                   **env)  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    assert "missing" not in exported.stderr and " (0 captures" not in exported.stderr
    assert out.stat().st_size > 1000
    # Pointed at the wrong directory, the export says so and fails instead of "0 captures".
    wrong = run(["export", "--format", "warc", "--output", str(other_dir / "w.warc.gz"),
                 "--warc-dir", str(other_dir)], postgres_url, other_dir, **env)  # fmt: skip
    assert wrong.returncode == 1
    assert "captures not found: set CRAWLER_WARC_DIR or --warc-dir" in wrong.stderr
    assert wrong.stderr.splitlines()[-1].startswith("error: "), wrong.stderr  # as every error


# --- Confusing: what scrapy crawl returns; arguments refused before Scrapy starts -----------
def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    ("spec", "settings", "status", "reason"),
    [
        (CrawlSpec(sites=("nosuchsite",)), {}, 2, "unknown site(s): nosuchsite"),
        (CrawlSpec(since="yesterday"), {}, 2, "since must be a date like 2016-04-09"),
        (CrawlSpec(start_urls=(f"http://127.0.0.1:{_closed_port()}/news/",)),
         {"CRAWLER_ALLOW_PRIVATE_NETWORKS": "true"}, 1, "finished"),
    ],
)
def test_scrapy_crawl_exit_status_is_the_runs_outcome(
    spec: CrawlSpec, settings: dict[str, str], status: int, reason: str, sqlite_url: str
) -> None:
    result = scrapy_crawl(replace(spec, max_pages=3), sqlite_url, settings)
    assert result.returncode == status, result.stderr[-2000:]
    [(recorded, finish_reason, _pages)] = runs_of(sqlite_url)
    assert recorded == "failed" and reason in (finish_reason or "")


def test_scrapy_crawl_of_a_good_run_exits_0(sqlite_url: str, tmp_path: Path) -> None:
    settings = {"CRAWLER_REPLAY_DIR": WEB_DIR, "CRAWLER_WARC_DIR": tmp_path}
    result = scrapy_crawl(CrawlSpec(sites=("dantri",), max_pages=5), sqlite_url, settings)
    assert result.returncode == 0, result.stderr[-2000:]
    assert [status for status, _, _ in runs_of(sqlite_url)] == ["ok"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--site", "nosuchsite"], "unknown site(s): nosuchsite"),
        (["--since", "yesterday"], "since must be a date like 2016-04-09"),
        (["--allowed-domain", "example.com"], "allowed_domains (--allowed-domain) goes with"),
        (["--site", "dantri", "--start-url", "https://example.com/"],
         "site (--site) and start_urls (--start-url) exclude each other"),
        (["--start-url", "ftp://example.com/"], "not an http(s) URL"),
    ],
)
def test_crawl_refuses_bad_arguments_before_scrapy_starts(
    args: list[str], message: str, sqlite_url: str, tmp_path: Path
) -> None:
    result = run(["crawl", *args], sqlite_url, tmp_path)
    assert result.returncode == 2
    line = one_line(result)  # no Scrapy warnings, no progress line, no second copy
    assert line.startswith("error: ") and message in line, line
    assert runs_of(sqlite_url) == []


def test_db_downgrade_says_what_it_did(sqlite_url: str, tmp_path: Path) -> None:
    assert run(["db", "upgrade"], sqlite_url, tmp_path).returncode == 0
    result = run(["db", "downgrade", "0004"], sqlite_url, tmp_path)
    assert result.returncode == 0
    assert one_line(result) == "archive at revision 0004"
    result = run(["db", "downgrade", "base"], sqlite_url, tmp_path)
    assert one_line(result) == "archive at revision base (empty)"


def test_scrapy_crawl_records_unreachable_sites(sqlite_url: str, tmp_path: Path) -> None:
    spec = CrawlSpec(max_pages=3, start_urls=("https://dantri.com.vn.invalid/the-gioi.htm",))
    result = scrapy_crawl(spec, sqlite_url)
    assert result.returncode == 1
    shown = run(["runs", "1"], sqlite_url, tmp_path)
    assert "could not reach dantri.com.vn.invalid: cannot resolve host" in shown.stdout
    path = sqlite_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        stats = json.loads(conn.execute("SELECT stats FROM crawl_runs").fetchone()[0])
    assert any(k.startswith("crawler/unreachable/") for k in stats)


# --- Confusing: the crawl's own output; writes that wait; Ctrl-C ----------------------------
def _wait_for_run(db_path: Path, process: subprocess.Popen[str], timeout: float = 60) -> None:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with sqlite3.connect(db_path) as conn:
                if conn.execute("SELECT count(*) FROM crawl_runs").fetchone()[0]:
                    return
        except sqlite3.Error:
            pass
        time.sleep(0.2)
    raise AssertionError("the crawl never recorded its run")


def test_a_crawl_prints_no_warning_for_components_off_by_design(
    sqlite_url: str, tmp_path: Path
) -> None:
    result = run(["crawl", "--replay", str(WEB_DIR), "--site", "dantri", "--max-pages", "10"],
                 sqlite_url, tmp_path, CRAWLER_WARC_DIR=str(tmp_path / "warc"))  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stdout + result.stderr, result.stderr


def test_articles_reach_the_archive_before_a_batch_fills(sqlite_url: str, tmp_path: Path) -> None:
    import time

    db_path = Path(sqlite_url.removeprefix("sqlite:///"))
    settings = {
        "CRAWLER_REPLAY_DIR": WEB_DIR, "CRAWLER_WARC_DIR": tmp_path / "warc",
        "DOWNLOAD_DELAY": 0.4, "AUTOTHROTTLE_ENABLED": "false",
        "CRAWLER_STORE_FLUSH_INTERVAL": 1, "CRAWLER_STORE_BATCH_SIZE": 50,
    }  # fmt: skip
    launch = Launch(sqlite_url, CrawlSpec(sites=("dantri",), max_pages=40), settings)
    process = launch.start(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True)
    try:
        _wait_for_run(db_path, process)
        first_seen = None
        while process.poll() is None and first_seen is None:
            with sqlite3.connect(db_path) as conn:
                if conn.execute("SELECT count(*) FROM articles").fetchone()[0]:
                    first_seen = time.monotonic()
            time.sleep(0.3)
    finally:
        process.wait(timeout=300)
    ended = time.monotonic()
    assert process.returncode == 0
    with sqlite3.connect(db_path) as conn:
        total = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    # Fewer articles than one batch in all: without the timed flush none is written before the end.
    assert 0 < total < 50
    # Written during the crawl, not by the last flush at its end.
    assert first_seen is not None and ended - first_seen > 3


def test_ctrl_c_says_stopping_and_exits_130(sqlite_url: str, tmp_path: Path) -> None:
    import signal

    db_path = Path(sqlite_url.removeprefix("sqlite:///"))
    launch = Launch(
        sqlite_url, cli=["crawl", "--replay", str(WEB_DIR), "--max-pages", "2000"], cwd=tmp_path,
        env={"CRAWLER_WARC_DIR": str(tmp_path / "warc")},
    )  # fmt: skip
    process = launch.start(stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_for_run(db_path, process)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)
    assert "stopping…" in err, err
    assert "Traceback" not in out + err
    assert process.returncode == 130, out + err
    assert "interrupted" in out
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT status FROM crawl_runs").fetchone()[0] == "interrupted"


# --- Confusing: options that were silently ignored; date forms; a bad CRAWLER_* number -----
def test_reextract_of_an_unknown_site_is_refused(sqlite_url: str, tmp_path: Path) -> None:
    assert run(["db", "upgrade"], sqlite_url, tmp_path).returncode == 0
    result = run(["reextract", "--site", "nosuchsite"], sqlite_url, tmp_path)
    assert result.returncode == 2
    line = one_line(result)
    assert line.startswith("error: unknown site 'nosuchsite'; known: ") and "dantri" in line


def test_a_schedule_threshold_above_1_is_refused(sqlite_url: str, tmp_path: Path) -> None:
    (tmp_path / "s.toml").write_text('[jobs.a]\nevery = "1h"\nthreshold = 7\n')
    result = run(["schedule", "--list", "--config", str(tmp_path / "s.toml")], sqlite_url,
                 tmp_path)  # fmt: skip
    assert result.returncode == 2
    assert "jobs.a.threshold: must be between 0 and 1, not 7" in one_line(result)


@pytest.mark.parametrize(("feed", "message"), [
    ('query = "Nga"\nmin_relevance = 3', "feeds.nga.min_relevance: must be between 0 and 1, not 3"),
    ('query = "Nga"\nlanguage = "vi"', "feeds.nga: unknown key(s) language"),
    ('title = "Nga"', "feeds.nga.query: the search"),
])
def test_a_schedule_with_a_bad_feed_is_refused_when_it_starts(
    sqlite_url: str, tmp_path: Path, feed: str, message: str
) -> None:
    """The scheduler reads [feeds] at start, so a mistake there is found before the first
    crawl, not when a reader first asks for the feed."""
    (tmp_path / "s.toml").write_text(f'[jobs.a]\nevery = "1h"\n\n[feeds.nga]\n{feed}\n')
    result = run(["schedule", "--list", "--config", str(tmp_path / "s.toml")], sqlite_url,
                 tmp_path)  # fmt: skip
    assert result.returncode == 2
    assert message in one_line(result)


def test_the_checks_before_scrapy_starts_are_the_spiders(tmp_path: Path) -> None:
    """Every setting the spider refuses is refused before Scrapy starts, not after a run
    is recorded: the frontier's learning weight too."""
    from crawler.errors import ConfigError
    from crawler.launch.runner import project_settings
    from crawler.spiders.arguments import preflight

    settings = project_settings(
        {"CRAWLER_LINK_LEARNING_WEIGHT": 1.5, "CRAWLER_WARC_DIR": str(tmp_path / "warc")}
    )
    with pytest.raises(ConfigError, match=r"CRAWLER_LINK_LEARNING_WEIGHT must be within 0\.\.1"):
        preflight({}, settings)


def test_crawl_since_takes_the_forms_query_since_takes() -> None:
    from datetime import date

    from crawler.spiders.arguments import parse_since

    assert parse_since("2016-04-09") == date(2016, 4, 9)
    assert parse_since("2016-04") == date(2016, 4, 1)
    assert parse_since("2016") == date(2016, 1, 1)
    assert parse_since("2016-04-09T23:30+07:00") == date(2016, 4, 9)


def test_a_malformed_crawler_number_is_one_line(sqlite_url: str, tmp_path: Path) -> None:
    result = run(["crawl", "--site", "dantri"], sqlite_url, tmp_path,
                 CRAWLER_RELEVANCE_THRESHOLD="high")  # fmt: skip
    assert result.returncode == 2
    assert one_line(result) == "error: CRAWLER_RELEVANCE_THRESHOLD must be a number, not 'high'"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["query", "-Ukraine"], "a search starting with -word goes after --"),
        (["stats", "-Ukraine"], "No such option"),
        (["crawl", "--max-pages", "many"], "Invalid value for '--max-pages'"),
        (["nosuchcommand"], "No such command 'nosuchcommand'"),
    ],
)
def test_usage_errors_are_one_line(
    args: list[str], message: str, sqlite_url: str, tmp_path: Path
) -> None:
    result = run(args, sqlite_url, tmp_path)
    assert result.returncode == 2
    line = one_line(result)
    assert line.startswith("error: ") and message in line, line
    assert ("goes after --" in line) == (args[0] == "query"), line  # query's hint, only there


def test_debug_is_in_the_help(sqlite_url: str, tmp_path: Path) -> None:
    result = run(["--help"], sqlite_url, tmp_path)
    assert "--debug" in result.stdout
    query_help = run(["query", "--help"], sqlite_url, tmp_path).stdout
    assert "goes after --" in " ".join(query_help.split())


def test_80_columns_keep_site_keys_and_urls_whole(sqlite_url: str, tmp_path: Path) -> None:
    listing = run(["site", "list"], sqlite_url, tmp_path, COLUMNS="80")
    assert listing.returncode == 0
    assert all(len(line) <= 80 for line in listing.stdout.splitlines())
    keys = {line.split("│")[1].strip() for line in listing.stdout.splitlines()
            if line.startswith("│") and line.split("│")[1].strip()}  # fmt: skip
    assert {"15min", "baoquocte", "dantri", "huengaynay", "kinhtedothi"} <= keys


def test_counts_say_near_duplicates_are_left_out(sqlite_url: str, tmp_path: Path) -> None:
    assert run(["db", "upgrade"], sqlite_url, tmp_path).returncode == 0
    stats = run(["stats"], sqlite_url, tmp_path)
    assert "near-duplicates left out: --include-duplicates counts them" in stats.stdout
    both = run(["stats", "--include-duplicates"], sqlite_url, tmp_path)
    assert "near-duplicates left out" not in both.stdout


def test_serve_refuses_a_busy_port_and_names_the_port_it_picks(
    sqlite_url: str, tmp_path: Path
) -> None:
    assert run(["db", "upgrade"], sqlite_url, tmp_path).returncode == 0
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run(["serve", "--port", str(port)], sqlite_url, tmp_path)
    assert result.returncode == 2
    line = one_line(result)  # not "serving …" first and a failure after
    assert line.startswith(f"error: cannot serve on 127.0.0.1:{port}: Address already in use")
    environment = {**os.environ, "CRAWLER_DATABASE_URL": sqlite_url}
    server = subprocess.Popen(
        [sys.executable, "-c", "from crawler.cli import main; main()", "serve", "--port", "0"],
        cwd=tmp_path, env=environment, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
        text=True,
    )  # fmt: skip
    try:
        assert server.stderr is not None
        first = server.stderr.readline()
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert first.startswith("serving ") and ":0/" not in first, first
    assert int(first.split("http://127.0.0.1:")[1].split("/")[0]) > 0


def test_where_warc_files_go_for_each_backend(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crawler.store.warc import warc_dir_for

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    # SQLite: beside the archive file, wherever the command runs from.
    assert warc_dir_for("sqlite:////srv/news/archive.db") == Path("/srv/news/warc")
    # PostgreSQL: one directory per server archive under the user's data directory.
    assert warc_dir_for("postgresql://u:secret@db.example:5433/news") == (
        tmp_path / "data" / "news-crawler" / "warc" / "db.example-5433-news"
    )
    # CRAWLER_WARC_DIR wins for both.
    assert warc_dir_for("postgresql://u@h/news", "/captures") == Path("/captures")
