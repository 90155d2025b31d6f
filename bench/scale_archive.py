"""A large generated archive, bulk-written and kept between runs (``python -m bench scale``).

The articles are :class:`bench.query.Generator`'s (80% Vietnamese, 20% Lithuanian, sentences of
the recorded web's article texts, rare names at known rates, five sites, seeds, 2013–2024), with
what a crawl leaves beside each: its canonical URL in ``article_urls``, its text claim in
``article_texts``, version 1 in ``article_versions`` (5% have two or three versions, the last
being the article's text), its MinHash signature and 40 LSH buckets. The generator's 2%
near-duplicates are light edits (5% of the words) of an earlier article, linked to its cluster.

Written in chunks of :data:`CHUNK` articles: PostgreSQL through ``COPY`` (the search trigger
computes each tsvector; the GIN index is dropped during the load and built once at the end),
SQLite through ``executemany`` in one transaction (the FTS5 triggers index each row). Both then
``ANALYZE``. The schema is the migrations' own (``upgrade``), so every trigger and index a crawl
leaves is there.

**Signatures**: computing a real MinHash costs ~2 ms an article, which would dominate the build.
Every 50th article (and every near-duplicate of one) has its real signature; the others have
random values, a near-duplicate of one of those its source's values with 10% changed. The index
has its real size and bucket spread; the store benchmark's near-duplicates are edits of the
articles with real signatures, so its candidate lookups find real matches.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bench.dedup import light_edit
from bench.query import Generator, insert_sites
from crawler.db.session import make_engine, upgrade
from crawler.store.fingerprints import NUM_PERM, Signature, content_hash, signature

CHUNK = 10_000
REAL_SIGNATURE_EVERY = 50  # ids divisible by this carry their real MinHash signature
VERSIONED_SHARE = 0.05
START = datetime(2026, 1, 1, tzinfo=UTC)
GIN_INDEX = "fts_ix_articles_document"

ARTICLE_COLUMNS = ("id", "canonical_url", "url_key", "url", "site_id", "title", "text",
                   "content_hash", "language", "published_at", "relevance", "seed_id",
                   "found_via", "depth", "first_seen_at", "last_seen_at", "version",
                   "cluster_id", "cluster_similarity")
TABLES: dict[str, tuple[str, ...]] = {
    "articles": ARTICLE_COLUMNS,
    "article_urls": ("id", "url", "article_id", "kind", "first_seen_at"),
    "article_texts": ("content_hash", "url_key", "first_seen_at"),
    "article_versions": ("id", "article_id", "version", "url", "title", "text", "content_hash",
                         "first_seen_at", "last_seen_at"),
    "minhash_signatures": ("article_id", "signature"),
    "minhash_bands": ("band", "bucket", "article_id"),
}
SEQUENCES = {"articles": "id", "article_urls": "id", "article_versions": "id"}


def _synthetic(article_id: int) -> np.ndarray[tuple[int], np.dtype[np.uint32]]:
    return np.random.default_rng(article_id).integers(0, 2**32, NUM_PERM, dtype=np.uint32)


class _Signatures:
    """Real signatures for every REAL_SIGNATURE_EVERY-th article, synthetic ones otherwise."""

    def __init__(self) -> None:
        self.real: dict[int, Signature] = {}
        self.rng = np.random.default_rng(5)

    def of(self, row: dict[str, Any]) -> Signature:
        article_id, source = row["id"], row["cluster_id"]
        if article_id % REAL_SIGNATURE_EVERY == 0 or source in self.real:
            sig = signature(row["text"])
            if article_id % REAL_SIGNATURE_EVERY == 0:
                self.real[article_id] = sig
            return sig
        if source is None:
            return Signature(_synthetic(article_id))
        values = _synthetic(source).copy()
        changed = self.rng.choice(NUM_PERM, NUM_PERM // 10, replace=False)
        values[changed] = self.rng.integers(0, 2**32, len(changed), dtype=np.uint32)
        return Signature(values)


def chunks(size: int, site_ids: dict[str, int]) -> Iterator[dict[str, list[tuple[Any, ...]]]]:
    """The archive's rows, table by table, :data:`CHUNK` articles at a time."""
    rng = random.Random(23)
    signatures = _Signatures()
    version_id = 0
    out: dict[str, list[tuple[Any, ...]]] = {t: [] for t in TABLES}
    for row in Generator().rows(size, site_ids, START):
        aid = row["id"]
        if row["cluster_id"] is not None:
            row["text"] = light_edit(row["text"], rng, 0.05)
            row["cluster_similarity"] = 0.86
        row["content_hash"] = content_hash(row["text"])
        versions = rng.choice((2, 3)) if rng.random() < VERSIONED_SHARE else 1
        row["version"] = versions
        out["articles"].append(tuple(row[c] for c in ARTICLE_COLUMNS))
        out["article_urls"].append((aid, row["url"], aid, "canonical", START))
        out["article_texts"].append((row["content_hash"], row["url_key"], START))
        lines = row["text"].split("\n")
        for version in range(1, versions + 1):
            version_id += 1
            body = "\n".join(lines[: len(lines) - (versions - version)]) or row["text"]
            digest = row["content_hash"] if version == versions else content_hash(body)
            out["article_versions"].append((version_id, aid, version, row["url"], row["title"],
                                            body, digest, START, START))
        sig = signatures.of(row)
        out["minhash_signatures"].append((aid, sig.to_bytes()))
        out["minhash_bands"] += [(band, bucket, aid) for band, bucket in sig.bands()]
        if aid % CHUNK == 0:
            yield out
            out = {t: [] for t in TABLES}
    if out["articles"]:
        yield out


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):  # as SQLAlchemy's UTCDateTime stores it on SQLite
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def _write_sqlite(engine: Engine, size: int, site_ids: dict[str, int]) -> None:
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("PRAGMA synchronous = OFF")
        for chunk in chunks(size, site_ids):
            for table, rows in chunk.items():
                columns = TABLES[table]
                marks = ", ".join("?" * len(columns))
                cur.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                                [tuple(map(_sqlite_value, r)) for r in rows])
            raw.commit()
        cur.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()


def _write_postgres(engine: Engine, size: int, site_ids: dict[str, int]) -> None:
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute(f"SELECT pg_get_indexdef('{GIN_INDEX}'::regclass)")
        gin = cur.fetchone()[0]
        cur.execute(f"DROP INDEX {GIN_INDEX}")  # built once at the end: far faster than growing
        for chunk in chunks(size, site_ids):
            for table, rows in chunk.items():
                with cur.copy(f"COPY {table} ({', '.join(TABLES[table])}) FROM STDIN") as copy:
                    for r in rows:
                        copy.write_row(r)
        cur.execute(gin)
        for table, column in SEQUENCES.items():
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                        f"(SELECT coalesce(max({column}), 1) FROM {table}))")
        raw.commit()
    finally:
        raw.close()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))


def build(database_url: str, size: int) -> dict[str, Any]:
    """Write an archive of ``size`` articles into an empty database; the seconds it took."""
    began = time.perf_counter()
    upgrade(database_url)
    engine = make_engine(database_url)
    with engine.begin() as conn:
        site_ids = insert_sites(conn)
    if engine.dialect.name == "postgresql":
        _write_postgres(engine, size, site_ids)
    else:
        _write_sqlite(engine, size, site_ids)
    engine.dispose()
    return {"articles": size, "build_seconds": round(time.perf_counter() - began, 1),
            "built_at": datetime.now(UTC).isoformat(timespec="seconds")}


def describe(info: dict[str, Any]) -> str:
    return json.dumps(info, sort_keys=True)
