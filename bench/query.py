"""Search and export on a generated archive of 100,000 Vietnamese and Lithuanian articles.

The archive is generated from the recorded web's article texts (tests/web, extracted by the
crawler's own extraction): each article draws 6–20 sentences of its language, one word in
twenty swapped for another word of that language, rare names sprinkled in at known rates;
sites, seeds, dates (2013–2024) and relevance vary; 2% are near-duplicates of an earlier
article. It is written through SQL inserts (the migration's triggers build the full-text
index, as on every write).

Measured: a mix of rare and common terms, phrases, typed diacritics, Lithuanian stems, OR and
NOT, with and without filters, and filter-only listings, each run 5 times after a warm-up,
through :func:`crawler.read.query.search_in` (search, the page of articles, snippets, the total);
the headline is SQLite's median. The baseline is the plain ``LIKE`` scan a database without a
full-text index would need for the single-word queries. Then ``crawler export --format
jsonl`` of the whole archive and of its first 1,000 articles in a subprocess each: peak
memory (maximum resident set) should not grow with the archive.

PostgreSQL runs beside SQLite when ``BENCH_QUERY_POSTGRES_URL`` (or
``CRAWLER_TEST_POSTGRES_URL``) names a server; a database is created and dropped there.
``--limit N`` generates N articles instead of 100,000.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, insert, or_, select, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.orm import Session

from bench.common import (
    REPO,
    WEB_DIR,
    console,
    headline,
    load_labels,
    print_table,
    recorded_file,
    time_stats,
)
from crawler.db.models import Article, Site
from crawler.db.session import make_engine, upgrade
from crawler.read.query import Filters, search_in

TOTAL = 100_000
REPEATS = 5
SITES = {"vi": ["dantri", "kinhtedothi", "baoquocte", "huengaynay"], "lt": ["15min"]}
SEEDS = {"vi": ["000", "001", "003", "004"], "lt": ["002", "003", "004"]}
# Rare names and their rates (per article of that language).
# Rare names and their rates (per article of that language); none occurs in the recorded web.
RARE = {"vi": [("Đà Nẵng", 0.004), ("Cam Ranh", 0.001), ("Kaliningrad", 0.002)],
        "lt": [("Klaipėdoje", 0.003), ("Šiauliuose", 0.002), ("Kamčiatkoje", 0.001)]}
QUERIES: list[tuple[str, Filters, str | None]] = [
    ("common vi word", Filters(text="Nga"), None),
    ("common, folded", Filters(text="Nhat Ban"), None),
    ("common, typed diacritics", Filters(text="Nhật Bản"), None),
    ("name in both languages", Filters(text="Putin"), None),
    ("Lithuanian stem", Filters(text="Rusija"), None),
    ("phrase", Filters(text='"hiệp ước hòa bình"'), None),
    ("two common folded words", Filters(text="Da Nang"), None),
    ("rare name", Filters(text="Kaliningrad"), None),
    ("rare phrase", Filters(text='"Cam Ranh"'), None),
    ("rare OR rare", Filters(text="Kamčiatkoje OR Šiauliuose"), None),
    ("NOT", Filters(text="NATO -Rusija"), None),
    ("common + site", Filters(text="Nga", sites=("dantri",)), None),
    ("common + language, by date", Filters(text="Putin", languages=("lt",)), "date"),
    ("common, by date", Filters(text="Nhật Bản"), "date"),
    ("common + dates", Filters(text="Nhat Ban", since="2018", until="2019"), None),
    ("phrase + seed + relevance",
     Filters(text='"Nga - Nhật"', seeds=("000",), min_relevance=0.6), None),
    ("rare + site", Filters(text="Đà Nẵng", sites=("dantri",)), None),
    ("filters only: site, by date", Filters(sites=("15min",)), "date"),
    ("filters only: seed + since", Filters(seeds=("001",), since="2020"), "date"),
    ("filters only: relevance order", Filters(min_relevance=0.8), "relevance"),
]
BASELINE_WORDS = ["Nga", "Putin", "Kaliningrad", "NATO"]


# --- the generated archive -------------------------------------------------------------------
def _pools() -> dict[str, list[str]]:
    from crawler.extraction import extract

    pools: dict[str, list[str]] = {"vi": [], "lt": []}
    for url in load_labels(WEB_DIR):
        path = recorded_file(url)
        article = extract(path.read_bytes(), url) if path else None
        if article is None or article.language not in pools:
            continue
        for sentence in re.split(r"(?<=[.!?…])\s+", article.text):
            if len(sentence.split()) >= 5:
                pools[article.language].append(sentence)
    return pools


class Generator:
    def __init__(self, seed: int = 11) -> None:
        self.rng = random.Random(seed)
        self.pools = _pools()
        self.words = {lang: [w for s in pool for w in s.split()]
                      for lang, pool in self.pools.items()}

    def _text(self, lang: str) -> str:
        rng, words = self.rng, self.words[lang]
        sentences = rng.sample(self.pools[lang], rng.randint(6, min(20, len(self.pools[lang]))))
        out = []
        for sentence in sentences:
            tokens = [rng.choice(words) if rng.random() < 0.05 else t for t in sentence.split()]
            out.append(" ".join(tokens))
        for name, rate in RARE[lang]:
            if rng.random() < rate:
                out.insert(rng.randrange(len(out) + 1), f"{name} {rng.choice(self.pools[lang])}")
        return "\n".join(out)

    def rows(
        self, total: int, site_ids: dict[str, int], start: datetime
    ) -> Iterator[dict[str, Any]]:
        rng = self.rng
        texts: list[str] = []
        for i in range(1, total + 1):
            lang = "vi" if rng.random() < 0.8 else "lt"
            text = self._text(lang)
            cluster = None
            if i > 100 and rng.random() < 0.02:
                cluster = rng.randrange(1, i)
                text = texts[cluster - 1]
            texts.append(text)
            site = rng.choice(SITES[lang])
            title = " ".join(text.split()[: rng.randint(8, 14)])
            minutes = rng.randrange(6_300_000)  # 2013 to 2024
            published = datetime(2013, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes)
            url = f"https://{site}.example/{i}.html"  # already its own key (normalised)
            yield {
                "id": i, "canonical_url": url, "url_key": url, "url": url,
                "site_id": site_ids[site],
                "title": title, "text": text, "content_hash": f"{i:064x}", "language": lang,
                "published_at": published, "relevance": round(rng.betavariate(3, 3), 4),
                "seed_id": rng.choice(SEEDS[lang]),
                "found_via": rng.choice(["feed", "link", "section"]),
                "depth": rng.randint(0, 4), "first_seen_at": start, "last_seen_at": start,
                "version": 1, "cluster_id": cluster, "cluster_similarity": 0.8 if cluster else None,
            }


def insert_sites(conn: Connection) -> dict[str, int]:
    """The generated archive's sites; key -> id."""
    return {key: conn.execute(insert(Site).values(key=key, name=key, language=lang)
                              .returning(Site.id)).scalar_one()
            for lang, keys in SITES.items() for key in keys}


