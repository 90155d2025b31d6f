"""Record a page into the recorded web and write its expected output for hand correction.

`crawler site record URL` fetches the page (or takes a saved file), stores it byte for byte
under tests/web/<host>/<path>, runs extraction on it and adds a label to labels.json marked
``"needs_review": true``. The page tests refuse such a label until a person has checked each
field against the page and removed the mark: expected output is generated, then corrected.
"""

from __future__ import annotations

import json
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.error import URLError
from urllib.parse import unquote, urlsplit

from crawler.errors import CrawlerError
from crawler.extraction import extract
from crawler.sites import SiteProfile

USER_AGENT = "news-archive-crawler/0.1 (page recorder)"


@dataclass(frozen=True)
class RecordedPage:
    url: str
    path: Path
    label: dict[str, Any] | None


def page_path(web_dir: Path, url: str) -> Path:
    """Where a URL's body is stored (docs/recorded-web.md); query URLs are refused here."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CrawlerError(f"not an http(s) URL: {url!r}")
    if parts.query:
        raise CrawlerError(
            f"{url} has a query string: save the page under a file name of your choice and "
            "add a [[response]] entry to the host's _replay.toml (docs/recorded-web.md)"
        )
    path = unquote(parts.path) or "/"
    if path.endswith("/"):
        path += "index.html"
    relative = Path(path.lstrip("/"))
    if ".." in relative.parts:
        raise CrawlerError(f"refusing a path that leaves the recorded web: {url}")
    return web_dir / parts.hostname / relative


def fetch(url: str, timeout: float = 30.0) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body: bytes = response.read()
            return body
    except (URLError, TimeoutError, OSError) as exc:
        raise CrawlerError(f"cannot fetch {url}: {exc}") from exc


def draft_label(body: bytes, url: str, site: SiteProfile) -> dict[str, Any] | None:
    article = extract(body, url, site)
    if article is None:
        return None
    paragraphs = [p for p in article.text.split("\n") if p.strip()]
    return {
        "site": site.key,
        "related": False,
        "seed": None,
        "title": article.title or "",
        "published": article.published_at.isoformat() if article.published_at else None,
        "authors": article.authors,
        "language": article.language or site.language,
        "first_sentence": paragraphs[0][:80] if paragraphs else "",
        "last_sentence": paragraphs[-1][-80:] if paragraphs else "",
        "boilerplate": [],
        "variants": [],
        "needs_review": True,
    }


def record_page(
    url: str, site: SiteProfile, web_dir: Path, labels_file: Path, body: bytes | None = None
) -> RecordedPage:
    """Store the page and, for an article URL, add its draft label (never overwrite one)."""
    if not site.owns(url):
        raise CrawlerError(f"{url} is not on site {site.key} ({', '.join(site.domains)})")
    path = page_path(web_dir, url)
    if body is None:
        body = fetch(url)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body)
    label = draft_label(body, url, site) if site.is_article_url(url) else None
    if label is not None:
        data = json.loads(labels_file.read_text(encoding="utf-8")) if labels_file.exists() else {}
        articles = data.setdefault("articles", {})
        data.setdefault("schema", 1)
        if url in articles:
            raise CrawlerError(f"{url} is labelled already; edit {labels_file} by hand")
        articles[url] = label
        labels_file.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", "utf-8")
    return RecordedPage(url, path, label)
