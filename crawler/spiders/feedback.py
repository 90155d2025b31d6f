"""The spider's side of online link learning (crawler/focus/learning.py).

What a link promised (its features, on its request) and what its page turned out to be (an
article's relevance) go to the learner; a link found again while it still waits is judged
again and, when the learner now rates it clearly otherwise, queued again at its new priority
(crawler/middlewares/refetch.py drops the superseded copy).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import scrapy
from scrapy.settings import BaseSettings

from crawler import stat_keys
from crawler.config import RELEVANCE_THRESHOLD
from crawler.extraction.link_reader import Candidate
from crawler.focus.frontier import FrontierPolicy, hub_relevance, link_priority
from crawler.focus.learning import LinkLearner, QueuedLinks, link_features
from crawler.focus.relevance import RelevanceModel
from crawler.middlewares.refetch import META_KEY

FEATURES_KEY = "link_features"


class LinkFeedback:
    def __init__(
        self, settings: BaseSettings, model: RelevanceModel, policy: FrontierPolicy
    ) -> None:
        self.model, self.policy = model, policy
        self.learner = LinkLearner()
        # What counts as related for learning; an archive-everything crawl (threshold 0)
        # still learns which links lead to related articles.
        threshold = settings.getfloat("CRAWLER_RELEVANCE_THRESHOLD")
        self.threshold = threshold or RELEVANCE_THRESHOLD
        # One process's queue only: in a shared crawl (Redis) another worker holds the copy.
        shared = bool(settings.get("CRAWLER_REDIS_URL"))
        self.queued = QueuedLinks() if policy.focused and not shared else None

    def judge(
        self,
        anchor: str,
        url: str,
        block: str,
        parent_relevance: float | None,
        depth: int,
        is_article: bool,
    ) -> tuple[int, tuple[str, ...]]:
        """A link's priority (the frontier's formula and the learner's estimate) and the
        features its page will be learned by. Breadth-first: no priority, nothing to learn."""
        if not self.policy.focused:
            return 0, ()
        snippet = self.model.score_snippet(anchor) if anchor.strip() else None
        features = link_features(anchor, url, block, parent_relevance, snippet)
        priority = link_priority(
            anchor_text=anchor,
            url=url,
            block=block,
            parent_relevance=parent_relevance,
            depth=depth,
            is_article_url=is_article,
            model=self.model,
            policy=self.policy,
            # Off by default (CRAWLER_LINK_LEARNING_WEIGHT 0): then no estimate is made.
            learned=self.learner.estimate(features) if self.policy.learned_weight else None,
        )
        return priority, features

    def first(self, request: scrapy.Request) -> None:
        """A link asked for the first time."""
        if self.queued is not None:
            request.meta[META_KEY] = self.queued.queued(request.url, request.priority)

    def hub(self, links: Iterable[Candidate]) -> float | None:
        """A listing page's relevance, passed on to its links: how many of its headlines show
        the topic (breadth-first: None, no link is ranked by it)."""
        if not self.policy.focused:
            return None
        return hub_relevance((c.anchor for c in links), self.model, self.policy)

    def waiting(self, url: str) -> bool:
        """Worth judging again: the learner knows something, and the link is not fetched."""
        return self.queued is not None and self.learner.trained and url in self.queued.latest

    def again(self, request: scrapy.Request, stats: Any) -> Iterator[scrapy.Request]:
        """A new copy of a waiting link at its new priority, unless it changed little."""
        version = self.queued.rejudged(request.url, request.priority) if self.queued else None
        if version is not None:
            stats.inc_value(stat_keys.FRONTIER_REQUEUED)
            request.meta[META_KEY] = version
            yield request.replace(dont_filter=True)

    def fetched(self, url: str) -> None:
        if self.queued is not None:
            self.queued.done(url)

    def article(self, meta: dict[str, Any], relevance: float) -> None:
        """What the link that led here promised, and whether the article is related."""
        if meta.get(FEATURES_KEY):
            self.learner.observe(meta[FEATURES_KEY], relevance >= self.threshold)
