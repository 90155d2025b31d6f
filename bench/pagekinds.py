"""Pages of known kind for the article verdict: what it learns from and is measured on.

Development data only, read from ``../shared/benchmarks`` (never copied into the repository):

- WCXB dev split, all 1,497 pages with their page type (article, listing, collection, forum,
  product, documentation, service);
- the Fundus dev half: 142 article pages of ~100 publishers in 20 languages;
- ScrapingHub: 181 article pages.

Each page is read by the project's own ``extract_with_report`` (generic path: none of these
sites has a profile), which gives the verdict's inputs: the structure features and the rules'
reason. Groups are sites (the URL's host; Fundus: the publisher), so a k-fold grouped by them
never scores a page with a verdict that saw its site.
"""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bench.common import REPO
from crawler.extraction import extract_with_report, parse_page
from crawler.extraction.decode import decode_html
from crawler.extraction.page import Page
from crawler.extraction.verdict import claims_article


def shared_benchmarks() -> Path:
    env = os.environ.get("CRAWLER_SHARED_BENCHMARKS")
    return Path(env) if env else REPO.parent / "shared" / "benchmarks"


@dataclass(frozen=True)
class Sample:
    source: str  # wcxb | fundus | scrapinghub
    group: str  # the site: folds never split one
    kind: str  # article | listing | collection | forum | product | documentation | service
    url: str
    path: Path

    @property
    def is_article(self) -> bool:
        return self.kind == "article"


@dataclass(frozen=True)
class Reading:
    """One page as the verdict sees it."""

    sample: Sample
    features: dict[str, float]
    rule: str | None  # the rules' reason for "no article"; None: the rules let it through
    empty: bool  # extraction found no text at all (no features: never an article)
    markup_claim: bool  # og:type article or article JSON-LD: the markup-only baseline


def _host(url: str, fallback: str) -> str:
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    return host or fallback


def samples(root: Path | None = None) -> Iterator[Sample]:
    root = root or shared_benchmarks()
    for folder in ("wcxb-dev-articles", "wcxb-dev-other"):
        for truth in sorted((root / folder / "ground-truth").glob("*.json")):
            data = json.loads(truth.read_text(encoding="utf-8"))
            kind = data["_internal"]["page_type"]["primary"]
            url = data.get("url", "")
            yield Sample("wcxb", _host(url, truth.stem), kind, url,
                         root / folder / "html" / f"{truth.stem}.html.gz")
    for expected in sorted((root / "fundus-dev" / "expected").glob("*.json")):
        data = json.loads(expected.read_text(encoding="utf-8"))
        publisher = expected.stem.rsplit("_", 3)[0]  # de_Spiegel_2024_01_02 -> de_Spiegel
        yield Sample("fundus", publisher, "article", data["url"],
                     root / "fundus-dev" / "pages" / f"{expected.stem}.html.gz")
    sh = root / "scrapinghub"
    truth = json.loads((sh / "ground-truth.json").read_text(encoding="utf-8"))
    for key in sorted(truth):
        url = truth[key]["url"]
        yield Sample("scrapinghub", _host(url, key), "article", url, sh / "html" / f"{key}.html.gz")


def read(sample: Sample) -> Reading:
    html = gzip.decompress(sample.path.read_bytes())
    found = extract_with_report(html, sample.url, None, sites=None, timeout=None)
    signals = found.signals
    if signals is None:
        return Reading(sample, {}, found.no_article, True, False)
    # The baseline's reading of the markup is the rules' own (og:type article/news/blog,
    # article JSON-LD), on the page as extraction parses it.
    tree = parse_page(decode_html(html, None))
    claim = tree is not None and claims_article(Page(sample.url, tree, None))
    return Reading(sample, signals.features, signals.rule, False, claim)


def read_all(items: list[Sample], workers: int = 2) -> list[Reading]:
    """Every sample read, in order, over ``workers`` processes."""
    with ProcessPoolExecutor(workers) as pool:
        return list(pool.map(read, items, chunksize=16))
