"""Raw captures: every fetched response and its request in WARC files; versions point there."""

from __future__ import annotations

import gzip
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select
from warcio.archiveiterator import ArchiveIterator

from crawler.db.models import ArticleVersion, CrawlRun
from crawler.db.session import make_engine, session_factory
from crawler.launch.crawl_spec import CrawlSpec
from crawler.store.warc import WarcWriterFiles, read_capture, warc_dir_for
from tests.crawl_launcher import WEB_DIR, Launch

REPO_ROOT = Path(__file__).resolve().parent.parent


def crawl(db_url: str, workdir: Path, site: str = "kinhtedothi", pages: int = 60) -> Path:
    """One replayed crawl in a subprocess; returns its WARC directory (replay log beside it)."""
    warc_dir = workdir / "warc"
    env = {"CRAWLER_WARC_DIR": str(warc_dir), "CRAWLER_REPLAY_LOG": str(workdir / "requests.log")}
    spec = CrawlSpec(sites=(site,), max_pages=pages)
    result = Launch(db_url, spec, {"CRAWLER_REPLAY_DIR": WEB_DIR}, env=env).run(timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return warc_dir


def records(warc_dir: Path) -> list[tuple[str, str, str | None, str | None]]:
    """(type, target URI, record id, concurrent-to) of every record in the directory."""
    out = []
    for path in sorted(warc_dir.glob("*.warc.gz")):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                headers = record.rec_headers
                out.append(
                    (
                        record.rec_type,
                        headers.get_header("WARC-Target-URI"),
                        headers.get_header("WARC-Record-ID"),
                        headers.get_header("WARC-Concurrent-To"),
                    )
                )
    return out


def test_writer_round_trip_and_rotation(tmp_path: Path) -> None:
    files = WarcWriterFiles(tmp_path, max_size=2000)
    html = "<html><body><p>Nga và Nhật Bản</p></body></html>".encode()
    captures = []
    for i in range(4):
        body = gzip.compress(html + b" " * i)  # as a server sends it: compressed
        captures.append(
            files.write(
                f"https://x.vn/a-{i}.html",
                ("GET", [("User-Agent", "test"), ("Accept-Encoding", "gzip")], b""),
                (
                    200,
                    [
                        ("Content-Type", "text/html; charset=utf-8"),
                        ("Content-Encoding", "gzip"),
                        ("Transfer-Encoding", "chunked"),  # already undone by Scrapy
                    ],
                    body,
                ),
            )
        )
    files.close()
    assert len({c.file for c in captures}) > 1, "max_size starts a new file"
    for i, capture in enumerate(captures):
        stored = read_capture(tmp_path, capture.file, capture.offset)
        assert stored.url == f"https://x.vn/a-{i}.html"
        assert (stored.status, stored.header("content-type")) == (200, "text/html; charset=utf-8")
        assert stored.body == html + b" " * i  # content encoding removed on the way back
    kinds = Counter(kind for kind, *_ in records(tmp_path))
    assert kinds == {"warcinfo": len({c.file for c in captures}), "response": 4, "request": 4}


def test_read_capture_refuses_a_wrong_offset(tmp_path: Path) -> None:
    files = WarcWriterFiles(tmp_path)
    capture = files.write("https://x.vn/a", ("GET", [], b""), (200, [], b"body"))
    files.close()
    with pytest.raises(ValueError, match="not a response"):
        read_capture(tmp_path, capture.file, capture.offset + capture.length)  # the request


def test_default_directory_is_next_to_the_archive(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert warc_dir_for(f"sqlite:///{tmp_path}/a.db") == tmp_path / "warc"
    assert warc_dir_for("sqlite:///x.db", str(tmp_path / "w")) == tmp_path / "w"
    # A server archive's captures do not depend on the directory a command runs from: one
    # directory per server archive, under XDG_DATA_HOME or else ~/.local/share.
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    expected = tmp_path / "home" / ".local" / "share" / "news-crawler" / "warc" / "h-default-db"
    assert warc_dir_for("postgresql://u@h/db") == expected
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    expected = tmp_path / "data" / "news-crawler" / "warc" / "h-default-db"
    assert warc_dir_for("postgresql://u@h/db") == expected
    assert warc_dir_for("postgresql://u@h:5433/other").name == "h-5433-other"


@pytest.mark.slow
def test_crawl_writes_every_response_and_versions_point_to_their_capture(
    db_url: str, tmp_path: Path
) -> None:
    warc_dir = crawl(db_url, tmp_path)
    fetched = [line.split(" ", 1) for line in (tmp_path / "requests.log").read_text().splitlines()]
    written = records(warc_dir)
    responses = Counter(uri for kind, uri, _, _ in written if kind == "response")
    requests = {concurrent for kind, _, _, concurrent in written if kind == "request"}
    # every response the downloader got, redirects and 404s included, exactly once
    assert responses == Counter(url for _, url in fetched)
    assert any(status.startswith("3") for status, _ in fetched)
    # each response has its request record, linked to it
    assert requests == {rid for kind, _, rid, _ in written if kind == "response"}
    engine = make_engine(db_url)
    with session_factory(engine)() as session:
        versions = session.scalars(select(ArticleVersion)).all()
        run = session.scalars(select(CrawlRun)).one()
    engine.dispose()
    assert versions and run.articles_new == len(versions)
    for version in versions:
        assert version.warc_file and version.warc_offset is not None
        stored = read_capture(warc_dir, version.warc_file, version.warc_offset)
        assert (stored.url, stored.status) == (version.url, 200)
        assert b"<html" in stored.body.lower()
