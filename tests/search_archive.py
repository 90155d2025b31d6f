"""A small archive for the read-side tests (query, show, stats, export), on either backend.

Stored through the crawl's own write path (:func:`crawler.store.dedup.store_article`: versions,
exact and near-duplicates, captures), with a WARC file of real captures beside it. Texts are
chosen so that folding, exact diacritics and Lithuanian inflections each decide a result:
"nhất"/"bản" without "Nhật Bản", "Đà Lạt" plus "năng" without "Đà Nẵng", "Rusija" beside
"Rusijos".
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from crawler.db import article_sql, run_sql
from crawler.db.session import make_engine, session_factory, upgrade
from crawler.items import Capture
from crawler.store.dedup import ArticleRecord, store_article
from crawler.store.fingerprints import content_hash
from crawler.store.warc import WarcWriterFiles
from tests.conftest import POSTGRES_URL, REPO_ROOT, _unavailable

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
# Distinct second sentences: shared boilerplate would make the articles near-duplicates.
_MORE = {
    "danang": "Hai bên thảo luận về các dự án hạ tầng, du lịch biển và đường bay thẳng mới.",
    "nhattri": "Các doanh nghiệp sẽ góp vốn xây dựng kho chứa khí hóa lỏng ở miền Trung.",
    "dalat": "Chính quyền tỉnh khuyến khích hộ dân lắp tấm pin trên mái nhà để giảm chi phí.",
    "rusijos": "Diplomatai tikisi, kad kitas susitikimas įvyks dar iki metų pabaigos.",
    "rusija": "Aljanso atstovai teigė, kad politinis dialogas ambasadorių lygiu tęsis.",
    "undated": "Các đại sứ trao đổi về tình hình an ninh châu Âu và kênh liên lạc quân sự.",
}


@dataclass(frozen=True)
class Doc:
    key: str
    site: str
    language: str
    title: str
    text: str
    published: datetime | None
    seed: str | None
    relevance: float


DOCS = [
    Doc("danang", "dantri", "vi", "Thủ tướng Nhật Bản thăm Đà Nẵng",
        "Thủ tướng Nhật Bản Shinzo Abe hôm qua tới thành phố Đà Nẵng và hội đàm với lãnh đạo "
        "địa phương về đầu tư. " + _MORE["danang"], datetime(2016, 5, 7, 2, 10, tzinfo=UTC), "000",
        0.81),
    Doc("nhattri", "baoquocte", "vi", "Hai bên nhất trí ký văn bản hợp tác",
        "Hai bên nhất trí ký văn bản hợp tác kinh tế trong lĩnh vực năng lượng và cảng biển. "
        + _MORE["nhattri"], datetime(2019, 5, 30, 12, 0, tzinfo=UTC), "001", 0.42),
    Doc("dalat", "baoquocte", "vi", "Đà Lạt phát triển năng lượng sạch",
        "Thành phố Đà Lạt đẩy mạnh các dự án năng lượng mặt trời trên đồi thông. "
        + _MORE["dalat"],
        datetime(2020, 3, 2, 1, 0, tzinfo=UTC), "004", 0.31),
    Doc("rusijos", "15min", "lt", "Rusijos ir Japonijos derybos",
        "Rusijos ir Japonijos užsienio reikalų ministrai Tokijuje aptarė taikos sutartį. "
        + _MORE["rusijos"], datetime(2013, 11, 2, 11, 12, tzinfo=UTC), "002", 0.78),
    Doc("rusija", "15min", "lt", "NATO sustabdė bendradarbiavimą",
        "NATO sustabdė praktinį bendradarbiavimą su Rusija dėl Krymo. " + _MORE["rusija"],
        datetime(2014, 4, 1, 20, 5, tzinfo=UTC), "003", 0.43),
    Doc("undated", "dantri", "vi", "Nga và NATO nhóm họp",
        "Hội đồng Nga - NATO nhóm họp tại Brussels sau hai năm gián đoạn. " + _MORE["undated"],
        None, "003", 0.55),
]
# A lightly edited copy of "danang" on another site: a near-duplicate, not a new story.
COPY = Doc("copy", "baoquocte", "vi", "Thủ tướng Nhật Bản tới Đà Nẵng",
           DOCS[0].text.replace("hôm qua", "ngày 6/5"), datetime(2016, 5, 7, 9, 0, tzinfo=UTC),
           "000", 0.77)
# "nhattri" is crawled again with one more sentence: version 2.
CHANGED_TEXT = DOCS[1].text + " Văn kiện sẽ được ký chính thức vào tháng sau."


def url_of(doc: Doc) -> str:
    host = {"dantri": "dantri.com.vn", "baoquocte": "baoquocte.vn", "15min": "www.15min.lt"}
    return f"https://{host[doc.site]}/the-gioi/{doc.key}-2016.htm"


@dataclass(frozen=True)
class Archive:
    url: str
    warc_dir: Path
    ids: dict[str, int]


def build(db_url: str, warc_dir: Path) -> Archive:
    """Migrate ``db_url`` and store the corpus through the crawl's write path."""
    upgrade(db_url)
    engine = make_engine(db_url)
    sessions = session_factory(engine)
    warcs = WarcWriterFiles(warc_dir)
    ids: dict[str, int] = {}
    with sessions.begin() as session:
        run = run_sql.start_run(session, "related", "demo", T0, {})
        sites = {key: article_sql.ensure_site(session, key, key.title(), lang)
                 for key, lang in (("dantri", "vi"), ("baoquocte", "vi"), ("15min", "lt"))}

    def store(doc: Doc, body: str, seen: datetime) -> int:
        html = f"<html><title>{doc.title}</title><body><p>{body}</p></body></html>".encode()
        place = warcs.write(url_of(doc), ("GET", [], b""), (200, [("Content-Type",
                                                                   "text/html")], html))
        values = {
            "url": url_of(doc), "site_id": sites[doc.site], "title": doc.title, "text": body,
            "content_hash": content_hash(body), "language": doc.language,
            "published_at": doc.published, "relevance": doc.relevance, "seed_id": doc.seed,
            "found_via": "feed", "referrer": f"https://{url_of(doc).split('/')[2]}/rss",
            "depth": 1, "first_seen_at": seen, "last_seen_at": seen, "crawl_run_id": run,
            # the copy credits two agencies, and its date was read on the page's +07:00 clock
            **({"organisations": "TTXVN; AFP", "published_zone": "+07:00",
                "published_zone_source": "page"} if doc.key == "copy" else {}),
        }
        record = ArticleRecord(url_of(doc), values, [url_of(doc) + "?utm_source=rss"],
                               Capture(place.file, place.offset, place.length))
        with sessions.begin() as session:
            return store_article(session, record).article_id

    for i, doc in enumerate([*DOCS, COPY]):
        ids[doc.key] = store(doc, doc.text, T0 + timedelta(minutes=i))
    store(DOCS[1], CHANGED_TEXT, T0 + timedelta(days=1))
    warcs.close()
    engine.dispose()
    return Archive(db_url, warc_dir, ids)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def archive(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
            ) -> Iterator[Archive]:
    """The corpus on each backend, built once per test module."""
    workdir = tmp_path_factory.mktemp("search")
    if request.param == "sqlite":
        yield build(f"sqlite:///{workdir / 'archive.db'}", workdir / "warc")
        return
    if not POSTGRES_URL:
        _unavailable("CRAWLER_TEST_POSTGRES_URL is not set")
    admin_url = make_url(POSTGRES_URL).set(drivername="postgresql+psycopg")
    name = f"crawler_search_{uuid.uuid4().hex[:12]}"
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # any failure to reach the server is the same fact
        _unavailable(f"PostgreSQL at {admin_url.render_as_string()} unreachable: {exc}")
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    yield build(url, workdir / "warc")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def cli(args: list[str], db_url: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """The `crawler` command in a subprocess, as an operator runs it."""
    environment = {**os.environ, "CRAWLER_DATABASE_URL": db_url, "COLUMNS": "120", **env,
                   "PYTHONPATH": str(REPO_ROOT)}
    return subprocess.run(
        [sys.executable, "-c", "from crawler.cli import main; main()", *args],
        cwd=cwd, env=environment, capture_output=True, text=True, timeout=120,
    )
