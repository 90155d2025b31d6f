"""The extraction pool: pages extracted in worker processes, a runaway page stopped for sure."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from crawler.extraction import parse_page
from crawler.extraction.decode import decode_html, looks_binary
from crawler.extraction.link_reader import page_links_of
from crawler.extraction_pool.pool import ExtractionPool, FetchedPage, process_page
from crawler.focus.relevance import RelevanceModel
from crawler.seeds import load_seeds
from crawler.sites import load_sites
from tests.test_extraction import PATHOLOGICAL

REPO = Path(__file__).resolve().parent.parent
SEEDS = load_seeds(REPO / "seeds")
DANTRI = load_sites(REPO / "seeds" / "sites")["dantri"]
REAL = REPO / "tests" / "real-html" / "dantri.com.vn"
ARTICLE = FetchedPage(
    (REAL / "jaybmf_the-gioi_chien-thuat-cua-nga-50-xe-tang-20221224083224103.html").read_bytes(),
    "https://dantri.com.vn/the-gioi/chien-thuat-cua-nga-khi-dua-50-xe-tang-sat-thu-chien-truong"
    "-toi-donbass-20221224083224103.htm",
    DANTRI,
    "text/html; charset=utf-8",
)


def test_a_runaway_page_has_its_worker_killed_and_the_pool_goes_on() -> None:
    pool = ExtractionPool(SEEDS, workers=1, timeout=0.5)
    try:
        # The worker is started first: on a loaded machine its start alone can take seconds,
        # which are not the limit's to answer for.
        assert asyncio.run(pool.run(ARTICLE)).article is not None
        slow = FetchedPage(PATHOLOGICAL.encode(), "https://dantri.com.vn/the-gioi/x-20221224083224103.htm",
                    DANTRI)
        started = time.monotonic()
        result = asyncio.run(pool.run(slow))
        took = time.monotonic() - started
        assert result.error == "extraction_timeout" and result.article is None
        assert took < 0.5 + 2.0  # the limit and the kill: no waiting for the page to finish
        after = asyncio.run(pool.run(ARTICLE))  # a fresh worker took the killed one's place
        assert after.error is None and after.article is not None
        assert after.article.title and "T-90" in after.article.text
    finally:
        pool.close()


def test_a_worker_gives_what_the_crawl_process_would() -> None:
    pool = ExtractionPool(SEEDS, workers=1)
    try:
        pooled = asyncio.run(pool.run(ARTICLE))
    finally:
        pool.close()
    inline = process_page(ARTICLE, timeout=10, model=RelevanceModel.from_seeds(SEEDS))
    assert pooled.article is not None and inline.article is not None
    assert pooled.article.text == inline.article.text
    assert pooled.relevance == inline.relevance and pooled.relevance is not None
    assert pooled.links == inline.links
    # The links were read in the worker: the related block and every anchor, for the spider.
    assert pooled.links.anchors and all(c.block == "link" for c in pooled.links.anchors)


def test_links_read_from_the_shared_tree_are_the_links_of_the_page() -> None:
    """A worker parses a page once: links come from the tree extraction then takes over.
    On every recorded page (articles, listings, hostile variants), and with each site's
    profile, they are the links a fresh parse of the HTML gives."""
    sites = list(load_sites(REPO / "seeds" / "sites").values())
    compared = 0
    for path in sorted((REPO / "tests" / "web").rglob("*")):
        if not path.is_file() or path.suffix in (".json", ".txt", ".toml"):
            continue
        html = decode_html(path.read_bytes())
        tree = parse_page(html)
        if looks_binary(html) or tree is None:
            continue
        for site in sites:
            assert page_links_of(tree, site) == page_links_of(html, site), (path, site.key)
            compared += 1
    assert compared > 500
