"""Re-extraction from the WARC captures, offline, on both backends."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select, update

from crawler.db.models import Article, ArticleVersion, MinhashSignature
from crawler.db.session import make_engine, session_factory
from crawler.extraction import EXTRACTOR_VERSION
from crawler.store.reextract import reextract
from tests.test_warc import crawl

pytestmark = pytest.mark.slow


def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any name lookup but the local database's fails: re-extraction must not need one."""
    real = socket.getaddrinfo

    def local_only(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise OSError(f"network access attempted: {host}")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", local_only)


def _spoil(db_url: str) -> tuple[int, str, str]:
    """Make the archive look extracted by an older extractor: another text and title."""
    engine = make_engine(db_url)
    with session_factory(engine).begin() as session:
        article = session.scalars(select(Article).order_by(Article.id)).first()
        assert article is not None
        good_text, good_title = article.text, article.title or ""
        old = {"text": "menu | quảng cáo | " + good_text[:50], "title": "Kinh tế & Đô thị"}
        session.execute(
            update(Article)
            .where(Article.id == article.id)
            .values(**old, content_hash="0" * 64, extractor_version="0")
        )
        session.execute(
            update(ArticleVersion)
            .where(ArticleVersion.article_id == article.id)
            .values(**old, content_hash="0" * 64, extractor_version="0")
        )
        session.execute(delete(MinhashSignature).where(MinhashSignature.article_id == article.id))
    engine.dispose()
    return article.id, good_text, good_title


def test_reextract_restores_derived_records_from_warc(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    warc_dir = crawl(db_url, tmp_path, pages=40)
    article_id, good_text, good_title = _spoil(db_url)
    _no_network(monkeypatch)
    report = reextract(db_url, warc_dir)
    assert report.examined > 0
    assert report.changed == 1
    assert report.unchanged == report.examined - 1
    assert (report.missing_capture, report.no_article) == (0, 0)
    engine = make_engine(db_url)
    with session_factory(engine)() as session:
        article = session.get(Article, article_id)
        assert article is not None
        assert (article.text, article.title) == (good_text, good_title)
        assert article.extractor_version == EXTRACTOR_VERSION
        versions = session.scalars(select(ArticleVersion)).all()
        assert all(v.extractor_version == EXTRACTOR_VERSION for v in versions)
        assert all(v.reextracted_at is not None for v in versions)
        [version] = [v for v in versions if v.article_id == article_id]
        assert (version.version, version.text) == (1, good_text)  # no new version
        assert session.get(MinhashSignature, article_id) is not None  # re-indexed
    engine.dispose()


def test_reextract_reports_missing_captures(db_url: str, tmp_path: Path) -> None:
    warc_dir = crawl(db_url, tmp_path, pages=20)
    for path in warc_dir.glob("*.warc.gz"):
        path.unlink()
    report = reextract(db_url, warc_dir)
    assert report.examined > 0
    assert report.missing_capture == report.examined
    assert report.changed == 0


def test_reextract_command(sqlite_url: str, tmp_path: Path) -> None:
    from crawler.db.session import upgrade

    upgrade(sqlite_url)
    crawl(sqlite_url, tmp_path, pages=20)
    env = {**os.environ, "CRAWLER_DATABASE_URL": sqlite_url, "CRAWLER_WARC_DIR": ""}
    env.pop("CRAWLER_REPLAY_DIR", None)
    command = [sys.executable, "-c", "from crawler.cli import main; main()", "reextract"]
    result = subprocess.run(
        [*command, "--warc-dir", str(tmp_path / "warc"), "--site", "kinhtedothi"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert f"extractor {EXTRACTOR_VERSION}:" in result.stdout
    assert "0 with a missing capture" in result.stdout
    unknown = subprocess.run(
        [*command, "--site", "kinhtedothi"],
        env={**env, "CRAWLER_DATABASE_URL": f"sqlite:///{tmp_path / 'none.db'}"},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert unknown.returncode == 2
    assert "Traceback" not in unknown.stderr


def test_articles_missing_from_the_index_are_indexed(db_url: str, tmp_path: Path) -> None:
    """Articles of a v1 archive (written without signatures) join the near-duplicate index."""
    from datetime import UTC, datetime

    from crawler.db import article_sql
    from crawler.db.models import MinhashBand
    from crawler.store.dedup import ArticleRecord, store_article
    from crawler.store.fingerprints import content_hash

    engine = make_engine(db_url)
    seen = datetime(2026, 1, 1, tzinfo=UTC)
    with session_factory(engine).begin() as session:
        site_id = article_sql.ensure_site(session, "kinhtedothi", "Kinh tế & Đô thị", "vi")
        for i in range(3):
            text = f"Bài số {i} về quan hệ Nga - Nhật và hiệp ước hòa bình."
            url = f"https://kinhtedothi.vn/bai-{i}.html"
            store_article(session, ArticleRecord(
                url,
                {"url": url, "site_id": site_id, "text": text,
                 "content_hash": content_hash(text), "first_seen_at": seen, "last_seen_at": seen},
            ))  # fmt: skip
        # A v1 archive had no near-duplicate index: the write path's signatures are taken away.
        for model in (MinhashBand, MinhashSignature):
            session.execute(delete(model))
    report = reextract(db_url, tmp_path)
    assert (report.examined, report.indexed) == (0, 3)
    assert reextract(db_url, tmp_path).indexed == 0
    with session_factory(engine)() as session:
        assert len(session.scalars(select(MinhashSignature)).all()) == 3
    engine.dispose()
