"""The related spider's parse and link following, on responses built by hand (no network).

Each test configures a spider as a crawl would (the project's settings, the repository's seeds,
the arguments a CrawlSpec gives it; CRAWLER_EXTRACT_WORKERS=0 extracts in this process), hands
``parse`` (an async generator) one feed, sitemap, listing or article page with the meta its
request would have carried, and reads what it yields: the requests (URL, priority, provenance,
bounds) and the ArticleItem.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse, Response, XmlResponse
from scrapy.utils.test import get_crawler, get_reactor_settings

import crawler.settings as project
from crawler.config import RELEVANCE_THRESHOLD
from crawler.items import ArticleItem
from crawler.launch.crawl_spec import CrawlSpec
from crawler.spiders.related import RelatedSpider
from tests.crawl_launcher import REPO_ROOT
from tests.local_web import seed_paragraphs

SITE = "https://dantri.com.vn"
FEED = f"{SITE}/rss/the-gioi.rss"
SECTION = f"{SITE}/the-gioi.htm"
# On the seeds' topic (Russia and NATO, seed 003) and off it.
ON_TOPIC = f"{SITE}/the-gioi/nga-va-nato-bat-ngo-nhom-hop-20160409101714155.htm"
OFF_TOPIC = f"{SITE}/the-thao/bong-da-viet-nam-thang-dam-20100101101714155.htm"
ARTICLE = f"{SITE}/the-gioi/nga-va-nato-bat-ngo-nhom-hop-sau-2-nam-lanh-nhat-20160409101714155.htm"
RELATED = f"{SITE}/the-gioi/hoi-dong-nga-nato-hop-lan-dau-20160420213521436.htm"
ICT = timezone(timedelta(hours=7))

Spider = Callable[..., RelatedSpider]


@pytest.fixture
def spider() -> Spider:
    """A configured spider: ``spider(CrawlSpec(...), SETTING=value)``."""

    def make(spec: CrawlSpec | None = None, **settings: Any) -> RelatedSpider:
        values = {name: getattr(project, name) for name in dir(project) if name.isupper()}
        values.update(
            CRAWLER_SEEDS_DIR=str(REPO_ROOT / "seeds"),
            CRAWLER_EXTRACT_WORKERS=0,
            CRAWLER_WARC_ENABLED=False,
            CRAWLER_REPLAY_DIR="",
            CRAWLER_DATABASE_URL="sqlite://",
            **get_reactor_settings(),  # no Twisted reactor: parse is driven by asyncio here
            **settings,
        )
        crawler = get_crawler(RelatedSpider, values)
        arguments = (spec or CrawlSpec(sites=("dantri",))).spider_arguments()
        made = RelatedSpider.from_crawler(crawler, **arguments)
        crawler.spider = made
        made._configure()
        return made

    return make


def _meta(found_via: str, depth: int, referrer: str | None = None, **more: Any) -> dict[str, Any]:
    """What the spider puts on a request (crawler/spiders/following.py)."""
    return {"site": "dantri", "found_via": found_via, "referrer": referrer, "seed_depth": depth,
            **more}  # fmt: skip


def _parse(spider: RelatedSpider, response: Response) -> list[Any]:
    async def drain() -> list[Any]:
        return [output async for output in spider.parse(response)]

    return asyncio.run(drain())


def _requests(outputs: list[Any]) -> dict[str, Request]:
    requests = [o for o in outputs if isinstance(o, Request)]
    by_url = {r.url: r for r in requests}
    assert len(by_url) == len(requests), "a URL asked for twice"
    return by_url


def _stat(spider: RelatedSpider, key: str) -> Any:
    return spider.crawler.stats.get_value(key)


# --- pages as a site serves them ------------------------------------------------------------
def _feed(*entries: tuple[str, str, str]) -> XmlResponse:
    items = "".join(
        f"<item><title>{title}</title><link>{url}</link><pubDate>{when}</pubDate></item>"
        for title, url, when in entries
    )
    body = f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>'
    request = Request(FEED, meta=_meta("feed", 0))
    return XmlResponse(FEED, body=body.encode(), request=request)


FEED_ENTRIES = (
    ("Nga và NATO bất ngờ nhóm họp", ON_TOPIC, "Sat, 09 Apr 2016 10:17:00 +0700"),
    ("Bóng đá Việt Nam thắng đậm", OFF_TOPIC, "Fri, 01 Jan 2010 10:17:00 +0700"),
)


def _listing(meta: dict[str, Any], *, next_page: str = "/the-gioi/trang-2.htm") -> HtmlResponse:
    teasers = "".join(
        f'<article class="article-item"><h3 class="article-title"><a href="{href}">{title}</a>'
        "</h3></article>"
        for href, title in (
            ("/the-gioi/nga-va-nato-bat-ngo-nhom-hop-20160409101714155.htm",
             "Nga và NATO bất ngờ nhóm họp sau 2 năm lạnh nhạt"),
            ("/the-gioi/hoa-hau-the-gioi-dang-quang-20160409101714156.htm",
             "Hoa hậu thế giới đăng quang"),
            # The same story again (image and headline): one request.
            ("/the-gioi/nga-va-nato-bat-ngo-nhom-hop-20160409101714155.htm", ""),
        )
    )  # fmt: skip
    body = (
        f'<html><head><title>Thế giới</title></head><body><div class="main">{teasers}</div>'
        f'<a class="page-item next" href="{next_page}">Trang sau</a></body></html>'
    )
    return HtmlResponse(SECTION, body=body.encode(), request=Request(SECTION, meta=meta))


def _article(meta: dict[str, Any]) -> HtmlResponse:
    """Seed 003's own text in Dân trí's article layout, with a "related" block."""
    text = "".join(f"<p>{p}</p>" for p in seed_paragraphs("003_1cdc3babee419195.txt"))
    title = "Nga và NATO bất ngờ nhóm họp sau 2 năm lạnh nhạt"
    body = (
        f'<html><head><meta charset="utf-8"><title>{title}</title></head><body>'
        f'<article><h1 class="title-page detail">{title}</h1>'
        '<time class="author-time" datetime="2016-04-09 10:17">09/04/2016 - 10:17</time>'
        f'<div class="singular-content">{text}</div>'
        '<article class="article-related"><a href="/the-gioi/hoi-dong-nga-nato-hop-lan-dau-'
        '20160420213521436.htm">Hội đồng Nga-NATO họp lần đầu tiên sau gần 2 năm</a></article>'
        "</article></body></html>"
    )
    return HtmlResponse(ARTICLE, body=body.encode(), request=Request(ARTICLE, meta=meta))


# --- feeds and sitemaps ---------------------------------------------------------------------
def test_feed_entries_are_followed_with_their_provenance_and_dates(spider: Spider) -> None:
    requests = _requests(_parse(spider(), _feed(*FEED_ENTRIES)))
    assert set(requests) == {ON_TOPIC, OFF_TOPIC}
    for request in requests.values():
        assert request.meta["site"] == "dantri"
        assert request.meta["found_via"] == "feed"
        assert request.meta["referrer"] == FEED
        assert request.meta["seed_depth"] == 1
    # The feed's date travels with the request, for an article page that shows none.
    assert requests[ON_TOPIC].meta["listed_date"] == (datetime(2016, 4, 9, 10, 17, tzinfo=ICT),
                                                      "feed")  # fmt: skip


def test_the_focused_frontier_ranks_the_on_topic_entry_first(spider: Spider) -> None:
    requests = _requests(_parse(spider(), _feed(*FEED_ENTRIES)))
    assert requests[ON_TOPIC].priority > requests[OFF_TOPIC].priority


def test_breadth_first_gives_every_link_the_same_priority(spider: Spider) -> None:
    requests = _requests(_parse(spider(CRAWLER_FRONTIER="bfs"), _feed(*FEED_ENTRIES)))
    assert {r.priority for r in requests.values()} == {0}


def test_since_drops_feed_entries_dated_before_it(spider: Spider) -> None:
    crawl = spider(CrawlSpec(sites=("dantri",), since="2015-01-01"))
    assert crawl.since == date(2015, 1, 1)
    requests = _requests(_parse(crawl, _feed(*FEED_ENTRIES)))
    assert set(requests) == {ON_TOPIC}
    assert _stat(crawl, "crawler/skipped/older_than_since") == 1


def test_the_page_budget_ends_the_following(spider: Spider) -> None:
    crawl = spider(CrawlSpec(sites=("dantri",), max_pages=1))
    requests = _requests(_parse(crawl, _feed(*FEED_ENTRIES)))
    assert set(requests) == {ON_TOPIC}  # the first entry spent the one page
    assert _stat(crawl, "crawler/budget_exhausted") is True


def test_a_sitemap_lists_the_sites_own_articles_only(spider: Spider) -> None:
    url = f"{SITE}/sitemap.xml"
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{ON_TOPIC}</loc><lastmod>2016-04-09T10:17:00+07:00</lastmod></url>"
        "<url><loc>https://example.com/the-gioi/x-20160409101714155.htm</loc></url>"
        "</urlset>"
    )
    response = XmlResponse(url, body=body.encode(), request=Request(url, meta=_meta("sitemap", 0)))
    requests = _requests(_parse(spider(), response))
    assert set(requests) == {ON_TOPIC}  # another host's URL is not the site's
    request = requests[ON_TOPIC]
    assert (request.meta["found_via"], request.meta["referrer"]) == ("sitemap", url)
    assert request.meta["listed_date"] == (datetime(2016, 4, 9, 10, 17, tzinfo=ICT), "sitemap")


# --- listings -------------------------------------------------------------------------------
def test_a_listing_gives_its_articles_one_step_deeper_and_its_next_page_at_its_depth(
    spider: Spider,
) -> None:
    outputs = _parse(spider(), _listing(_meta("section", 0)))
    assert not [o for o in outputs if isinstance(o, ArticleItem)]  # a listing is no article
    requests = _requests(outputs)
    story = f"{SITE}/the-gioi/nga-va-nato-bat-ngo-nhom-hop-20160409101714155.htm"
    pageant = f"{SITE}/the-gioi/hoa-hau-the-gioi-dang-quang-20160409101714156.htm"
    next_page = f"{SITE}/the-gioi/trang-2.htm"
    assert set(requests) == {story, pageant, next_page}
    assert [requests[u].meta["seed_depth"] for u in (story, pageant)] == [1, 1]
    assert all(r.meta["referrer"] == SECTION for r in requests.values())
    # The next page of a list is no step away from the topic: same depth, its page counted.
    assert requests[next_page].meta["seed_depth"] == 0
    assert requests[next_page].meta["list_page"] == 2
    assert requests[story].priority > requests[pageant].priority


def test_a_next_page_chain_stops_at_max_list_pages(spider: Spider) -> None:
    crawl = spider(CRAWLER_MAX_LIST_PAGES=3)
    requests = _requests(_parse(crawl, _listing(_meta("section", 0, list_page=3))))
    assert f"{SITE}/the-gioi/trang-2.htm" not in requests  # a 4th page would pass the bound
    assert len(requests) == 2  # the third page's stories are still followed
    assert _stat(crawl, "crawler/bounded/max_list_pages") == 1


def test_links_past_max_depth_are_not_followed(spider: Spider) -> None:
    crawl = spider(CrawlSpec(sites=("dantri",), max_depth=1))
    requests = _requests(_parse(crawl, _listing(_meta("section", 1))))
    # The stories would be at depth 2; the next page keeps the list's depth 1.
    assert set(requests) == {f"{SITE}/the-gioi/trang-2.htm"}
    assert _stat(crawl, "crawler/bounded/max_depth") == 1


def test_a_url_asked_for_already_is_not_asked_for_again(spider: Spider) -> None:
    crawl = spider()
    first = _requests(_parse(crawl, _listing(_meta("section", 0))))
    again = _parse(crawl, _listing(_meta("section", 0), next_page="/the-gioi/trang-3.htm"))
    assert len(first) == 3
    assert set(_requests(again)) == {f"{SITE}/the-gioi/trang-3.htm"}


# --- articles -------------------------------------------------------------------------------
def test_an_article_page_gives_its_item_with_provenance_and_relevance(spider: Spider) -> None:
    outputs = _parse(spider(), _article(_meta("feed", 1, FEED)))
    [item] = [o for o in outputs if isinstance(o, ArticleItem)]
    assert (item.url, item.site, item.found_via, item.referrer, item.depth) == (
        ARTICLE, "dantri", "feed", FEED, 1
    )  # fmt: skip
    assert item.seed_id == "003"  # seed 003's own text: related to seed 003, and strongly
    assert item.relevance is not None and item.relevance > RELEVANCE_THRESHOLD
    assert item.article.title == "Nga và NATO bất ngờ nhóm họp sau 2 năm lạnh nhạt"
    assert item.article.published_at == datetime(2016, 4, 9, 10, 17, tzinfo=ICT)


def test_an_articles_related_links_are_followed_one_step_deeper(spider: Spider) -> None:
    requests = _requests(_parse(spider(), _article(_meta("feed", 1, FEED))))
    assert set(requests) == {RELATED}
    request = requests[RELATED]
    assert (request.meta["found_via"], request.meta["referrer"]) == ("related", ARTICLE)
    assert request.meta["seed_depth"] == 2


def test_since_drops_an_older_article_but_follows_its_links(spider: Spider) -> None:
    crawl = spider(CrawlSpec(sites=("dantri",), since="2017"))
    outputs = _parse(crawl, _article(_meta("feed", 1, FEED)))
    assert not [o for o in outputs if isinstance(o, ArticleItem)]
    assert _stat(crawl, "crawler/skipped/older_than_since") == 1
    assert set(_requests(outputs)) == {RELATED}  # a newer story may be linked from it


def test_an_unchanged_page_and_another_sites_page_give_nothing(spider: Spider) -> None:
    crawl = spider()
    unchanged = HtmlResponse(ARTICLE, status=304, request=Request(ARTICLE, meta=_meta("feed", 1)))
    assert _parse(crawl, unchanged) == []
    other = "https://example.com/news/1.html"
    elsewhere = HtmlResponse(other, body=b"<html></html>", request=Request(other))
    assert _parse(crawl, elsewhere) == []
