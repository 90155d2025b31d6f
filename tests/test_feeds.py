"""Atom feeds: per seed and per named query, written by `crawler export --format atom` and
served by `crawler serve`; parsed with feedparser as a feed reader would."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

import feedparser  # type: ignore[import-untyped]
import pytest

from crawler.db.session import make_engine, session_factory
from crawler.read.export import export
from crawler.read.feeds import seed_feed
from crawler.read.query import Filters
from crawler.store.dedup import ArticleRecord, store_article
from crawler.store.fingerprints import content_hash
from tests.search_archive import (  # noqa: F401
    CHANGED_TEXT,
    DOCS,
    T0,
    Archive,
    archive,
    build,
    cli,
    url_of,
)
from tests.test_serve_browser import _env, _free_port

SCHEDULE = """
[jobs.all]
every = "6h"

[feeds.treaty]
title = "Nhật Bản, hợp tác"
query = '"Nhat Ban" OR "hop tac"'
lang = ["vi"]
"""


def _parse(data: bytes) -> feedparser.FeedParserDict:
    feed = feedparser.parse(data)
    assert not feed.bozo, feed.bozo_exception
    for entry in feed.entries:  # what a feed reader needs of every entry
        assert entry.id and entry.title and entry.link and entry.updated and entry.summary
        assert entry.updated_parsed is not None
    return feed


def test_seed_feed_has_every_field(archive: Archive, tmp_path: Path) -> None:  # noqa: F811
    out = tmp_path / "seed-001.atom"
    report = export(archive.url, Filters(seeds=("001",)), "atom", out)
    feed = _parse(out.read_bytes())
    assert report.articles == 1 == len(feed.entries)
    (entry,) = feed.entries
    assert feed.feed.id == "urn:news-crawler:feed:seed-001"
    assert feed.feed.title.startswith("Related to seed 001")
    assert entry.id == url_of(DOCS[1]) and entry.link == url_of(DOCS[1])
    assert entry.title == DOCS[1].title
    assert entry.summary.startswith("Hai bên nhất trí ký văn bản")
    # version 2 came a day later: the entry's updated is when that version was archived
    assert entry.updated == (T0 + timedelta(days=1)).isoformat()


def test_named_feed_from_the_schedule_file(archive: Archive, tmp_path: Path) -> None:  # noqa: F811
    (tmp_path / "schedule.toml").write_text(SCHEDULE, encoding="utf-8")
    done = cli(["export", "--format", "atom", "--feed", "treaty"], archive.url, tmp_path)
    assert done.returncode == 0, done.stderr
    feed = _parse(done.stdout.encode())
    assert feed.feed.title == "Nhật Bản, hợp tác"
    # "Nhat Ban" finds danang (its copy is a near-duplicate, left out), "hop tac" nhattri;
    # newest first: nhattri's second version is the latest archived
    assert [e.id for e in feed.entries] == [url_of(DOCS[1]), url_of(DOCS[0])]
    bad = cli(["export", "--format", "atom", "--feed", "nope"], archive.url, tmp_path)
    assert bad.returncode != 0 and "Traceback" not in bad.stderr
    assert bad.stderr.strip().splitlines()[-1].endswith("no feed named 'nope' (feeds: treaty)")


def _store(db_url: str, doc_index: int, text: str, seen_days: int) -> None:
    doc = DOCS[doc_index]
    engine = make_engine(db_url)
    seen = T0 + timedelta(days=seen_days)
    values = {"url": url_of(doc), "site_id": 1, "title": doc.title + (" (cập nhật)" if
              text != doc.text else ""), "text": text, "content_hash": content_hash(text),
              "language": doc.language, "published_at": doc.published,
              "relevance": doc.relevance, "seed_id": doc.seed, "first_seen_at": seen,
              "last_seen_at": seen}
    with session_factory(engine).begin() as session:
        store_article(session, ArticleRecord(url_of(doc), values))
    engine.dispose()


def test_ids_stable_and_a_new_version_updates_its_entry(tmp_path: Path) -> None:
    built = build(f"sqlite:///{tmp_path / 'archive.db'}", tmp_path / "warc")
    spec = seed_feed("000")

    def feed() -> bytes:
        out = tmp_path / "feed.atom"
        export(built.url, spec.filters, "atom", out, overwrite=True)
        return out.read_bytes()

    before = feed()
    _store(built.url, 0, DOCS[0].text, seen_days=3)  # a re-crawl: the same text
    assert feed() == before  # same ids, same updated, same bytes
    _store(built.url, 0, DOCS[0].text + " Thêm một câu mới.", seen_days=5)  # version 2
    after = _parse(feed())
    old = _parse(before)
    assert [e.id for e in after.entries] == [e.id for e in old.entries] == [url_of(DOCS[0])]
    (entry,) = after.entries
    assert entry.title == DOCS[0].title + " (cập nhật)"
    assert entry.updated == (T0 + timedelta(days=5)).isoformat()
    assert after.feed.updated == entry.updated


def test_crawler_serve_serves_the_feeds(tmp_path: Path) -> None:
    built = build(f"sqlite:///{tmp_path / 'archive.db'}", tmp_path / "warc")
    (tmp_path / "schedule.toml").write_text(SCHEDULE, encoding="utf-8")
    port = _free_port()
    command = [sys.executable, "-c", "from crawler.cli import main; main()"]
    server = subprocess.Popen([*command, "serve", "--port", str(port)], cwd=tmp_path,
                              env=_env(built.url), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/-/feeds"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/seed/003.atom", timeout=5) as response:
                    assert response.headers["Content-Type"].startswith("application/atom+xml")
                    seed = _parse(response.read())
                break
            except urllib.error.URLError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("crawler serve did not start")
                time.sleep(0.3)
        assert {e.title for e in seed.entries} == {DOCS[4].title, DOCS[5].title}
        with urllib.request.urlopen(f"{base}/treaty.atom", timeout=10) as response:
            named = _parse(response.read())
        assert [e.id for e in named.entries] == [url_of(DOCS[1]), url_of(DOCS[0])]
        assert named.feed.links[0].href == f"{base}/treaty.atom"
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"{base}/nope.atom", timeout=10)
        assert missing.value.code == 404
        assert b"no feed named 'nope'" in missing.value.read()
    finally:
        server.terminate()
        server.wait(timeout=20)
