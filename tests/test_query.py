"""`crawler query`: full-text search and filters on SQLite and PostgreSQL.

Diacritics are optional ("Nhat Ban" finds "Nhật Bản", "Da Nang" finds "Đà Nẵng", whose Đ has
no Unicode decomposition), typed diacritics narrow, Lithuanian inflections are found
("Rusija" finds "Rusijos"); the index follows every insert, update and delete; bad input is
one clear line; injection through any argument is harmless.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from crawler.db import article_sql, search_sql
from crawler.db.models import Article, ArticleUrl, ArticleVersion, MinhashBand, MinhashSignature
from crawler.db.session import make_engine, session_factory
from crawler.errors import CrawlerError
from crawler.read.query import Filters, search
from crawler.store.dedup import ArticleRecord, store_article
from crawler.store.fingerprints import content_hash
from tests.search_archive import Archive, archive, cli  # noqa: F401  (fixture)


def found(arc: Archive, text: str | None = None, **kw: object) -> set[str]:
    keys = {v: k for k, v in arc.ids.items()}
    result = search(arc.url, Filters(text=text, **kw), limit=50)  # type: ignore[arg-type]
    return {keys[h.id] for h in result.hits}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Nhat Ban", {"danang", "nhattri"}),  # both hold nhat and ban, in some spelling
        ("Nhật Bản", {"danang"}),  # typed diacritics narrow: not "nhất trí … văn bản"
        ('"Nhat Ban"', {"danang"}),  # a phrase
        ("Da Nang", {"danang", "dalat"}),  # Đà → da although NFD leaves Đ whole
        ('"Da Nang"', {"danang"}),
        ("Đà Nẵng", {"danang"}),  # "Đà Lạt … năng lượng" is not it
        ("đà", {"danang", "dalat"}),
        ("nhất", {"nhattri"}),
        ("Rusija", {"rusijos", "rusija"}),  # Lithuanian inflections
        ("Rusijos", {"rusijos", "rusija"}),
        ("Japonija", {"rusijos"}),
        ("NATO", {"rusija", "undated"}),
        ("NATO -Rusija", {"undated"}),
        ("NATO NOT Krymo", {"undated"}),
        ("Tokijuje OR Brussels", {"rusijos", "undated"}),
        ('"Nhật Bản" OR Rusija', {"danang", "rusijos", "rusija"}),
        ("nhom*", {"undated"}),
        ("Nga - NATO", {"undated"}),  # pasted punctuation separates words
        ("Văn kiện", {"nhattri"}),  # words of version 2: the index follows the update
    ],
)
def test_search_finds_with_and_without_diacritics(
    archive: Archive, text: str, expected: set[str]  # noqa: F811
) -> None:
    assert found(archive, text) == expected


def test_typed_diacritics_narrow_each_word(archive: Archive) -> None:  # noqa: F811
    assert found(archive, "năng lượng") == {"nhattri", "dalat"}
    assert found(archive, "nẵng") == {"danang"}
    assert found(archive, "nang") == {"danang", "nhattri", "dalat"}


def test_snippet_highlights_the_matched_words(archive: Archive) -> None:  # noqa: F811
    hits = {h.id: h for h in search(archive.url, Filters(text="Da Nang")).hits}
    assert "**Đà** **Nẵng**" in hits[archive.ids["danang"]].snippet
    assert "**Đà** Lạt đẩy mạnh các dự án **năng** lượng" in hits[archive.ids["dalat"]].snippet
    lt = search(archive.url, Filters(text="Rusija"), limit=5).hits
    assert any("**Rusijos**" in h.snippet for h in lt)
    assert any("**Rusija**" in h.snippet for h in lt)


def test_filters(archive: Archive) -> None:  # noqa: F811
    assert found(archive, sites=("15min",)) == {"rusijos", "rusija"}
    assert found(archive, "NATO", sites=("dantri",)) == {"undated"}
    assert found(archive, languages=("lt",)) == {"rusijos", "rusija"}
    assert found(archive, seeds=("000", "004")) == {"danang", "dalat"}
    assert found(archive, since="2016-05-07", until="2019") == {"danang", "nhattri"}
    assert found(archive, since="2016-05-08", until="2019-05-30") == {"nhattri"}
    assert found(archive, until="2016-05-06") == {"rusijos", "rusija"}
    assert found(archive, since="2016-05-07T05:00+07:00", until="2016-05") == {"danang"}
    assert found(archive, min_relevance=0.5) == {"danang", "rusijos", "undated"}
    assert found(archive, "Da Nang", min_relevance=0.5) == {"danang"}


def test_near_duplicates_only_on_request(archive: Archive) -> None:  # noqa: F811
    assert "copy" not in found(archive, "Nhat Ban")
    assert found(archive, "Nhật Bản", include_duplicates=True) == {"danang", "copy"}
    copy = search(archive.url, Filters(text="Nhật Bản", include_duplicates=True), limit=9)
    by_id = {h.id: h for h in copy.hits}
    assert by_id[archive.ids["copy"]].duplicate_of == archive.ids["danang"]


def test_sort_limit_and_total(archive: Archive) -> None:  # noqa: F811
    by_date = search(archive.url, Filters(), sort="date", limit=3)
    dates = [h.published for h in by_date.hits]
    assert dates == sorted(dates, reverse=True)  # type: ignore[type-var]
    assert (len(by_date.hits), by_date.total) == (3, 6)
    ranked = search(archive.url, Filters(text="Rusija"), limit=5).hits
    assert [h.id for h in ranked] == [archive.ids["rusijos"], archive.ids["rusija"]]  # title
    assert ranked[0].score is not None and ranked[1].score is not None
    assert ranked[0].score > ranked[1].score
    by_relevance = search(archive.url, Filters(), sort="relevance", limit=6).hits
    scores = [h.relevance for h in by_relevance]
    assert scores == sorted(scores, reverse=True)  # type: ignore[type-var]


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        (Filters(sites=("nosuch",)), "unknown site 'nosuch'"),
        (Filters(seeds=("999",)), "unknown seed '999'"),
        (Filters(languages=("xx",)), "unknown language 'xx'"),
        (Filters(since="2019-13-45"), "--since '2019-13-45' is not a date"),
        (Filters(until="yesterday"), "--until 'yesterday' is not a date"),
        (Filters(since="2020-01-01", until="2019-12-31"), "no article can match"),
        (Filters(text='"Nhật Bản'), "unbalanced quotation mark"),
        (Filters(text="Nga OR"), "OR at the end"),
        (Filters(text="-Nga"), "only excludes"),
        (Filters(text="(Nga OR Rusija) NATO"), "parentheses are not supported"),
        (Filters(text="a*"), "at least 2 letters"),
        (Filters(text="!!! ---"), "no words to search for"),
    ],
)
def test_bad_input_is_one_clear_error(archive: Archive, filters: Filters, message: str,  # noqa: F811
                                      ) -> None:
    with pytest.raises(CrawlerError, match=message.replace("(", r"\(")):
        search(archive.url, filters)


INJECTIONS = [
    "'; DROP TABLE articles; --",
    '" OR 1=1 --',
    "x' OR '1'='1",
    "nga\" OR \"1\"=\"1",
    "* NEAR articles_fts",
    "Nga'):* | !'x",
    "title:Nga ^body",
    "1; DELETE FROM articles",
]


@pytest.mark.parametrize("attempt", INJECTIONS)
def test_injection_through_any_argument_is_harmless(archive: Archive, attempt: str,  # noqa: F811
                                                    ) -> None:
    for filters in (Filters(text=attempt), Filters(sites=(attempt,)), Filters(seeds=(attempt,)),
                    Filters(languages=(attempt,)), Filters(since=attempt),
                    Filters(until=attempt)):
        with contextlib.suppress(CrawlerError):  # a clear refusal is harmless too
            search(archive.url, filters)
    engine = make_engine(archive.url)
    with session_factory(engine)() as session:
        assert session.scalar(select(func.count()).select_from(Article)) == 7
    engine.dispose()
    assert found(archive, "Nhật Bản") == {"danang"}


def test_cli_formats(archive: Archive, tmp_path: Path) -> None:  # noqa: F811
    args = ["query", "Da Nang", "--lang", "vi", "--sort", "date"]
    table = cli([*args, "--limit", "1"], archive.url, tmp_path)
    assert table.returncode == 0, table.stderr
    assert "Thủ tướng Nhật Bản thăm Đà Nẵng" not in table.stdout  # newest first: Đà Lạt
    assert "Đà Lạt phát triển năng lượng sạch" in table.stdout
    assert "1 of 2 matching articles" in table.stdout
    js = json.loads(cli([*args, "--format", "json"], archive.url, tmp_path).stdout)
    assert js["total"] == 2
    assert [h["id"] for h in js["hits"]] == [archive.ids["dalat"], archive.ids["danang"]]
    assert "**Đà** **Nẵng**" in js["hits"][1]["snippet"]
    lines = cli([*args, "--format", "jsonl"], archive.url, tmp_path).stdout.splitlines()
    assert [json.loads(x)["id"] for x in lines] == [h["id"] for h in js["hits"]]
    rows = list(csv.DictReader(io.StringIO(cli([*args, "--format", "csv"], archive.url,
                                               tmp_path).stdout)))
    assert [int(r["id"]) for r in rows] == [h["id"] for h in js["hits"]]
    assert rows[1]["published"].startswith("2016-05-07")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["query", "Nga", "--site", "nosuch"], "unknown site 'nosuch'"),
        (["query", "Nga", "--since", "2019-02-30"], "is not a date"),
        (["query", "Nga", "--since", "2020", "--until", "2019"], "no article can match"),
        (["query", '"Nga'], "unbalanced quotation mark"),
        (["query", "Nga", "--seed", "x' OR 1=1"], "unknown seed"),
    ],
)
def test_cli_bad_input_is_one_line(archive: Archive, tmp_path: Path, args: list[str],  # noqa: F811
                                   message: str) -> None:
    result = cli(args, archive.url, tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_missing_and_unmigrated_archives_name_the_fix(tmp_path: Path) -> None:
    missing = cli(["query", "Nga"], f"sqlite:///{tmp_path / 'none.db'}", tmp_path)
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    assert "there is no archive at" in missing.stderr and "crawler db upgrade" in missing.stderr
    assert not (tmp_path / "none.db").exists()  # looking did not create it
    from crawler.db.session import upgrade

    old = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(old, "0002")
    result = cli(["query", "Nga"], old, tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "schema revision 0002" in result.stderr and "`crawler db upgrade`" in result.stderr
    garbage = tmp_path / "notes.db"
    garbage.write_text("not a database")
    result = cli(["query", "Nga"], f"sqlite:///{garbage}", tmp_path)
    assert result.returncode == 2 and "cannot open the archive" in result.stderr


def test_index_follows_inserts_updates_and_deletes(db_url: str) -> None:
    """Every write path goes through the triggers, including plain SQL from elsewhere."""
    sessions = session_factory(make_engine(db_url))
    seen = datetime(2026, 2, 1, tzinfo=UTC)
    with sessions.begin() as session:
        site = article_sql.ensure_site(session, "dantri", "Dân trí", "vi")
        store_article(session, ArticleRecord("https://dantri.com.vn/a.htm", {
            "url": "https://dantri.com.vn/a.htm",
            "site_id": site, "title": "Đà Nẵng đón khách", "text": "Bãi biển đông khách.",
            "content_hash": content_hash("Bãi biển đông khách."), "language": "vi",
            "first_seen_at": seen, "last_seen_at": seen}))
    assert {h.title for h in search(db_url, Filters(text="da nang")).hits} == {"Đà Nẵng đón khách"}
    with sessions.begin() as session:
        article = session.scalars(select(Article)).one()
        article_sql.update_article(session, article.id, {"title": "Huế mưa lớn",
                                                  "text": "Sông Hương dâng cao."})
    assert search(db_url, Filters(text="da nang")).hits == []
    assert len(search(db_url, Filters(text="Song Huong")).hits) == 1
    with sessions.begin() as session:
        article_sql.touch_article(session, article.id, 1, seen.replace(month=3))  # no text change
    assert len(search(db_url, Filters(text="Hue")).hits) == 1
    with sessions.begin() as session:
        for model in (ArticleVersion, ArticleUrl, MinhashSignature, MinhashBand):
            session.execute(delete(model).where(model.article_id == article.id))
        session.execute(delete(Article).where(Article.id == article.id))
    assert search(db_url, Filters(text="Song Huong")).hits == []


def test_relevance_ranks_the_newest_matches(archive: Archive,  # noqa: F811
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search_sql, "RANK_WINDOW", 2)
    result = search(archive.url, Filters(text="Rusija OR NATO OR Nhat"), limit=10)
    newest = {archive.ids["nhattri"], archive.ids["danang"]}  # 2019 and 2016; the rest older
    assert {h.id for h in result.hits} == newest
    assert (result.total, result.total_exact) == (2, False)
    by_date = search(archive.url, Filters(text="Rusija OR NATO OR Nhat"), sort="date", limit=10)
    assert (by_date.total, by_date.total_exact) == (5, True)
