"""A hostile local web: odd encodings, broken markup, limits, traps, slow and failing servers.

One server (tests/hostile_pages.py) holds every case; one crawl per mode meets them all, in
generic mode (``-a start_urls=… -a allowed_domains=…``) and with a site profile for the same
host, and each page's outcome is asserted: its text decoded and stored NFC, or its failure
counted by kind on the run, or the trap bounded. The crawl's own peak memory (it meets a body
of tens of megabytes and a gzip bomb) must stay under 300 MB.
"""

from __future__ import annotations

import shutil
import unicodedata
from pathlib import Path

import pytest

from crawler.launch.crawl_spec import CrawlSpec
from tests import hostile_pages as hp
from tests.local_web import Crawl, articles, crawl, query, serve

pytestmark = pytest.mark.slow

SETTINGS = {
    "CRAWLER_ALLOW_PRIVATE_NETWORKS": "true",  # the site is on 127.0.0.1
    "DOWNLOAD_TIMEOUT": "6",  # the slow cases take 30 s and more; the others well under 6 s
    "RETRY_TIMES": "1",
    "DOWNLOAD_MAXSIZE": str(3 * 1024 * 1024),
    "DOWNLOAD_WARNSIZE": str(2 * 1024 * 1024),
    "CRAWLER_MAX_LIST_PAGES": "4",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
    "CRAWLER_STORE_BATCH_SIZE": "5",
}
ARTICLES = ["cp1258", "cp1257", "header_lies", "nfd", "broken_bytes", "malformed", "deep", "busy"]


def _profiled_seeds(tmp: Path, base: str) -> Path:
    """The project's seeds plus a profile for the local site (its host is 127.0.0.1)."""
    seeds = Path(shutil.copytree(hp.REPO_ROOT / "seeds", tmp / "seeds"))
    (seeds / "sites" / "local.toml").write_text(
        'key = "local"\nname = "Báo Thế Giới Mới"\nlanguage = "vi"\n'
        'timezone = "Asia/Ho_Chi_Minh"\ndomains = ["127.0.0.1"]\n'
        f'home = "{base}/"\nsections = ["{base}/"]\n'
        "article_url_patterns = ['-\\d{3}\\.html$']\n"
        'related_selectors = ["section.related"]\n'
        'boilerplate_selectors = ["div.share", "div.tags", "div.breadcrumb"]\n',
        encoding="utf-8",
    )
    return seeds


@pytest.fixture(params=["generic", "profiled"])
def hostile_crawl(
    request: pytest.FixtureRequest, sqlite_url: str, tmp_path: Path
) -> tuple[Crawl, dict[str, int], float, str]:
    """(the crawl, requests per case path, seconds the 429 waited, the site's base URL)."""
    with serve({}) as web:
        web.routes.update(hp.routes(offsite=f"http://localhost:{web.port}/doi-tac"))
        if request.param == "generic":
            spec = CrawlSpec(start_urls=(f"{web.base}/",), allowed_domains=("127.0.0.1",))
            env = {}
        else:
            spec = CrawlSpec(sites=("local",))
            env = {"CRAWLER_SEEDS_DIR": str(_profiled_seeds(tmp_path, web.base))}
        result = crawl(spec, sqlite_url, SETTINGS, timeout=120, env=env)
        counts = {name: web.requested(path) for name, (path, _) in hp.CASES.items()}
        counts["loop_b"] = web.requested("/chuyen-huong/b")
        counts["offsite"] = sum(1 for host, _ in web.server.log if host.startswith("localhost"))
        counts["calendar"] = web.requested_prefix("/lich/")
        counts["endless"] = web.requested_prefix("/tin-moi")
        waited = float(getattr(web.server, "busy_waited", 0.0))
        return result, counts, waited, web.base


def test_every_hostile_case_ends_in_a_counted_outcome(
    hostile_crawl: tuple[Crawl, dict[str, int], float, str], sqlite_url: str
) -> None:
    result, requested, waited, base = hostile_crawl
    assert result.returncode == 0, result.log[-4000:]
    assert "Traceback" not in result.log, result.log[-4000:]
    assert result.run["status"] == "ok"
    assert result.seconds < 60  # every slow case was bounded by its timeout

    # Decoded, cleaned and stored NFC, whatever the bytes on the wire.
    stored = {url.removeprefix(base): row for url, row in articles(sqlite_url).items()}
    for name in ARTICLES:
        story = hp.STORIES[name]
        assert story.path in stored, (name, sorted(stored))
        text = stored[story.path]["text"]
        assert unicodedata.is_normalized("NFC", text), name
        assert "\x00" not in text and "\ufffd" not in text.split(".")[0], name
        for paragraph in story.paragraphs:
            assert paragraph[:60] in text, (name, paragraph[:60], text[:300])
        assert stored[story.path]["title"] == story.title, name
    assert "Giấy phép số 45" not in stored[hp.STORIES["cp1258"].path]["text"]

    # The same article under four URLs (tracking parameters, an AMP copy): one record.
    title = hp.STORIES["canonical"].title
    same = [row for row in stored.values() if row["title"] == title]
    # Its canonical URL is the one the site serves (http here), so it opens; the key
    # beside it forces https (store/urls.py).
    assert [(row["canonical_url"], row["url_key"]) for row in same] == [
        (base + hp.CANONICAL, "https://" + (base + hp.CANONICAL).split("://")[1])
    ]
    seen = {u for (u,) in query(sqlite_url, "select url from article_urls")}
    assert base + hp.AMP in seen or any("utm_" in u or "fbclid" in u for u in seen), seen
    assert requested["amp"] == 1  # the AMP copy was fetched, and went to the one record
    assert len(stored) == len(ARTICLES) + 1  # no listing, no empty, binary or script page

    # Limits and failures: each counted once by kind on the run.
    assert result.errors == {
        "too_large": 2,  # the 40 MB body without Content-Length, the gzip bomb
        "timeout": 2,  # one byte a second, never an answer
        "http_5xx": 1,  # 502 on every try
        "redirect_loop": 1,
    }, result.errors
    assert result.peak_rss_mb < 300, result.peak_rss_mb
    assert requested["down"] == 2  # retried RETRY_TIMES, then given up
    assert requested["busy"] == 2 and 2.0 <= waited < 6.0  # asked again after its Retry-After
    stats = result.stats
    assert stats["crawler/retry_after/waits"] == 1
    # The empty, binary and script-only pages: no article, each counted with its reason.
    no_article = {k.rsplit("/", 1)[1]: v for k, v in stats.items()
                  if k.startswith("crawler/pages/no_article/")}
    assert no_article.get("no_page", 0) >= 2 or (  # empty and binary
        no_article.get("no_page", 0) >= 1 and stats.get("crawler/skipped/not_html", 0) >= 1
    ), no_article
    assert no_article.get("too_little_text", 0) >= 1, no_article  # the JavaScript-only page

    # Traps are bounded, and where they stopped is counted.
    assert requested["calendar"] <= 2 * 4 + 1  # max_depth 4 either way from the first month
    # Plain "next" links deepen (max_depth 4), pagination does not (CRAWLER_MAX_LIST_PAGES 4).
    assert requested["endless"] <= 4 + 4
    assert stats["crawler/bounded/max_depth"] > 0
    assert requested["loop"] == requested["loop_b"] == 1

    # Scope: robots.txt obeyed, other hosts never asked.
    assert requested["disallowed"] == 0 and stats["robotstxt/forbidden"] >= 1
    assert requested["offsite"] == 0
