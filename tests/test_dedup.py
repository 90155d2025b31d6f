"""Deduplication on both backends: URL variants, the same text on two URLs, a syndicated copy."""

from __future__ import annotations

import itertools
import json
import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.config import DEDUP_THRESHOLD
from crawler.db import article_sql, near_duplicate_sql
from crawler.db.models import Article, ArticleUrl, MinhashBand
from crawler.db.session import make_engine, session_factory
from crawler.extraction import extract
from crawler.recorded_web.replay import RecordedWeb
from crawler.store.dedup import ArticleRecord, store_article
from crawler.store.fingerprints import content_hash, jaccard, signature
from crawler.store.urls import canonical_url, url_identity

WEB = Path(__file__).resolve().parent / "web"
T0 = datetime(2026, 1, 1, tzinfo=UTC)
KTDT = "https://kinhtedothi.vn/tong-thong-putin-de-xuat-ky-hiep-uoc-hoa-binh-voi-nhat-ban-khong-dieu-kien-tien-quyet.html"
HUE = "https://huengaynay.vn/the-gioi/nga-de-xuat-ky-hiep-uoc-hoa-binh-voi-nhat-ban-truoc-cuoi-nam-nay-64712.html"


@cache
def labels() -> dict[str, dict[str, object]]:
    """tests/web/labels.json (docs/recorded-web.md)."""
    data = json.loads((WEB / "labels.json").read_text(encoding="utf-8"))
    merged: dict[str, dict[str, object]] = data["articles"]
    return {url: label for url, label in merged.items() if isinstance(label, dict)}


@cache
def recorded_texts() -> dict[str, str]:
    """The extracted text of every labelled article of the recorded web, by URL."""
    web = RecordedWeb(WEB)
    texts = {}
    for url in labels():
        article = extract(web.get(url).body, url)
        if article is not None:
            texts[url] = article.text
    return texts


def syndicated_pairs() -> set[frozenset[str]]:
    return {
        frozenset((url, str(label["syndicated_with"])))
        for url, label in labels().items()
        if label.get("syndicated_with")
    }


def record(
    url: str,
    text: str,
    *,
    site_id: int,
    title: str | None = "Nga và Nhật Bản",
    seen: datetime = T0,
    variants: tuple[str, ...] = (),
    declared: str | None = None,
) -> ArticleRecord:
    """What the store pipeline builds from an item (crawler.store.dedup.article_record)."""
    key, shown = url_identity(url, declared)
    values = {
        "url": url,
        "site_id": site_id,
        "title": title,
        "text": text,
        "content_hash": content_hash(text),
        "language": "vi",
        "extractor_version": "test",
        "first_seen_at": seen,
        "last_seen_at": seen,
    }
    seen = dict.fromkeys((shown, url, *variants))
    return ArticleRecord(key, values, [v for v in seen if v != key], canonical_url=shown)


@pytest.fixture
def session(db_url: str) -> Iterator[Session]:
    engine = make_engine(db_url)
    with session_factory(engine).begin() as session:
        yield session
    engine.dispose()


def _site(session: Session, key: str = "kinhtedothi") -> int:
    return article_sql.ensure_site(session, key, key, "vi")


# --- pure functions ------------------------------------------------------------------------
def test_content_hash_folds_what_a_reader_does_not_see() -> None:
    text = "Ngày 2/4, vòng đối thoại chiến lược Nga - Nhật.\nLần thứ 15."
    variant = unicodedata.normalize(
        "NFD", "  NGÀY 2/4,  vòng đối thoại chiến lược Nga - Nhật. Lần thứ 15."
    )
    assert content_hash(variant) == content_hash(text)
    assert content_hash(text + " Thêm.") != content_hash(text)


def test_signature_estimates_jaccard() -> None:
    texts = list(recorded_texts().values())[:20]
    for a, b in itertools.combinations(texts, 2):
        assert abs(signature(a).similarity(signature(b)) - jaccard(a, b)) < 0.15


def test_default_threshold_separates_the_recorded_web() -> None:
    """The labelled syndicated pair is above the threshold; every other pair is below it."""
    texts = recorded_texts()
    syndicated = syndicated_pairs()
    assert syndicated, "the recorded web labels a syndicated story"
    for a, b in itertools.combinations(sorted(texts), 2):
        similar = jaccard(texts[a], texts[b]) >= DEDUP_THRESHOLD
        assert similar == (frozenset((a, b)) in syndicated), (a, b)


# --- the archive ---------------------------------------------------------------------------
def test_url_variants_are_one_article_with_the_variants_recorded(session: Session) -> None:
    site_id = _site(session, "15min")
    text = "Japonija ir Rusija atnaujino derybas dėl taikos sutarties. " * 5
    base = "https://www.15min.lt/naujiena/aktualu/pasaulis/japonija-57-365412"
    fetched = [
        base,
        base + "?cf=df",
        base + "?utm_source=rssfeed&utm_medium=rss",
        "http://15min.lt/naujiena/aktualu/pasaulis/japonija-57-365412#c",
    ]
    outcomes = [store_article(session, record(u, text, site_id=site_id)).outcome for u in fetched]
    assert outcomes == ["new", "unchanged", "unchanged", "unchanged"]
    article = session.scalars(select(Article)).one()
    known = article_sql.urls_of(session, article.id)
    assert set(fetched) <= set(known)
    assert known[article.canonical_url] == "canonical"


