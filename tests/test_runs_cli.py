"""`crawler runs`: every recorded run, and one run's report."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crawler.cli import app
from crawler.db import run_sql
from crawler.db.session import make_engine, session_factory
from tests.schedule_harness import crawler_cli

SITES = ("15min", "baoquocte", "dantri", "huengaynay", "kinhtedothi")


@pytest.mark.slow
def test_the_demo_run_is_listed_right_after(tmp_path: Path) -> None:
    """The README's first command, then `crawler runs`, in the same directory."""
    db_url = f"sqlite:///{tmp_path / 'archive.db'}"
    demo = crawler_cli(["demo"], db_url, tmp_path)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    listing = crawler_cli(["runs"], db_url, tmp_path)
    assert listing.returncode == 0, listing.stderr
    (row,) = [line for line in listing.stdout.splitlines() if line.startswith("│ 1 ")]
    cells = [cell.strip() for cell in row.strip("│").split("│")]
    assert cells[3:6] == ["demo", "", "ok"]  # trigger, job, status
    assert int(cells[6]) > 100 and int(cells[7]) > 20  # pages, new articles

    for args in (["runs", "--last"], ["runs", "1"]):
        report = crawler_cli(args, db_url, tmp_path)
        assert report.returncode == 0, report.stderr
        assert "run 1: ok (demo)" in report.stdout
        site_rows = [line for line in report.stdout.splitlines() if line.startswith("│ ")]
        assert [row.split("│")[1].strip() for row in site_rows] == list(SITES)
        assert "no site degraded" in report.stdout
        # Every page fetched and not archived says why: the recorded web's listings hold no
        # article (counted by the rule or signal that said so), some articles are off-topic.
        (kept_out,) = [x for x in report.stdout.splitlines() if x.startswith("not archived:")]
        counts = re.match(r"not archived: no article (\d+) \((.+)\); below the relevance "
                          r"threshold (\d+); duplicate (\d+)$", kept_out)
        assert counts, kept_out
        assert int(counts[1]) > 0 and "list of teasers" in counts[2], kept_out
        reasons = dict(re.findall(r"([a-z' ]+?) (\d+)(?:, |$)", counts[2]))
        assert sum(map(int, reasons.values())) == int(counts[1]), kept_out
        assert int(counts[3]) > 0, kept_out

    missing = crawler_cli(["runs", "99"], db_url, tmp_path)
    assert missing.returncode == 2
    assert missing.stderr.strip() == "error: no run 99"


def test_reports_say_how_a_run_ended(db_url: str) -> None:
    engine = make_engine(db_url)
    start = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)
    with session_factory(engine).begin() as session:
        died = run_sql.start_run(session, "related", "schedule", start, {}, job="dantri")
        run_sql.close_unfinished_run(
            session,
            died,
            status="failed",
            finish_reason="crawl process ended without recording its run (exit status 3)",
            finished_at=start + timedelta(seconds=42),
            exit_status=3,
            log_tail="2026-11-01 06:00:41 [x] ERROR: out of memory",
        )
        skipped = run_sql.record_skipped(
            session, "related", "run-now", "dantri", start, "a run of this job was still running"
        )
        flagged = run_sql.start_run(session, "related", "schedule", start, {}, job="dantri")
        run_sql.finish_run(
            session,
            flagged,
            status="ok",
            finish_reason="finished",
            finished_at=start + timedelta(minutes=3),
            totals=run_sql.RunTotals(pages_fetched=12, articles_new=2),
            error_kinds={"http_4xx": 1},
            stats={},
            site_stats={"dantri": {"pages": 12, "errors": {"http_4xx": 1}, "quality": {}}},
            drift=[{"site": "dantri", "message": "dantri: articles with a body 100% -> 0%"}],
        )
    engine.dispose()
    runner = CliRunner()
    env = {"CRAWLER_DATABASE_URL": db_url}

    listing = runner.invoke(app, ["runs", "--job", "dantri"], env=env)
    assert listing.exit_code == 0, listing.output
    statuses = [
        [cell.strip() for cell in line.strip("│").split("│")][5]
        for line in listing.output.splitlines()
        if line.startswith("│ ")
    ]
    assert statuses == ["ok", "skipped", "failed"]  # newest first

    report = runner.invoke(app, ["runs", str(died)], env=env)
    assert f"run {died}: failed (schedule, job dantri)" in report.output
    assert "exit status 3" in report.output and "ERROR: out of memory" in report.output
    report = runner.invoke(app, ["runs", str(skipped)], env=env)
    assert "skipped (run-now, job dantri)" in report.output
    assert "still running" in report.output
    report = runner.invoke(app, ["runs", "--last"], env=env)
    assert f"run {flagged}: ok" in report.output
    assert "extraction drift: dantri: articles with a body 100% -> 0%" in report.output
    assert "http_4xx 1" in report.output
