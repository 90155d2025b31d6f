"""`python -m bench scale`'s bulk-built archive is what a crawl leaves, on both backends."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bench import common, scale
from bench.__main__ import main as bench_main
from bench.scale_archive import build
from crawler.db import search_sql
from crawler.db.models import Article, ArticleUrl, ArticleVersion, MinhashBand, MinhashSignature
from crawler.db.session import make_engine
from crawler.store.fingerprints import BANDS, content_hash, signature
from crawler.text.search_syntax import parse

SIZE = 300


def _folded_words(value: str) -> set[str]:
    plain = unicodedata.normalize("NFD", value.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return set(re.findall(r"[^\W_]+", plain.casefold()))


def test_bulk_archive_has_every_row_a_crawl_leaves(empty_db_url: str) -> None:
    build(empty_db_url, SIZE)
    engine = make_engine(empty_db_url)
    with Session(engine) as session:
        articles = session.execute(select(Article)).scalars().all()
        assert len(articles) == SIZE
        assert {a.language for a in articles} == {"vi", "lt"}
        assert all(a.content_hash == content_hash(a.text) for a in articles)
        copies = [a for a in articles if a.cluster_id is not None]
        assert copies and all(c.cluster_id < c.id for c in copies)
        versions = session.scalar(select(func.count()).select_from(ArticleVersion))
        assert versions == sum(a.version for a in articles) > SIZE  # some have several
        assert session.scalar(select(func.count()).select_from(ArticleUrl)) == SIZE
        assert session.scalar(select(func.count()).select_from(MinhashSignature)) == SIZE
        assert session.scalar(select(func.count()).select_from(MinhashBand)) == SIZE * BANDS
        # Every 50th article carries its real signature: the store path would find it.
        stored = session.scalar(select(MinhashSignature.signature)
                                .where(MinhashSignature.article_id == 50))
        assert stored == signature(session.get(Article, 50).text).to_bytes()  # type: ignore[union-attr]
        # The search index was built by the triggers: a common word finds exactly the
        # originals that contain it.
        expected = {a.id for a in articles if a.cluster_id is None
                    and "nga" in _folded_words(f"{a.title} {a.text}")}
        sel = search_sql.Selection(search=parse("Nga", frozenset()))
        found = session.scalars(search_sql.selected_ids(session, sel)).all()
        assert expected and set(found) == expected
    engine.dispose()


def test_archives_are_kept_reused_and_removed(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BENCH_SCALE_DIR", str(tmp_path))
    url, info = scale.sqlite_archive(120, rebuild=False)
    assert not info["reused"] and info["articles"] == 120
    again, info = scale.sqlite_archive(120, rebuild=False)
    assert again == url and info["reused"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["archive-120.db", "archive-120.json"]
    monkeypatch.delenv("CRAWLER_TEST_POSTGRES_URL", raising=False)
    monkeypatch.delenv("BENCH_SCALE_POSTGRES_URL", raising=False)
    monkeypatch.setattr(common, "RESULTS_DIR", tmp_path / "results")
    assert bench_main(["scale", "--size", "120", "--remove"]) == 0
    assert list(tmp_path.iterdir()) == []  # no archive left, and no results file written
