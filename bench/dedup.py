"""Store-and-dedup cost as the archive grows, and the near-duplicate threshold's justification.

1. **Scale.** A generated archive of 100,000 articles (news-like word statistics, stock agency
   sentences, 3% lightly edited copies, 1% exact copies under new URLs) is stored through the
   real write path (:func:`crawler.store.dedup.store_article`, batches of 50 per
   transaction, as the pipeline does) into SQLite, or PostgreSQL when
   ``BENCH_DEDUP_DATABASE_URL`` names one. The
   per-article cost is the median over the 500 articles up to the 1,000th and up to the
   100,000th. Goal: the second at most twice the first. ``--limit N`` caps the archive at N.
2. **Threshold.** On the recorded web: every labelled article against every other (negatives,
   the labelled syndicated pair excepted) and against lightly edited copies of itself
   (positives); false links and recall of the full mechanism (LSH candidates, then the
   estimated similarity) at each threshold.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import WEB_DIR, console, headline, load_labels, print_table, recorded_file
from crawler.config import DEDUP_THRESHOLD
from crawler.db import article_sql
from crawler.db.session import make_engine, session_factory, upgrade
from crawler.extraction import extract
from crawler.store.dedup import (
    ArticleRecord,
    Signature,
    content_hash,
    jaccard,
    signature,
    store_article,
)

BATCH = 50
WINDOW = 500
T0 = datetime(2026, 1, 1, tzinfo=UTC)
THRESHOLDS = [round(0.2 + 0.05 * i, 2) for i in range(14)]


# --- 1. scale --------------------------------------------------------------------------------
class Generator:
    """Articles with a Zipf vocabulary, shared stock sentences, edited and exact copies."""

    def __init__(self, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        vocabulary = [f"w{i}" for i in range(60_000)]
        weights = [1 / (rank + 1) ** 1.05 for rank in range(len(vocabulary))]
        self.words = self.rng.choices(vocabulary, weights, k=2_000_000)  # a sampling pool
        self.stock = [" ".join(self._words(12)) + "." for _ in range(300)]
        self.texts: list[str] = []
        self.copies: dict[int, int] = {}  # index of an edited copy -> index of its source

    def _words(self, n: int) -> list[str]:
        start = self.rng.randrange(len(self.words) - n)
        return self.rng.sample(self.words[start : start + 20 * n], n)

    def article(self, i: int) -> tuple[str, str]:
        roll = self.rng.random()
        if i > 100 and roll < 0.03:
            source = self.rng.randrange(i)
            text = light_edit(self.texts[source], self.rng, 0.05)
            self.copies[i] = source
        elif i > 100 and roll < 0.04:
            text = self.texts[self.rng.randrange(i)]  # an exact copy under a new URL
        else:
            paragraphs = [" ".join(self._words(self.rng.randint(30, 70))) for _ in range(6)]
            paragraphs.insert(self.rng.randrange(6), self.rng.choice(self.stock))
            text = "\n".join(paragraphs)
        self.texts.append(text)
        return f"https://site{i % 7}.vn/bai-{i}.html", text


def light_edit(text: str, rng: random.Random, rate: float) -> str:
    """Replace a share of the words (a copy-editor's pass)."""
    words = text.split(" ")
    for k in rng.sample(range(len(words)), int(len(words) * rate)):
        words[k] = f"sửa{rng.randrange(1000)}"
    return " ".join(words)


def _record(url: str, text: str, site_id: int, n: int) -> ArticleRecord:
    seen = T0 + timedelta(seconds=n)
    values = {
        "url": url,
        "site_id": site_id,
        "title": f"Bài {n}",
        "text": text,
        "content_hash": content_hash(text),
        "first_seen_at": seen,
        "last_seen_at": seen,
    }
    return ArticleRecord(url, values, [])


def run_scale(database_url: str, total: int) -> dict[str, Any]:
    upgrade(database_url)
    engine = make_engine(database_url)
    sessions = session_factory(engine)
    gen = Generator()
    with sessions.begin() as session:
        site_id = article_sql.ensure_site(session, "bench", "bench", "vi")
    per_article: list[float] = []  # seconds, one entry per article (its batch's mean)
    links: dict[int, int | None] = {}
    ids: dict[int, int] = {}
    outcomes: dict[str, int] = {}
    started = time.perf_counter()
    for first in range(0, total, BATCH):
        batch = [gen.article(n) for n in range(first, min(total, first + BATCH))]
        t = time.perf_counter()
        with sessions.begin() as session:
            for offset, (url, text) in enumerate(batch):
                result = store_article(session, _record(url, text, site_id, first + offset))
                ids[first + offset] = result.article_id
                links[first + offset] = result.cluster_id
                outcomes[result.outcome] = outcomes.get(result.outcome, 0) + 1
        per_article += [(time.perf_counter() - t) / len(batch)] * len(batch)
        if (first + BATCH) % 10_000 == 0:
            console.print(f"  {first + BATCH:>7} articles, {time.perf_counter() - started:.0f} s")
    engine.dispose()
    found = sum(
        1 for i, src in gen.copies.items() if links[i] in (ids[src], _cluster(links, ids, src))
    )
    marks = sorted({min(1_000, total), total})
    at = {m: statistics.median(per_article[max(0, m - WINDOW) : m]) * 1000 for m in marks}
    return {
        "articles": total,
        "outcomes": outcomes,
        "ms_per_article": {str(m): round(v, 3) for m, v in at.items()},
        "edited_copies": len(gen.copies),
        "edited_copies_linked": found,
        "total_seconds": round(time.perf_counter() - started, 1),
    }


def _cluster(links: dict[int, int | None], ids: dict[int, int], source: int) -> int | None:
    return links.get(source) or ids.get(source)


# --- 2. threshold ----------------------------------------------------------------------------
EDITS: dict[str, Callable[[str, random.Random], str]] = {
    "agency credit and links added": lambda t, r: f"Theo TTXVN\n{t}\nTin liên quan: Nga - Nhật",
    "last fifth cut": lambda t, r: t[: int(len(t) * 0.8)],
    "lead paragraph rewritten": lambda t, r: "\n".join(
        [light_edit(t.split("\n")[0], r, 0.6), *t.split("\n")[1:]]
    ),
    "5% of words edited": lambda t, r: light_edit(t, r, 0.05),
    "10% of words edited": lambda t, r: light_edit(t, r, 0.10),
    "20% of words edited": lambda t, r: light_edit(t, r, 0.20),
}


def _linked(a: Signature, b: Signature, threshold: float) -> bool:
    candidate = bool(set(a.bands()) & set(b.bands()))
    return candidate and a.similarity(b) >= threshold


def run_threshold(limit: int | None) -> dict[str, Any]:
    labels = load_labels(WEB_DIR)
    texts: dict[str, str] = {}
    for url in itertools.islice(labels, limit):
        path = recorded_file(url)
        article = extract(path.read_bytes(), url) if path else None
        if article is not None:
            texts[url] = article.text
    syndicated = {
        frozenset((u, str(label["syndicated_with"])))
        for u, label in labels.items()
        if label.get("syndicated_with")
    }
    sigs = {u: signature(t) for u, t in texts.items()}
    negatives = [
        (a, b) for a, b in itertools.combinations(texts, 2) if frozenset((a, b)) not in syndicated
    ]
    rng = random.Random(3)
    positives: dict[str, list[tuple[Signature, Signature, float]]] = {}
    for name, edit in EDITS.items():
        positives[name] = []
        for text in texts.values():
            copy = edit(text, rng)
            positives[name].append((signature(text), signature(copy), jaccard(text, copy)))
    pairs = [
        (sigs[a], sigs[b]) for a, b in (tuple(p) for p in syndicated) if a in sigs and b in sigs
    ]
    rows = []
    for t in THRESHOLDS:
        row: dict[str, Any] = {"threshold": t}
        row["false_links"] = sum(_linked(sigs[a], sigs[b], t) for a, b in negatives)
        row["syndicated_found"] = sum(_linked(a, b, t) for a, b in pairs)
        for name, items in positives.items():
            row[name] = round(sum(_linked(a, b, t) for a, b, _ in items) / len(items), 3)
        rows.append(row)
    neg_j = sorted(jaccard(texts[a], texts[b]) for a, b in negatives)
    return {
        "articles": len(texts),
        "negative_pairs": len(negatives),
        "syndicated_pairs": len(pairs),
        "syndicated_jaccard": [
            round(jaccard(texts[a], texts[b]), 3)
            for a, b in (tuple(p) for p in syndicated)
            if a in texts and b in texts
        ],
        "negative_jaccard_max": round(neg_j[-1], 3),
        "negative_jaccard_p99": round(neg_j[int(0.99 * (len(neg_j) - 1))], 3),
        "edit_jaccard_median": {
            name: round(statistics.median(j for *_, j in items), 3)
            for name, items in positives.items()
        },
        "rows": rows,
    }


def _database(tmp: Path) -> Iterator[tuple[str, str]]:
    yield "sqlite", f"sqlite:///{tmp / 'bench.db'}"
    if url := os.environ.get("BENCH_DEDUP_DATABASE_URL"):
        yield "postgresql", url


def run(args: argparse.Namespace) -> dict[str, Any]:
    total = min(args.limit or 100_000, 100_000)
    threshold = run_threshold(None)
    print_table(
        "near-duplicate links on the recorded web by threshold",
        list(threshold["rows"][0]),
        [list(r.values()) for r in threshold["rows"]],
    )
    scale = {}
    with tempfile.TemporaryDirectory() as tmp:
        for backend, url in _database(Path(tmp)):
            console.print(f"storing {total} generated articles into {backend}")
            scale[backend] = run_scale(url, total)
    rows = [[b, s["ms_per_article"].get("1000"), s["ms_per_article"].get(str(total)),
             s["edited_copies_linked"], s["edited_copies"], s["total_seconds"]]
            for b, s in scale.items()]  # fmt: skip
    print_table(
        "store + dedup, ms per article",
        ["backend", "at 1,000", f"at {total:,}", "copies linked", "copies", "seconds"],
        rows,
    )
    sqlite = scale["sqlite"]["ms_per_article"]
    return {
        "headline": headline(
            f"ms to store and dedup an article at the {total:,}th (SQLite)",
            sqlite[str(total)],
            "at most 2x the cost at the 1,000th",
            sqlite.get("1000", sqlite[str(total)]),
            "the same at the 1,000th",
            threshold=DEDUP_THRESHOLD,
        ),
        "scale": scale,
        "threshold": threshold,
    }
