"""Search on a generated archive: the same sets on both backends, whichever plan PostgreSQL takes.

PostgreSQL may answer a search by walking the newest-first index (migration 0008) and testing
each row's tsvector, or by taking the GIN index's matches and sorting them; both plans, and
the plans it keeps once psycopg prepares a statement, must select the same articles, and the
same ones SQLite selects.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from bench.scale import QUERIES
from bench.scale_archive import build
from crawler.db import search_sql
from crawler.db.session import make_engine
from crawler.read.query import Filters, resolve

SIZE = 600
WINDOW = 25  # small, so that common words fill the window and rare ones do not
# A phrase may run from the title's last word into the text's first on PostgreSQL only
# (docs/schema.md): the sets are compared for every query without a phrase.
WITHOUT_PHRASE = [(label, f, sort) for label, f, sort in QUERIES if '"' not in (f.text or "")]
PLANS = {
    "newest-first index": ("SET LOCAL enable_bitmapscan = off", "SET LOCAL enable_seqscan = off"),
    "GIN matches, sorted": ("SET LOCAL enable_indexscan = off", "SET LOCAL enable_seqscan = off"),
}


@pytest.fixture(scope="module")
def archives(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    sqlite = f"sqlite:///{tmp_path_factory.mktemp('window') / 'archive.db'}"
    build(sqlite, SIZE)
    yield {"sqlite": sqlite}


def _found(session: Session, filters: Filters, sort: str | None,
           monkeypatch: pytest.MonkeyPatch) -> tuple[set[int], int]:
    monkeypatch.setattr(search_sql, "RANK_WINDOW", WINDOW)
    sel = resolve(session, filters)
    found = search_sql.search(session, sel, sort or "relevance", WINDOW)  # type: ignore[arg-type]
    return {i for i, _ in found.rows}, found.total


def _everything(session: Session, filters: Filters) -> set[int]:
    sel = resolve(session, filters)
    return set(session.scalars(search_sql.selected_ids(session, sel)).all())


def test_both_backends_and_both_plans_select_the_same_articles(
    archives: dict[str, str], postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    build(postgres_url, SIZE)
    sqlite, postgres = make_engine(archives["sqlite"]), make_engine(postgres_url)
    with Session(sqlite) as lite:
        expected = {label: (_found(lite, f, sort, monkeypatch), _everything(lite, f))
                    for label, f, sort in WITHOUT_PHRASE}
    assert any(total >= WINDOW for (_, total), _ in expected.values())  # windows filled
    assert any(0 < total < WINDOW for (_, total), _ in expected.values())  # and not
    for plan, settings in PLANS.items():
        for label, filters, sort in WITHOUT_PHRASE:
            with Session(postgres) as session:
                for setting in settings:
                    session.execute(text(setting))
                # Seven runs: psycopg prepares the statement from the fifth on.
                runs = [_found(session, filters, sort, monkeypatch) for _ in range(7)]
                everything = _everything(session, filters)
            assert all(run == expected[label][0] for run in runs), (plan, label)
            assert everything == expected[label][1], (plan, label)
    sqlite.dispose()
    postgres.dispose()


def test_newest_first_index_serves_a_common_word(postgres_url: str) -> None:
    """With the GIN bitmap ruled out, the window is read through the newest-first index
    (and not by sorting a scan of every article)."""
    build(postgres_url, 200)
    engine = make_engine(postgres_url)
    with Session(engine) as session:
        session.execute(text("SET LOCAL enable_bitmapscan = off"))
        session.execute(text("SET LOCAL enable_seqscan = off"))
        sel = resolve(session, Filters(text="Nga"))
        a = search_sql.articles.c
        ordered = search_sql.selected_ids(session, sel).order_by(
            a.published_at.desc().nulls_last(), a.id.desc()).limit(WINDOW)
        compiled = ordered.compile(session.get_bind())
        plan = "\n".join(r[0] for r in session.connection().exec_driver_sql(
            f"EXPLAIN {compiled}", compiled.params).all())
    engine.dispose()
    assert "fts_ix_articles_newest" in plan and "Sort" not in plan
