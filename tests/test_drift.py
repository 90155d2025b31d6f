"""Extraction drift: a site whose extraction degrades is flagged in the run's report."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from crawler.extensions.drift import SiteTally, check
from crawler.launch.crawl_spec import CrawlSpec
from tests.crawl_launcher import Launch
from tests.schedule_harness import copy_web, crawler_cli, runs


def _quality(articles: int, body: int, no_article: int = 0, median: int = 1500) -> dict[str, int]:
    return {
        "articles": articles,
        "no_article": no_article,
        "title": articles,
        "date": articles,
        "body": body,
        "median_body": median,
    }


def test_a_site_like_its_history_is_not_flagged() -> None:
    history = [_quality(10, 10), _quality(8, 7), _quality(12, 12)]
    assert check("x", _quality(9, 8), history) == []


def test_lost_bodies_are_flagged() -> None:
    flags = check("x", _quality(10, 1, median=120), [_quality(10, 10), _quality(10, 10)])
    assert {f.metric for f in flags} == {"body", "median_body"}
    assert "x: articles with a body 100% -> 10%" in [f.message() for f in flags]


def test_pages_without_an_article_are_flagged() -> None:
    (flag,) = check("x", _quality(0, 0, no_article=6), [_quality(10, 10)])
    assert (flag.metric, flag.before, flag.now) == ("no_article", 0.0, 1.0)


def test_a_profile_that_keeps_falling_back_is_flagged() -> None:
    # Every article still comes out whole (the floor), but the profile no longer does it.
    stale = {**_quality(10, 10), "fallback": 8}
    history = [{**_quality(10, 10), "fallback": 1}, _quality(10, 10)]
    (flag,) = check("x", stale, history)
    assert (flag.metric, flag.before, flag.now) == ("fallback", 0.05, 0.8)
    assert flag.message() == "x: articles where the site profile lost to plain extraction 5% -> 80%"


def test_too_few_pages_say_nothing() -> None:
    assert check("x", _quality(1, 0, no_article=1), [_quality(10, 10)]) == []
    assert check("x", _quality(10, 0), [_quality(2, 2)]) == []  # nor too short a history


def test_history_is_pooled_across_small_runs() -> None:
    # Incremental runs archive a page or two each; together they make a baseline.
    history = [_quality(1, 1), _quality(2, 2), _quality(1, 1)]
    assert [f.metric for f in check("x", _quality(4, 0, median=90), history)] == [
        "body",
        "median_body",
    ]


def test_tally_counts_what_extraction_produced() -> None:
    tally = SiteTally()
    tally.add_article("A title", True, "x" * 500)
    tally.add_article(None, False, "short")
    assert tally.quality() == {
        "articles": 2,
        "no_article": 0,
        "fallback": 0,
        "title": 1,
        "date": 1,
        "body": 1,
        "median_body": 252,
    }


_PARAGRAPH = re.compile(r"<p\b[^>]*>.*?</p>", re.DOTALL)


def _redesign(site_dir: Path) -> int:
    """The site's new template renders the article body client-side: no <p> in the HTML."""
    article = re.compile(r"-\d{17}\.htm$")
    changed = 0
    for page in site_dir.rglob("*.htm"):
        if article.search(page.name):
            html = page.read_text(encoding="utf-8")
            page.write_text(_PARAGRAPH.sub("", html), encoding="utf-8")
            changed += 1
    return changed


def _crawl(db_url: str, web: Path) -> None:
    spec = CrawlSpec(sites=("dantri", "kinhtedothi"))
    settings = {"CRAWLER_REPLAY_DIR": web, "CRAWLER_WARC_DIR": web.parent / "warc"}
    result = Launch(db_url, spec, settings).run(timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.mark.slow
def test_a_site_redesign_is_flagged_in_the_run_report(sqlite_url: str, tmp_path: Path) -> None:
    web = copy_web(tmp_path)
    _crawl(sqlite_url, web)
    assert _redesign(web / "dantri.com.vn") >= 10
    _crawl(sqlite_url, web)
    before, after = runs(sqlite_url)
    assert json.loads(before.drift or "null") == []
    flags = json.loads(after.drift or "null")
    assert {flag["site"] for flag in flags} == {"dantri"}  # kinhtedothi's pages did not change
    assert {flag["metric"] for flag in flags} >= {"body", "median_body"}

    report = crawler_cli(["runs", "--last"], sqlite_url, tmp_path)
    assert report.returncode == 0, report.stderr
    assert "extraction drift: dantri:" in report.stdout
    assert "kinhtedothi:" not in report.stdout.split("extraction drift", 1)[1]
    listing = crawler_cli(["runs"], sqlite_url, tmp_path)
    rows = [line for line in listing.stdout.splitlines() if line.startswith(("│ 1 ", "│ 2 "))]
    assert ["dantri" in row for row in rows] == [True, False]  # the newest run, listed first


def _body_as_module(site_dir: Path) -> int:
    """The new template marks the body container as a widget (``data-module``), which the
    site's profile strips as boilerplate: the profile alone would lose every body."""
    changed = 0
    for page in site_dir.rglob("*.htm"):
        html = page.read_text(encoding="utf-8")
        if '<div class="singular-content">' in html:
            html = html.replace(
                '<div class="singular-content">',
                '<div class="singular-content" data-module="article-body">',
            )
            page.write_text(html, encoding="utf-8")
            changed += 1
    return changed


@pytest.mark.slow
def test_a_stale_profile_falls_back_keeps_the_text_and_is_flagged(
    sqlite_url: str, tmp_path: Path
) -> None:
    web = copy_web(tmp_path)
    _crawl(sqlite_url, web)
    assert _body_as_module(web / "dantri.com.vn") >= 10
    _crawl(sqlite_url, web)
    before, after = runs(sqlite_url)
    assert json.loads(before.site_stats or "{}")["dantri"].get("extraction_fallback", 0) == 0
    stats = json.loads(after.site_stats or "{}")["dantri"]
    assert stats["extraction_fallback"] >= 10
    flags = json.loads(after.drift or "null")
    # The floor kept every body whole: only the fallback share moved.
    assert [(f["site"], f["metric"]) for f in flags] == [("dantri", "fallback")]
    assert stats["quality"]["body"] == stats["quality"]["articles"]
