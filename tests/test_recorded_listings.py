"""Profiled sites: no recorded listing page of any kind gives an article, or is archived.

Every kind of listing the five sites have is recorded in tests/web (docs/recorded-web.md): home,
section and sub-section fronts, page 2 of a section, tag/topic pages, event pages ("dòng sự
kiện"), author pages, search results. Each is extracted alone with its site's profile, and the
whole set is crawled as the sites' start points: nothing the crawl fetches there may be archived.
A guard keeps the table whole: a listing page recorded later without a line here fails it.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from protego import Protego

from crawler.extraction import extract_with_report
from crawler.launch.crawl_spec import CrawlSpec
from crawler.recorded_web.replay import RecordedWeb
from crawler.seeds import load_seeds
from crawler.sites import load_sites
from tests.labels import load_labels
from tests.local_web import crawl

WEB_DIR = Path(__file__).resolve().parent / "web"
SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"
WEB = RecordedWeb(WEB_DIR)

D, K, B, H, M = (
    "https://dantri.com.vn", "https://kinhtedothi.vn", "https://baoquocte.vn",
    "https://huengaynay.vn", "https://www.15min.lt",
)  # fmt: skip
LISTINGS: dict[str, str] = {  # URL -> kind
    f"{D}/": "home",
    f"{D}/the-gioi.htm": "section",
    f"{D}/the-gioi/quan-su.htm": "sub-section",
    f"{D}/the-gioi/trang-2.htm": "section page 2",
    f"{D}/tag/nato.htm": "tag",
    f"{D}/su-kien/quan-he-nga-nato-1187.htm": "event",
    f"{D}/su-kien/quan-he-nga-my-1189.htm": "event",
    f"{D}/su-kien/quan-he-nga-nhat-ban-1188.htm": "event",
    f"{D}/tim-kiem/nga+nato.htm": "search",
    f"{D}/tim-kiem.htm?keywords=nga+nato&page=1": "search (script shell)",
    f"{D}/tac-gia/thanh-dat.htm": "author",  # URL shape INFERRED; og:type article, ProfilePage
    f"{K}/": "home",
    f"{K}/quoc-te/tin-tuc/": "section",
    f"{K}/quoc-te/tin-tuc/?page=2": "section page 2",
    f"{K}/tag/trump-putin": "tag",
    f"{K}/tag/quan-he-nga-nhat": "tag",
    f"{K}/tim-kiem?keywords=Nga%20Nh%E1%BA%ADt": "search",
    f"{K}/tac-gia/thanh-ha": "author",  # URL shapes INFERRED (_replay.toml)
    f"{K}/dong-su-kien/quan-he-nga-my": "event",
    f"{B}/": "home",
    f"{B}/the-gioi": "section",
    f"{B}/the-gioi/binh-luan": "sub-section",
    f"{B}/the-gioi?page=2": "section page 2",
    f"{B}/tag/quan-he-nga-nhat.html": "tag",
    f"{B}/search?keywords=Kuril": "search",
    f"{B}/search?keywords=Nga+Nh%E1%BA%ADt": "search",
    f"{B}/tac-gia/hai-yen.html": "author",  # URL shapes INFERRED, like its tag pages'
    f"{B}/su-kien/hiep-uoc-hoa-binh-nga-nhat.html": "event",
    f"{H}/": "home",
    f"{H}/the-gioi": "section",
    f"{H}/the-gioi/the-gioi-toan-canh": "sub-section",
    f"{H}/the-gioi?page=2": "section page 2",
    f"{H}/tag/quan-he-nga-my": "tag",
    f"{H}/tim-kiem?q=Nga%20M%E1%BB%B9": "search",
    f"{H}/su-kien/thuong-dinh-nga-my-tai-helsinki": "event",  # URL shape INFERRED
    f"{M}/": "home",
    f"{M}/naujienos/aktualu/pasaulis/": "section",
    f"{M}/naujienos/aktualu/pasaulis/?psl=2": "section page 2",
    f"{M}/tema/rusija-1012": "tag",
    f"{M}/tema/japonija-2617": "tag",
    f"{M}/paieska?q=Japonija": "search",
    f"{M}/paieska?q=Rusija+Japonija": "search",
    f"{M}/autorius/ieva-zilinskaite": "author",  # URL shape INFERRED
}


def _answering_file(url: str) -> Path | None:
    """The file that answers a URL: its manifest entry's (query URLs), else its path's."""
    host = WEB_DIR / url.split("/")[2]
    manifest = host / "_replay.toml"
    if manifest.is_file():
        for entry in tomllib.loads(manifest.read_text(encoding="utf-8")).get("response", []):
            if entry["url"] == url and "file" in entry:
                return host / str(entry["file"])
    return WEB.file_for(url)


def _file(url: str) -> Path:
    path = _answering_file(url)
    assert path is not None and path.is_file(), f"{url}: not recorded"
    return path


def _listing_files() -> dict[Path, str]:
    return {_file(url): url for url in LISTINGS}


def test_every_recorded_listing_page_is_in_the_table() -> None:
    """Pages that are neither a labelled article (or its variant) nor an AMP copy are listings,
    and each must be tested below."""
    labels = load_labels()
    articles = {_answering_file(u) for label in labels for u in (label.url, *label.variants)}
    hosts = {urls.split("/")[2] for urls in LISTINGS}
    pages = set()
    for path in (p for host in hosts for p in (WEB_DIR / host).rglob("*") if p.is_file()):
        rel = path.relative_to(WEB_DIR / path.relative_to(WEB_DIR).parts[0])
        if rel.parts[0].startswith("_") or rel.parts[0] == "amp" or path in articles:
            continue  # the replay manifest, AMP copies and articles are no listings
        if path.read_bytes()[:200].lstrip().lower().startswith((b"<!doctype html", b"<html")):
            pages.add(path)
    missing = sorted(str(p.relative_to(WEB_DIR)) for p in pages - set(_listing_files()))
    assert missing == [], f"recorded pages that are neither labelled articles nor listed: {missing}"


@pytest.mark.parametrize("url", list(LISTINGS), ids=[f"{k}:{u}" for u, k in LISTINGS.items()])
def test_a_recorded_listing_page_gives_no_article(url: str) -> None:
    recorded = WEB.get(url)
    assert recorded.status == 200
    found = extract_with_report(recorded.body, url, content_type=recorded.headers["Content-Type"])
    article = found.article
    assert article is None, (
        f"{LISTINGS[url]} page {url} read as an article: {article.title!r}, "
        f"{len(article.text)} characters: {article.text[:200]!r}"
    )


@pytest.mark.parametrize("url", list(LISTINGS), ids=[f"{k}:{u}" for u, k in LISTINGS.items()])
def test_a_recorded_listing_page_gives_no_article_without_a_profile(url: str) -> None:
    # The generic path (a crawl with -a start_urls=…) meets the same pages with no profile.
    recorded = WEB.get(url)
    found = extract_with_report(
        recorded.body, url, content_type=recorded.headers["Content-Type"], sites=()
    )
    article = found.article
    assert article is None, (
        f"{LISTINGS[url]} page {url} read as an article without its profile: "
        f"{article.title!r}, {len(article.text)} characters: {article.text[:200]!r}"
    )


# The real Dân trí template prints og:type article on its listing pages
# (tests/real-html/dantri.com.vn/jaybmf_the-gioi_category-listing.jsp.html); most recorded ones
# say website. Each that has one (not the search page's script shell) is read again as the live
# site serves it, with the profile and without.
DANTRI_AS_LIVE = [
    (url, how) for url in LISTINGS if url.startswith(D) and b"og:type" in WEB.get(url).body
    for how in ("profile", "generic")
]  # fmt: skip
AS_LIVE_IDS = [f"{how}:{url}" for url, how in DANTRI_AS_LIVE]


@pytest.mark.parametrize(("url", "how"), DANTRI_AS_LIVE, ids=AS_LIVE_IDS)
def test_a_dantri_listing_that_says_og_type_article_gives_no_article(url: str, how: str) -> None:
    body = WEB.get(url).body
    live = re.sub(rb'(<meta property="og:type" content=)"\w+"', rb'\1"article"', body)
    assert b'og:type" content="article"' in live
    found = extract_with_report(live, url, sites=None if how == "profile" else ())
    article = found.article
    assert article is None, (
        f"{LISTINGS[url]} page {url} ({how}) read as an article: {article.title!r}, "
        f"{len(article.text)} characters: {article.text[:200]!r}"
    )


def _seeds_starting_at_the_listings(tmp: Path) -> Path:
    """The project's seeds, each profile's ``sections`` replaced by its recorded listings."""
    seeds = tmp / "seeds"
    shutil.copytree(SEEDS_DIR, seeds)
    for profile in (seeds / "sites").glob("*.toml"):
        text = profile.read_text(encoding="utf-8")
        domain = re.search(r'^home = "(https://[^/"]+)', text, re.M)
        assert domain is not None, profile
        urls = [u for u in LISTINGS if u.startswith(domain.group(1) + "/")]
        listed = "sections = [\n" + "".join(f'  "{u}",\n' for u in urls) + "]\n"
        text, replaced = re.subn(r"^sections = \[.*?\](?:[ \t]*#[^\n]*)?\n", listed, text,
                                 count=1, flags=re.M | re.S)  # fmt: skip
        assert replaced == 1, profile
        profile.write_text(text, encoding="utf-8")
    profiles = load_sites(seeds / "sites")  # the rewritten profiles still load, with the URLs
    assert {u for p in profiles.values() for u in p.sections} == set(LISTINGS)
    return seeds


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[list[str], set[str]]]:
    """(every URL the crawl was answered 200 for, every archived URL): a crawl of the five
    profiled sites from their listings, one step deep (depth 0: the listings, their next pages
    and the seed articles; their links are not followed)."""
    tmp = tmp_path_factory.mktemp("listings")
    db, log = f"sqlite:///{tmp / 'archive.db'}", tmp / "requests.log"
    run = crawl(CrawlSpec(max_depth=0), db, {"CRAWLER_REPLAY_DIR": str(WEB_DIR)},
                env={"CRAWLER_SEEDS_DIR": str(_seeds_starting_at_the_listings(tmp)),
                     "CRAWLER_REPLAY_LOG": str(log)})  # fmt: skip
    assert run.returncode == 0 and "Traceback" not in run.log, run.log[-3000:]
    fetched = [line.split(" ", 1)[1] for line in log.read_text().splitlines() if line[:3] == "200"]
    with sqlite3.connect(db.removeprefix("sqlite:///")) as conn:
        rows = conn.execute("select url, canonical_url from articles").fetchall()
    archived = {url for row in rows for url in row}
    yield fetched, archived


def _robots_allow(url: str) -> bool:
    origin = "/".join(url.split("/")[:3])
    robots = Protego.parse(WEB.get(origin + "/robots.txt").body.decode())
    return bool(robots.can_fetch(url, "news-archive-crawler"))


def test_the_crawl_archives_no_listing_page(replayed: tuple[list[str], set[str]]) -> None:
    fetched, archived = replayed
    fetched_files = {_answering_file(url) for url in fetched}
    listings = _listing_files()
    # A listing robots.txt disallows (Dân trí's newer search) is rightly never fetched.
    unfetched = sorted(url for path, url in listings.items()
                       if path not in fetched_files and _robots_allow(url))  # fmt: skip
    assert unfetched == [], f"the crawl never fetched {unfetched}"
    wrong = sorted(f"{LISTINGS[listings[p]]}: {u}" for u in archived
                   if (p := _answering_file(u)) in listings)  # fmt: skip
    assert wrong == [], f"listing pages archived: {wrong}"
    # Not an empty crawl: the seed articles, start points beside the listings, are archived.
    seeds = {seed.url for seed in load_seeds(SEEDS_DIR) if seed.url}
    assert seeds, "the manifest names no seed URL"
    assert seeds <= archived, f"seed articles not archived: {sorted(seeds - archived)}"