def test_amp_page_declaring_its_canonical_is_the_same_article(session: Session) -> None:
    site_id = _site(session, "dantri")
    text = "Nga và NATO bất ngờ nhóm họp sau 2 năm lạnh nhạt. " * 5
    plain = "https://dantri.com.vn/the-gioi/nga-va-nato-20160409101714155.htm"
    amp = "https://amp.dantri.com.vn/the-gioi/nga-va-nato-20160409101714155.htm"
    first = store_article(session, record(amp, text, site_id=site_id, declared=plain))
    again = store_article(session, record(plain, text, site_id=site_id, declared=plain))
    assert (first.outcome, again.outcome) == ("new", "unchanged")
    assert first.article_id == again.article_id
    assert {plain, amp} <= set(article_sql.urls_of(session, first.article_id))


def test_same_text_on_two_urls_is_one_record_with_both_urls(session: Session) -> None:
    site_id = _site(session)
    text = recorded_texts()[KTDT]
    first = store_article(session, record(KTDT, text, site_id=site_id))
    # another URL, the same text after NFC/space/case folding
    copy = "https://kinhtedothi.vn/quoc-te/ban-sao-cua-bai.html"
    spaced = unicodedata.normalize("NFD", text.replace(" ", "  ", 3))
    second = store_article(session, record(copy, spaced, site_id=site_id))
    assert (first.outcome, second.outcome) == ("new", "duplicate")
    assert second.article_id == first.article_id
    assert article_sql.count_articles(session) == 1
    urls = article_sql.urls_of(session, first.article_id)
    assert urls[canonical_url(KTDT)] == "canonical"
    assert urls[canonical_url(copy)] == "duplicate"
    # seen again under the second URL: found by URL now, still one record
    third = store_article(session, record(copy, text, site_id=site_id, seen=T0 + timedelta(1)))
    assert (third.outcome, third.article_id) == ("unchanged", first.article_id)


def test_syndicated_copy_is_stored_and_linked_to_its_original(session: Session) -> None:
    texts = recorded_texts()
    original = store_article(session, record(HUE, texts[HUE], site_id=_site(session, "huengaynay")))
    copy = store_article(session, record(KTDT, texts[KTDT], site_id=_site(session)))
    assert (original.outcome, copy.outcome) == ("new", "new")
    assert copy.cluster_id == original.article_id
    assert copy.similarity is not None and copy.similarity >= DEDUP_THRESHOLD
    members = near_duplicate_sql.cluster_members(session, original.article_id)
    assert [m.canonical_url for m in members] == [canonical_url(HUE), canonical_url(KTDT)]
    # a lightly edited third copy joins the same cluster, not a new one
    edited = texts[KTDT].replace("Nhật Bản", "Nhật").rsplit("\n", 1)[0]
    third = store_article(
        session, record("https://kinhtedothi.vn/ban-khac.html", edited, site_id=_site(session))
    )
    assert (third.outcome, third.cluster_id) == ("new", original.article_id)


def test_threshold_is_a_setting(session: Session) -> None:
    texts = recorded_texts()
    store_article(session, record(HUE, texts[HUE], site_id=_site(session, "huengaynay")))
    strict = store_article(
        session, record(KTDT, texts[KTDT], site_id=_site(session)), threshold=0.95
    )
    assert strict.outcome == "new" and strict.cluster_id is None


def test_unrelated_articles_are_not_clustered(session: Session) -> None:
    site_id = _site(session)
    for url, text in list(recorded_texts().items())[:30]:
        if url not in (KTDT, HUE):
            store_article(session, record(url, text, site_id=site_id))
    linked = session.scalars(select(Article).where(Article.cluster_id.is_not(None))).all()
    assert linked == []


def test_near_duplicate_index_survives_a_restart(db_url: str) -> None:
    """The index lives in the database: a new engine (another process) finds the original."""
    texts = recorded_texts()
    engine = make_engine(db_url)
    with session_factory(engine).begin() as session:
        original = store_article(
            session, record(HUE, texts[HUE], site_id=_site(session, "huengaynay"))
        )
        bands = session.scalars(
            select(MinhashBand.bucket).where(MinhashBand.article_id == original.article_id)
        ).all()
        assert len(bands) > 0
    engine.dispose()
    engine = make_engine(db_url)
    with session_factory(engine).begin() as session:
        copy = store_article(session, record(KTDT, texts[KTDT], site_id=_site(session)))
        assert copy.cluster_id == original.article_id
        kinds = dict(session.execute(select(ArticleUrl.url, ArticleUrl.kind)).all())
        assert kinds[canonical_url(KTDT)] == "canonical"
    engine.dispose()
