"""Two crawl processes write overlapping articles into one PostgreSQL archive at once.

Each process runs the real store pipeline (batched transactions through crawler.store.dedup), on
the same articles in opposite orders, under other URL variants, and with exact copies under
new URLs. Afterwards: every article once, every URL known, no batch lost.
"""

from __future__ import annotations

import asyncio
import json
import random
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from crawler.db.models import Article, ArticleUrl, ArticleVersion
from crawler.db.session import make_engine, session_factory, upgrade
from crawler.store.urls import url_key

REPO_ROOT = Path(__file__).resolve().parent.parent
ARTICLES = 400
WORDS = [f"từ{i}" for i in range(5000)]


def _text(i: int) -> str:
    rng = random.Random(i)
    return "\n".join(" ".join(rng.choices(WORDS, k=40)) for _ in range(4))


def writes(worker: str) -> list[tuple[str, str]]:
    """(url, text) in the order one worker stores them."""
    if worker == "a":
        return [(f"https://www.tin.vn/bai-{i}.html?utm_source=rss", _text(i)) for i in range(300)]
    out = []
    for i in reversed(range(100, ARTICLES)):
        out.append((f"http://tin.vn/bai-{i}.html#binh-luan", _text(i)))
        if i % 10 == 0 and i < 300:
            out.append((f"https://tin.vn/ban-sao-{i}.html", _text(i)))  # an exact copy
    return out


def worker_main(db_url: str, worker: str, start_at: float) -> None:
    from crawler.items import ArticleItem, ExtractedArticle
    from tests.store_pipeline import store_pipeline

    crawler, pipeline = store_pipeline(db_url, CRAWLER_STORE_BATCH_SIZE=10)
    items = [
        ArticleItem(
            url=url,
            site="tin",
            fetched_at=datetime.now(UTC),
            article=ExtractedArticle(url=url, text=text, title="Tin", extractor_version="t"),
        )
        for url, text in writes(worker)
    ]
    time.sleep(max(0.0, start_at - time.time()))
    started = time.time()

    async def crawl() -> None:
        for item in items:
            await pipeline.process_item(item)
        await pipeline.close_spider()

    asyncio.run(crawl())
    stats = {k: v for k, v in crawler.stats.get_stats().items() if k.startswith("crawler/")}
    print(json.dumps({"started": started, "finished": time.time(), **stats}, default=str))


def test_two_processes_write_overlapping_articles(postgres_url: str) -> None:
    upgrade(postgres_url)
    start_at = time.time() + 3  # both import first, then start together
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.test_concurrent_writers", postgres_url, w, str(start_at)],
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for w in ("a", "b")
    ]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err[-3000:]
        results.append(json.loads(out.strip().splitlines()[-1]))
    a, b = results
    assert a["started"] < b["finished"] and b["started"] < a["finished"], "did not overlap"
    assert not any(r.get("crawler/errors") for r in results), results

    every_write = writes("a") + writes("b")
    engine = make_engine(postgres_url)
    with session_factory(engine)() as session:
        articles = session.scalar(select(func.count(Article.id)))
        canonical = session.scalar(select(func.count(func.distinct(Article.url_key))))
        texts = session.scalar(select(func.count(func.distinct(Article.content_hash))))
        versions = session.scalar(select(func.count(ArticleVersion.id)))
        known = dict(session.execute(select(ArticleUrl.url, ArticleUrl.article_id)).all())
    engine.dispose()
    # zero duplicate records: one article per story, one version each
    assert articles == canonical == texts == versions == ARTICLES
    # nothing lost: every URL either process stored is known, as fetched and canonical
    for url, _ in every_write:
        assert url in known and url_key(url) in known, url
    # an exact copy under a new URL is filed under the original's record
    for i in range(100, 300, 10):
        assert (
            known[f"https://tin.vn/ban-sao-{i}.html"]
            == known[url_key(f"https://tin.vn/bai-{i}.html")]
        )
    counted = {
        outcome: sum(int(r.get(f"crawler/articles/{outcome}", 0)) for r in results)
        for outcome in ("new", "updated", "unchanged", "duplicate")
    }
    assert counted["new"] == ARTICLES
    assert counted["updated"] == 0
    assert counted["new"] + counted["unchanged"] + counted["duplicate"] == len(every_write)


if __name__ == "__main__":
    worker_main(sys.argv[1], sys.argv[2], float(sys.argv[3]))