def build(database_url: str, total: int) -> float:
    """Generate the archive; returns the seconds it took to write."""
    upgrade(database_url)
    engine = make_engine(database_url)
    began = time.perf_counter()
    with engine.begin() as conn:
        site_ids = insert_sites(conn)
        batch: list[dict[str, Any]] = []
        for row in Generator().rows(total, site_ids, datetime(2026, 1, 1, tzinfo=UTC)):
            batch.append(row)
            if len(batch) == 2000:
                conn.execute(insert(Article), batch)
                batch = []
        if batch:
            conn.execute(insert(Article), batch)
        if engine.dialect.name == "postgresql":
            conn.execute(text("ANALYZE articles"))
        else:
            conn.execute(text("ANALYZE"))
    engine.dispose()
    return time.perf_counter() - began


# --- measurements ----------------------------------------------------------------------------
def time_queries(
    database_url: str, queries: list[tuple[str, Filters, str | None]] | None = None
) -> dict[str, Any]:
    """Each query timed :data:`REPEATS` times after a warm-up (:data:`QUERIES` by default)."""
    engine = make_engine(database_url)
    per_query: dict[str, dict[str, Any]] = {}
    every: list[float] = []
    with Session(engine) as session:
        for label, filters, sort in QUERIES if queries is None else queries:
            search_in(session, filters, sort=sort)  # type: ignore[arg-type]  # warm-up
            times = []
            for _ in range(REPEATS):
                began = time.perf_counter()
                result = search_in(session, filters, sort=sort)  # type: ignore[arg-type]
                times.append(time.perf_counter() - began)
            every += times
            per_query[label] = {**time_stats(times), "matches": result.total,
                                "matches_exact": result.total_exact}
    engine.dispose()
    return {"all": time_stats(every), "queries": per_query}


