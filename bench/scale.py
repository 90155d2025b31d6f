"""The archive at 10,000, 100,000 and 1,000,000 articles: build, disk, search, store, stats, export.

Each size is a generated archive (:mod:`bench.scale_archive`), built once per backend and kept:
SQLite in ``$BENCH_SCALE_DIR`` (default ``.bench-scale/`` in the repository, ignored by git) as
``archive-N.db``, PostgreSQL as database ``bench_scale_N`` on the server that
``BENCH_SCALE_POSTGRES_URL`` (or ``CRAWLER_TEST_POSTGRES_URL``) names, its build record in the
database's comment. ``--size N`` (repeatable; default 10,000 and 100,000) picks the sizes,
``--rebuild`` builds them again, ``--remove`` deletes them and measures nothing. A 1,000-article
archive is built too: the store figure compares against it.

Measured at each size, on each backend:

- **build**: seconds to write the archive (recorded when it was built), and bytes per article:
  the articles table, the full-text index, the near-duplicate index, the whole database;
- **search**: :data:`QUERIES` through :func:`crawler.read.query.search_in` (the search, the page,
  snippets, the count), each 5 times after a warm-up: median and p95; beside it a ``LIKE`` scan
  of the same words (3 times each, once at 1,000,000);
- **store**: 500 articles through :func:`crawler.store.dedup.store_article` in batches of 50 per
  transaction (as the pipeline writes), 10% of them light edits of archived articles: the median
  ms per article, and its ratio to the same into the 1,000-article archive; the stored rows are
  deleted again afterwards, so the archive stays as built;
- **stats**: :func:`crawler.read.stats.stats` (``crawler stats``) and the seeds' timelines drawn
  from it (:func:`crawler.read.timeline.html_page`), median of 3;
- **export**: ``crawler export --format jsonl`` of the first 1,000 articles and of all of them,
  peak resident memory (:func:`bench.query.export_memory`).

The headline is PostgreSQL's median search at the largest size run (SQLite's beside it).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, delete, func, or_, select, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

from bench.common import REPO, console, headline, print_table, time_stats
from bench.dedup import light_edit
from bench.query import Generator, export_memory, time_queries
from bench.scale_archive import START, build
from crawler.db.models import (
    Article,
    ArticleText,
    ArticleUrl,
    ArticleVersion,
    MinhashBand,
    MinhashSignature,
)
from crawler.db.session import make_engine, session_factory
from crawler.read.query import Filters
from crawler.read.stats import stats
from crawler.read.timeline import html_page
from crawler.store.dedup import ArticleRecord, store_article
from crawler.store.fingerprints import content_hash

DEFAULT_SIZES = (10_000, 100_000)
BASE_SIZE = 1_000  # the store figure's reference archive
STORED = 500
BATCH = 50
QUERIES: list[tuple[str, Filters, str | None]] = [
    ("common word", Filters(text="Nga"), None),
    ("common word, by date", Filters(text="Nga"), "date"),
    ("rare word", Filters(text="Kaliningrad"), None),
    ("rare word, by date", Filters(text="Kaliningrad"), "date"),
    ("phrase", Filters(text='"hiệp ước hòa bình"'), None),
    ("Vietnamese without diacritics", Filters(text="Nhat Ban"), None),
    ("Lithuanian, inflected", Filters(text="Rusija"), None),
    ("common + site", Filters(text="Nga", sites=("dantri",)), None),
    ("common + site, by date", Filters(text="Nga", sites=("dantri",)), "date"),
    ("common + year", Filters(text="Nhat Ban", since="2018", until="2018"), None),
    ("Lithuanian + seed", Filters(text="Rusija", seeds=("002",)), None),
    ("rare + site + year", Filters(text="Kaliningrad", sites=("dantri",), since="2016"), None),
    ("phrase + seed, by date", Filters(text='"hiệp ước hòa bình"', seeds=("000",)), "date"),
]
LIKE_WORDS = ["Nga", "Kaliningrad", "hiệp ước hòa bình", "Nhật Bản", "Rusij"]


# --- archives kept between runs --------------------------------------------------------------
def _scale_dir() -> Path:
    return Path(os.environ.get("BENCH_SCALE_DIR") or REPO / ".bench-scale")


def _server() -> str | None:
    server = (os.environ.get("BENCH_SCALE_POSTGRES_URL")
              or os.environ.get("CRAWLER_TEST_POSTGRES_URL"))
    if not server:
        return None
    return make_url(server).set(drivername="postgresql+psycopg").render_as_string(
        hide_password=False)


def sqlite_archive(size: int, rebuild: bool, remove: bool = False) -> tuple[str, dict[str, Any]]:
    path = _scale_dir() / f"archive-{size}.db"
    record = path.with_suffix(".json")
    partial = path.with_suffix(".partial.db")
    if rebuild or remove:
        for stale in (path, record, partial):
            stale.unlink(missing_ok=True)
    if remove:
        return "", {}
    if path.exists() and record.exists():
        return f"sqlite:///{path}", {**json.loads(record.read_text()), "reused": True}
    path.parent.mkdir(parents=True, exist_ok=True)
    partial.unlink(missing_ok=True)
    console.print(f"sqlite: building {size:,} articles in {path}")
    info = build(f"sqlite:///{partial}", size)
    partial.rename(path)  # only a finished archive has the final name
    record.write_text(json.dumps(info))
    return f"sqlite:///{path}", {**info, "reused": False}


def postgres_archive(server: str, size: int, rebuild: bool,
                     remove: bool = False) -> tuple[str, dict[str, Any]]:
    name, partial = f"bench_scale_{size}", f"bench_scale_{size}_partial"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if rebuild or remove:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            if remove:
                return "", {}
            comment = conn.scalar(text(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                "WHERE datname = :name"), {"name": name})
            url = make_url(server).set(database=name).render_as_string(hide_password=False)
            if comment:
                return url, {**json.loads(comment), "reused": True}
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'DROP DATABASE IF EXISTS "{partial}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{partial}"'))
        console.print(f"postgresql: building {size:,} articles in database {name}")
        info = build(make_url(server).set(database=partial).render_as_string(
            hide_password=False), size)
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{partial}" RENAME TO "{name}"'))
            conn.execute(text(f"COMMENT ON DATABASE \"{name}\" IS '{json.dumps(info)}'"))
        return url, {**info, "reused": False}
    finally:
        admin.dispose()


# --- disk ------------------------------------------------------------------------------------
def _sqlite_bytes(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        owner = dict(conn.execute(text("SELECT name, tbl_name FROM sqlite_master")).all())
        pages = conn.execute(text("SELECT name, sum(pgsize) FROM dbstat GROUP BY name")).all()
        total = conn.scalar(text("SELECT page_count * page_size FROM pragma_page_count(), "
                                 "pragma_page_size()"))
    out = {"articles_table": 0, "full_text_index": 0, "near_duplicate_index": 0}
    for name, size in pages:
        table = owner.get(name, name)
        if name.startswith("fts_") or table.startswith("fts_"):
            out["full_text_index"] += size
        elif table in ("minhash_signatures", "minhash_bands"):
            out["near_duplicate_index"] += size
        elif name == "articles":
            out["articles_table"] += size
    return {**out, "database": int(total or 0)}


def _postgres_bytes(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        row = conn.execute(text(
            "SELECT pg_table_size('articles'), "
            "(SELECT sum(pg_column_size(fts_document)) FROM articles), "
            "pg_relation_size('fts_ix_articles_document') "
            "+ coalesce(pg_relation_size(to_regclass('fts_ix_articles_newest')), 0), "
            "pg_total_relation_size('minhash_signatures') "
            "+ pg_total_relation_size('minhash_bands'), "
            "pg_database_size(current_database())")).one()
    return {"articles_table": int(row[0]), "of_which_tsvector": int(row[1] or 0),
            "full_text_index": int(row[2]), "near_duplicate_index": int(row[3]),
            "database": int(row[4])}


def disk(url: str, size: int) -> dict[str, Any]:
    engine = make_engine(url)
    try:
        raw = (_postgres_bytes if engine.dialect.name == "postgresql" else _sqlite_bytes)(engine)
    finally:
        engine.dispose()
    return {"bytes": raw, "bytes_per_article": {k: round(v / size) for k, v in raw.items()}}


# --- search ----------------------------------------------------------------------------------
def time_like(url: str, size: int) -> dict[str, Any]:
    """The scan a database without a full-text index needs: the newest 20 and the count."""
    engine = make_engine(url)
    repeats = 1 if size >= 1_000_000 else 3
    times: list[float] = []
    with Session(engine) as session:
        for word in LIKE_WORDS:
            pattern = f"%{word}%"
            query = (select(Article.id).where(or_(Article.title.like(pattern),
                                                  Article.text.like(pattern)))
                     .order_by(Article.published_at.desc()).limit(20))
            for _ in range(repeats):
                began = time.perf_counter()
                session.execute(query).all()
                session.scalar(select(func.count()).select_from(query.limit(None).subquery()))
                times.append(time.perf_counter() - began)
    engine.dispose()
    return {**time_stats(times), "runs": len(times)}


# --- store -----------------------------------------------------------------------------------
def time_store(url: str, size: int) -> dict[str, Any]:
    """ms per article of :data:`STORED` articles through the write path, then removed again."""
    gen = Generator(seed=97)
    rng = random.Random(97)
    engine = make_engine(url)
    sessions = session_factory(engine)
    with sessions() as session:
        sources = session.execute(select(Article.text, Article.site_id).where(
            Article.id % 50 == 0, Article.cluster_id.is_(None)).order_by(Article.id.desc())
            .limit(STORED // 10)).all()
    per_article: list[float] = []
    outcomes: dict[str, int] = {}
    new_ids: list[int] = []
    try:
        for first in range(0, STORED, BATCH):
            records = []
            for n in range(first, first + BATCH):
                lang = "vi" if rng.random() < 0.8 else "lt"
                body = gen._text(lang)
                site_id = 1
                if n % 10 == 0 and sources:
                    source_text, site_id = sources[(n // 10) % len(sources)]
                    body = light_edit(source_text, rng, 0.05)
                seen = START
                key = f"https://store.example/{size}/{n}.html"
                records.append(ArticleRecord(key, {
                    "url": key, "site_id": site_id, "title": " ".join(body.split()[:10]),
                    "text": body, "content_hash": content_hash(body), "language": lang,
                    "first_seen_at": seen, "last_seen_at": seen}))
            began = time.perf_counter()
            with sessions.begin() as session:
                for record in records:
                    result = store_article(session, record)
                    outcomes[result.outcome] = outcomes.get(result.outcome, 0) + 1
                    new_ids.append(result.article_id)
            per_article += [(time.perf_counter() - began) / BATCH] * BATCH
    finally:
        _remove_stored(sessions, [i for i in new_ids if i > size])
        engine.dispose()
    return {"median_ms": round(statistics.median(per_article) * 1000, 3),
            "p95_ms": time_stats(per_article)["p95_ms"], "outcomes": outcomes}


def _remove_stored(sessions: Any, ids: list[int]) -> None:
    if not ids:
        return
    with sessions.begin() as session:
        keys = select(Article.url_key).where(Article.id.in_(ids)).scalar_subquery()
        session.execute(delete(ArticleText).where(ArticleText.url_key.in_(keys)))
        for table in (MinhashBand, MinhashSignature, ArticleVersion, ArticleUrl):
            session.execute(delete(table).where(table.article_id.in_(ids)))
        session.execute(delete(Article).where(Article.id.in_(ids)))


# --- stats and timelines ---------------------------------------------------------------------
def time_stats_report(url: str) -> dict[str, Any]:
    report_times, timeline_times = [], []
    for _ in range(3):
        began = time.perf_counter()
        report = stats(url)
        middle = time.perf_counter()
        html_page(report)
        timeline_times.append(time.perf_counter() - began)
        report_times.append(middle - began)
    return {"stats_ms": round(statistics.median(report_times) * 1000, 1),
            "stats_and_timelines_ms": round(statistics.median(timeline_times) * 1000, 1)}



# --- the run ---------------------------------------------------------------------------------
def _measure(url: str, size: int, info: dict[str, Any], base_store: float | None,
             workdir: Path) -> dict[str, Any]:
    out: dict[str, Any] = {"build": info, **disk(url, size)}
    console.print(f"  timing {len(QUERIES)} queries")
    out["search"] = time_queries(url, QUERIES)
    out["like_scan"] = time_like(url, size)
    console.print(f"  storing {STORED} articles")
    out["store"] = time_store(url, size)
    if base_store:
        out["store"]["ratio_to_1000"] = round(out["store"]["median_ms"] / base_store, 3)
    out["stats"] = time_stats_report(url)
    console.print("  exporting")
    out["export"] = export_memory(url, workdir)
    return out


def run(args: argparse.Namespace) -> dict[str, Any] | None:
    sizes = sorted(set(getattr(args, "size", None) or DEFAULT_SIZES))
    rebuild, remove = getattr(args, "rebuild", False), getattr(args, "remove", False)
    server = _server()
    if remove:
        for size in sizes:
            sqlite_archive(size, rebuild, remove=True)
            if server:
                postgres_archive(server, size, rebuild, remove=True)
        console.print(f"removed the archives of {', '.join(map(str, sizes))} articles")
        return None
    results: dict[str, Any] = {"sizes": sizes, "load_average": os.getloadavg()}
    backends = ["sqlite", *(["postgresql"] if server else [])]
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        for backend in backends:
            def archive(n: int, fresh: bool, backend: str = backend) -> tuple[str, dict[str, Any]]:
                if backend == "sqlite":
                    return sqlite_archive(n, fresh)
                assert server
                return postgres_archive(server, n, fresh)

            base_url, _ = archive(BASE_SIZE, False)
            base_store = time_store(base_url, BASE_SIZE)
            results[backend] = {"store_at_1000": base_store}
            for size in sizes:
                url, info = archive(size, rebuild)
                console.print(f"{backend}, {size:,} articles "
                              f"({'reused' if info['reused'] else 'built'}: "
                              f"{info['build_seconds']} s)")
                results[backend][str(size)] = _measure(url, size, info, base_store["median_ms"],
                                                       Path(tmp))
    results["load_average_after"] = os.getloadavg()
    _print(results, backends, sizes)
    largest = str(sizes[-1])
    main = results.get("postgresql", results["sqlite"])[largest]
    sqlite = results["sqlite"][largest]
    return {
        "headline": headline(
            f"median ms per search at {int(largest):,} articles "
            f"({'PostgreSQL' if 'postgresql' in results else 'SQLite'})",
            main["search"]["all"]["median_ms"], "median ≤ 30 ms, p95 ≤ 150 ms at 1,000,000",
            main["like_scan"]["median_ms"], "LIKE scan, no full-text index",
            p95_ms=main["search"]["all"]["p95_ms"], articles=int(largest),
            sqlite={"median_ms": sqlite["search"]["all"]["median_ms"],
                    "p95_ms": sqlite["search"]["all"]["p95_ms"]},
        ),
        **results,
    }


def _print(results: dict[str, Any], backends: list[str], sizes: list[int]) -> None:
    rows = []
    for backend in backends:
        for size in sizes:
            r = results[backend][str(size)]
            per = r["bytes_per_article"]
            rows.append([backend, f"{size:,}", r["build"]["build_seconds"], per["articles_table"],
                         per["full_text_index"], per["near_duplicate_index"], per["database"],
                         r["search"]["all"]["median_ms"], r["search"]["all"]["p95_ms"],
                         r["like_scan"]["median_ms"], r["store"]["median_ms"],
                         r["store"].get("ratio_to_1000"), r["stats"]["stats_and_timelines_ms"],
                         r["export"]["whole archive"]["peak_rss_mb"]])
    print_table("the archive by size", [
        "backend", "articles", "build s", "table B/art", "full-text B/art", "near-dup B/art",
        "db B/art", "search median ms", "p95 ms", "LIKE ms", "store ms/art", "store ×1k",
        "stats+timelines ms", "export peak MB"], rows)
    for backend in backends:
        largest = results[backend][str(sizes[-1])]["search"]["queries"]
        print_table(f"{backend}: search at {sizes[-1]:,}", ["query", "median ms", "p95 ms",
                                                            "matches"],
                    [[k, v["median_ms"], v["p95_ms"], v["matches"]] for k, v in largest.items()])
