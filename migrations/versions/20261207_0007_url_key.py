"""the URL key in its own column; canonical_url becomes the page's real canonical URL

Until now ``articles.canonical_url`` held the identity key (https forced, ``www.`` dropped),
which is not always a URL that opens (``https://127.0.0.1:PORT/`` on an http-only site). The
key moves to ``articles.url_key`` (unique) and ``article_texts.url_key`` (was
``canonical_url``); ``articles.canonical_url`` is filled with the article's real canonical URL,
chosen among the URLs already recorded for it (``articles.url`` first, then ``article_urls``):
the first whose normalised form is the key, an AMP or mobile rendering only when nothing else
is known, the key itself when no recorded URL fits. In ``article_urls`` the key keeps its row
with kind ``key`` and the chosen URL is kind ``canonical``. ``v_articles`` gains ``url_key``.

Upgrade reads every article once (in id ranges of 2,000) and writes only those whose URL
changes, a few statements per range; plain ALTER TABLE on both backends, so SQLite keeps
its search triggers.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08 00:20:00
"""

import importlib.util
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CHUNK = 2000


def _migration(name: str) -> ModuleType:
    path = Path(__file__).with_name(name)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _articles_view(with_key: bool) -> str:
    # 0003 declares v_articles, 0006 widens it, this one adds url_key after canonical_url.
    select: str = _migration("20261207_0006_credits_and_date_zone.py")._articles_view(True)
    if with_key:
        select = select.replace("a.canonical_url AS canonical_url, ",
                                "a.canonical_url AS canonical_url, a.url_key AS url_key, ")
    return select


def _shown_url(key: str, known: list[str]) -> str:
    """The URL to show for an article among those recorded for it (see the docstring)."""
    # The archive's own URL rules, as of this revision: the key is their output.
    from crawler.store.urls import is_alternate_rendering, normalize_url, strip_tracking

    fits = [u for u in (strip_tracking(k.strip()) for k in known)
            if u != key and normalize_url(u) == key]
    plain = [u for u in fits if not is_alternate_rendering(u)]
    return (plain or fits or [key])[0]


def _backfill() -> None:
    bind = op.get_bind()
    last = 0
    while True:
        rows = bind.execute(sa.text(
            "SELECT id, url_key, url FROM articles WHERE id > :last ORDER BY id LIMIT :n"),
            {"last": last, "n": _CHUNK}).all()
        if not rows:
            return
        last = rows[-1].id
        recorded: dict[int, list[str]] = defaultdict(list)
        for article_id, url in bind.execute(sa.text(
                "SELECT article_id, url FROM article_urls WHERE article_id BETWEEN :a AND :b "
                "AND kind <> 'duplicate' ORDER BY id"), {"a": rows[0].id, "b": last}):
            recorded[article_id].append(url)
        changed, recorded_shown, new_shown = [], [], []
        for row in rows:
            shown = _shown_url(row.url_key, [row.url, *recorded[row.id]])
            if shown != row.url_key:
                ids = {"id": row.id, "shown": shown, "key": row.url_key}
                changed.append(ids)
                (recorded_shown if shown in recorded[row.id] else new_shown).append(ids)
        # One statement per kind of change and chunk (executemany): a row at a time cost
        # 0.4 ms an article on SQLite and more on PostgreSQL's round trips.
        for sql, params in [
            ("UPDATE articles SET canonical_url = :shown WHERE id = :id", changed),
            ("UPDATE article_urls SET kind = 'key' WHERE article_id = :id AND url = :key",
             changed),
            ("UPDATE article_urls SET kind = 'canonical' WHERE article_id = :id AND url = :shown",
             recorded_shown),
            ("INSERT INTO article_urls (url, article_id, kind, first_seen_at) "
             "SELECT :shown, id, 'canonical', first_seen_at FROM articles WHERE id = :id",
             new_shown),
        ]:
            if params:
                bind.execute(sa.text(sql), params)


def upgrade() -> None:
    op.execute("DROP VIEW IF EXISTS v_articles")
    op.execute("ALTER TABLE article_texts RENAME COLUMN canonical_url TO url_key")
    op.execute("DROP INDEX ix_article_texts_canonical_url")
    op.create_index("ix_article_texts_url_key", "article_texts", ["url_key"])
    op.add_column("articles", sa.Column("url_key", sa.Text(), nullable=True))
    op.execute("UPDATE articles SET url_key = canonical_url")
    op.create_index("ix_articles_url_key", "articles", ["url_key"], unique=True)
    _backfill()
    op.execute(f"CREATE VIEW v_articles AS {_articles_view(with_key=True)}")


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS v_articles")
    # NOT EXISTS on the article's own row: PostgreSQL ran "url NOT IN (SELECT url_key …)" as
    # a rescan per row (over 12 minutes at 100,000 articles).
    op.execute("UPDATE article_urls SET kind = 'variant' WHERE kind = 'canonical' AND NOT EXISTS "
               "(SELECT 1 FROM articles a WHERE a.id = article_urls.article_id "
               "AND a.url_key = article_urls.url)")
    op.execute("UPDATE article_urls SET kind = 'canonical' WHERE kind = 'key'")
    op.execute("UPDATE articles SET canonical_url = url_key WHERE url_key IS NOT NULL")
    op.drop_index("ix_articles_url_key", "articles")
    op.execute("ALTER TABLE articles DROP COLUMN url_key")
    op.drop_index("ix_article_texts_url_key", "article_texts")
    op.execute("ALTER TABLE article_texts RENAME COLUMN url_key TO canonical_url")
    op.create_index("ix_article_texts_canonical_url", "article_texts", ["canonical_url"])
    op.execute(f"CREATE VIEW v_articles AS {_articles_view(with_key=False)}")