def time_like_scan(database_url: str) -> dict[str, float]:
    """What a single-word search costs without a full-text index: LIKE over every text."""
    engine = make_engine(database_url)
    times = []
    with Session(engine) as session:
        for word in BASELINE_WORDS:
            pattern = f"%{word}%"
            query = (select(Article.id).where(or_(Article.title.like(pattern),
                                                  Article.text.like(pattern)))
                     .order_by(Article.published_at.desc()).limit(20))
            session.execute(query).all()
            began = time.perf_counter()
            session.execute(query).all()
            session.scalar(select(func.count()).select_from(query.limit(None).subquery()))
            times.append(time.perf_counter() - began)
    engine.dispose()
    return time_stats(times)


# The child's own peak: VmHWM belongs to the process image, so it does not count the parent's
# pages that a fork shares before exec (ru_maxrss of a child does).
_PEAK = (
    "import atexit, os\n"
    "def _peak():\n"
    "    with open('/proc/self/status') as f:\n"
    "        peak = next(line.split()[1] for line in f if line.startswith('VmHWM'))\n"
    "    with open(os.environ['BENCH_PEAK_FILE'], 'w') as out:\n"
    "        out.write(peak)\n"
    "atexit.register(_peak)\n"
    "from crawler.cli import main\n"
    "main()\n"
)


def export_memory(database_url: str, workdir: Path) -> dict[str, Any]:
    """Peak memory of `crawler export --format jsonl`: the first 1,000 articles, then all."""
    out: dict[str, Any] = {}
    for label, extra in (("first 1,000", ["--limit", "1000"]), ("whole archive", [])):
        target = workdir / f"export-{uuid.uuid4().hex[:6]}.jsonl"
        peak = workdir / "peak.txt"
        env = {**os.environ, "CRAWLER_DATABASE_URL": database_url, "PYTHONPATH": str(REPO),
               "BENCH_PEAK_FILE": str(peak)}
        began = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", _PEAK, "export", "--format", "jsonl", "--output", str(target),
             *extra],
            env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        with target.open(encoding="utf-8") as lines:
            articles = sum(1 for _ in lines)
        out[label] = {"articles": articles, "seconds": round(time.perf_counter() - began, 1),
                      "peak_rss_mb": round(int(peak.read_text()) / 1024, 1),
                      "file_mb": round(target.stat().st_size / 2**20, 1)}
        target.unlink()
    out["growth"] = round(out["whole archive"]["peak_rss_mb"] / out["first 1,000"]["peak_rss_mb"],
                          3)
    return out


@contextmanager
def _postgres() -> Iterator[str | None]:
    server = (os.environ.get("BENCH_QUERY_POSTGRES_URL")
              or os.environ.get("CRAWLER_TEST_POSTGRES_URL"))
    if not server:
        yield None
        return
    admin_url = make_url(server).set(drivername="postgresql+psycopg")
    name = f"bench_query_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run(args: argparse.Namespace) -> dict[str, Any]:
    total = args.limit or TOTAL
    results: dict[str, Any] = {"articles": total, "repeats": REPEATS}
    with tempfile.TemporaryDirectory(prefix="bench-query-") as tmp, _postgres() as pg:
        backends = {"sqlite": f"sqlite:///{Path(tmp) / 'archive.db'}"}
        if pg:
            backends["postgresql"] = pg
        for backend, url in backends.items():
            console.print(f"{backend}: generating {total:,} articles")
            seconds = build(url, total)
            console.print(f"{backend}: written in {seconds:.0f} s; timing {len(QUERIES)} queries")
            results[backend] = {"build_seconds": round(seconds, 1), **time_queries(url),
                                "like_scan": time_like_scan(url),
                                "export": export_memory(url, Path(tmp))}
    measured = [b for b in ("sqlite", "postgresql") if b in results]
    rows = [[label, *(results[b]["queries"][label][k] for b in measured
                      for k in ("median_ms", "p95_ms")),
             results["sqlite"]["queries"][label]["matches"]]
            for label, _, _ in QUERIES]
    columns = ["query", *(f"{b} {k}" for b in measured for k in ("median ms", "p95 ms")),
               "matches"]
    print_table(f"search on {total:,} articles", columns, rows)
    sqlite = results["sqlite"]
    return {
        "headline": headline(
            "median ms per search (SQLite)", sqlite["all"]["median_ms"],
            "median under 20 ms, p95 under 100 ms", sqlite["like_scan"]["median_ms"],
            "LIKE scan, no full-text index", p95_ms=sqlite["all"]["p95_ms"],
            postgresql=results.get("postgresql", {}).get("all"),
            export_peak_rss_growth=sqlite["export"]["growth"],
        ),
        **results,
    }
