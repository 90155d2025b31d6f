"""Link priority for the focused crawl: which discovered link to fetch first. Pure functions.

A link is judged before it is fetched, from what the parent page says about it: its anchor
text, its URL slug, the block it sat in (a related-articles list beats a footer), how relevant
the parent page was, and how deep it is. Article links are ranked by expected relevance;
listing pages (sections, tags, feeds, pagination) get a floor so that the crawl keeps finding
new articles, but a strong article candidate still goes first. docs/relevance.md has the
formula and the reasons for its weights.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING
from urllib.parse import unquote_plus, urlsplit

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from crawler.focus.relevance import RelevanceModel

BLOCKS = ("seed", "related", "section", "tag", "feed", "sitemap", "search", "link")
# How much being in a block says about a link, before its words are read: editors chose the
# related list, a search for the topic chose the search results, a footer chose nothing.
_BLOCK_PRIOR = MappingProxyType(
    {
        "seed": 1.0,
        "related": 0.7,
        "search": 0.5,
        "tag": 0.4,
        "feed": 0.3,
        "sitemap": 0.2,
        "section": 0.2,
        "link": 0.0,
    }
)
# A trailing article id or date ("-20160409101714155", "-57-381865") and file extensions.
_SLUG_NOISE = re.compile(r"(?:[-_]\d+)+(?=\.|$)|\.(?:s?html?|php|aspx?|rss|xml)$", re.IGNORECASE)


@dataclass(frozen=True)
class FrontierPolicy:
    """The weights of :func:`link_priority`. ``focused=False`` gives every link the same
    priority, so that the scheduler's own order (breadth-first or depth-first, as configured)
    decides: the baseline a benchmark compares the focused crawl against."""

    focused: bool = True
    snippet_weight: float = 0.55  # anchor text / slug relevance: the most direct evidence
    block_weight: float = 0.25
    parent_weight: float = 0.2  # relevant pages link to relevant pages (topical locality)
    listing_base: float = 0.15  # listing pages: explored, after articles with topical evidence
    listing_snippet_weight: float = 0.3  # a tag page named after the topic is worth more
    depth_penalty: float = 0.02  # per link hop from a start page
    informative_anchor_words: int = 4  # a headline, not "Xem thêm" or an image link
    on_topic_snippet: float = 0.3  # from this snippet score on, the priors count in full
    off_topic_floor: float = 0.35  # what is left of the priors for an off-topic headline
    # The online learner's estimate (crawler/focus/learning.py), once trained, moves a link's
    # value by up to half this either way: what this site taught, beside what holds anywhere.
    learned_weight: float = 0.0  # CRAWLER_LINK_LEARNING_WEIGHT
    block_prior: Mapping[str, float] = field(default_factory=lambda: _BLOCK_PRIOR)
    scale: int = 1000  # Scrapy priorities are integers


FOCUSED = FrontierPolicy()
BREADTH_FIRST = FrontierPolicy(focused=False)


def url_words(url: str, *, is_article_url: bool = True) -> str:
    """The words of a URL: an article's slug, or a listing's whole path and query (a tag or
    a search term may sit anywhere there)."""
    parts = urlsplit(url)
    path = unquote_plus(parts.path)
    if is_article_url:
        path = path.rstrip("/").rsplit("/", 1)[-1]
        text = _SLUG_NOISE.sub("", path)
    else:
        text = f"{_SLUG_NOISE.sub('', path)} {unquote_plus(parts.query)}"
    return re.sub(r"[-_/.=&+]+", " ", text).strip()


def hub_relevance(
    anchors: Iterable[str], model: RelevanceModel, policy: FrontierPolicy = FOCUSED
) -> float:
    """How relevant a listing page is, for its links' ``parent_relevance``: the share of its
    headlines (anchors of several words) that show the topic. A tag page of the seeds' story
    is mostly such headlines, a section page a few, a sport tag none (ACHE's hub score)."""
    headlines = [a for a in anchors if len(a.split()) >= policy.informative_anchor_words]
    if not headlines:
        return 0.0
    on_topic = sum(model.score_snippet(a) >= policy.on_topic_snippet for a in headlines)
    return on_topic / len(headlines)


def link_value(
    *,
    anchor_text: str,
    url: str,
    block: str,
    parent_relevance: float | None,
    depth: int,
    is_article_url: bool,
    model: RelevanceModel,
    policy: FrontierPolicy = FOCUSED,
    learned: float | None = None,
) -> float:
    """The expected worth of fetching a link, about 0..1 (seeds above 1). ``learned``: the
    link learner's estimate that the target is related, when it has one."""
    if block not in policy.block_prior:
        raise ValueError(f"unknown link block {block!r}; expected one of {', '.join(BLOCKS)}")
    snippet = max(
        model.score_snippet(anchor_text) if anchor_text.strip() else 0.0,
        model.score_snippet(url_words(url, is_article_url=is_article_url)),
    )
    prior = policy.block_prior[block]
    parent = parent_relevance or 0.0
    if block == "seed":
        value = 1.0 + snippet
    elif is_article_url:
        # The block and the parent page are priors; a headline that says what the target is
        # about is direct evidence. When a headline of several words shows nothing of the
        # topic, the priors lose most of their weight: an editor's related list or a relevant
        # page also links to the day's sport and weather.
        context = policy.block_weight * prior + policy.parent_weight * parent
        if len(anchor_text.split()) >= policy.informative_anchor_words:
            context *= policy.off_topic_floor + (1 - policy.off_topic_floor) * min(
                1.0, snippet / policy.on_topic_snippet
            )
        value = policy.snippet_weight * snippet + context
    else:
        value = (
            policy.listing_base
            + policy.listing_snippet_weight * snippet
            + policy.block_weight * prior * 0.5
            + policy.parent_weight * parent * 0.5
        )
    if learned is not None and block != "seed":
        # A shift around the formula's value, not a mean with it: links queued before the
        # learner was trained keep their priorities, so an even estimate must change nothing.
        value += policy.learned_weight * (learned - 0.5)
    return value - policy.depth_penalty * depth


def link_priority(
    *,
    anchor_text: str,
    url: str,
    block: str,
    parent_relevance: float | None,
    depth: int,
    is_article_url: bool,
    model: RelevanceModel,
    policy: FrontierPolicy = FOCUSED,
    learned: float | None = None,
) -> int:
    """A Scrapy request priority (higher is fetched first)."""
    if not policy.focused:
        return 0
    value = link_value(
        anchor_text=anchor_text,
        url=url,
        block=block,
        parent_relevance=parent_relevance,
        depth=depth,
        is_article_url=is_article_url,
        model=model,
        policy=policy,
        learned=learned,
    )
    return round(policy.scale * value)
