"""The recorded web answers like a server: files by URL, manifest entries, 404 otherwise."""

from __future__ import annotations

from pathlib import Path

from crawler.recorded_web.replay import RecordedWeb


def _web(tmp_path: Path) -> RecordedWeb:
    host = tmp_path / "example.com"
    (host / "news").mkdir(parents=True)
    (host / "index.html").write_text("<html>home</html>", encoding="utf-8")
    (host / "news" / "a-1.htm").write_bytes("<html>Nhật Bản</html>".encode())
    (host / "search.html").write_text("<html>results</html>", encoding="utf-8")
    (host / "_replay.toml").write_text(
        """
[[response]]
url = "http://example.com/news/a-1.htm"
status = 301
headers = { Location = "https://example.com/news/a-1.htm" }

[[response]]
url = "https://example.com/search?q=nga"
file = "search.html"
headers = { "Content-Type" = "text/html; charset=windows-1258" }

[[response]]
url = "https://example.com/gone.htm"
status = 410
""",
        encoding="utf-8",
    )
    return RecordedWeb(tmp_path)


def test_files_by_url(tmp_path: Path) -> None:
    web = _web(tmp_path)
    home = web.get("https://example.com/")
    assert (home.status, home.body) == (200, b"<html>home</html>")
    article = web.get("https://example.com/news/a-1.htm")
    assert article.status == 200
    assert article.headers["Content-Type"] == "text/html"
    assert "Nhật Bản".encode() in article.body


def test_manifest_redirect_status_and_query(tmp_path: Path) -> None:
    web = _web(tmp_path)
    redirect = web.get("http://example.com/news/a-1.htm")
    assert redirect.status == 301
    assert redirect.headers["Location"] == "https://example.com/news/a-1.htm"
    search = web.get("https://example.com/search?q=nga")
    assert search.body == b"<html>results</html>"
    assert search.headers["Content-Type"].endswith("windows-1258")
    assert web.get("https://example.com/gone.htm").status == 410


def test_unknown_urls_are_404_and_paths_cannot_escape(tmp_path: Path) -> None:
    web = _web(tmp_path)
    assert web.get("https://example.com/missing.htm").status == 404
    assert web.get("https://example.com/search?q=other").status == 404
    assert web.get("https://example.com/../example.com/index.html").status == 404
    assert web.get("https://example.com/_replay.toml").status == 404


def test_extensionless_pages_are_sniffed(tmp_path: Path) -> None:
    host = tmp_path / "www.15min.lt" / "naujiena"
    host.mkdir(parents=True)
    (host / "straipsnis-57-1").write_bytes(b"<!DOCTYPE html><html lang='lt'></html>")
    (tmp_path / "www.15min.lt" / "rss").write_bytes(b'<?xml version="1.0"?><rss></rss>')
    web = RecordedWeb(tmp_path)
    assert web.get("https://www.15min.lt/naujiena/straipsnis-57-1").headers["Content-Type"] == (
        "text/html"
    )
    assert web.get("https://www.15min.lt/rss").headers["Content-Type"] == "application/xml"
