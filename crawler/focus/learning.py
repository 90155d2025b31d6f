"""Online link learning: which links lead to related articles on this crawl's sites.

Modelled on ACHE's online link classifier. Every fetched article is a labelled example for the
link that led to it (related or not, by the relevance threshold), described by what was known
before fetching: the words of its anchor text, the words of its URL, the block it sat in and
how relevant its parent page was. A naive Bayes model over those features, updated after every
article, estimates for each new link the chance that its target is related. The static formula
(``frontier.link_value``) says what holds on any news site; the learner picks up what holds on
the sites at hand: which names and words in this portal's headlines, which of its tags and
sections, lead to the seeds' stories. Pure; the spider feeds it (``observe``) and asks it
(``estimate``).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

from crawler.text import normalize as tn

MIN_EXAMPLES = 5  # of each class, before the estimate is trusted at all
_URL_WORD = re.compile(r"[a-z]{2,}")


def link_features(
    anchor_text: str,
    url: str,
    block: str,
    parent_relevance: float | None,
    snippet: float | None = None,
) -> tuple[str, ...]:
    """What a link says about its target before it is fetched, as feature strings.
    ``snippet``: how relevant its anchor reads (RelevanceModel.score_snippet). Without it the
    learner credits a link's place to its target: a focused crawl follows the on-topic links
    of a related page's boxes, so every box link would look related."""
    anchor = {f"a:{tn.fold_word(t)}" for t in tn.tokens(anchor_text)}
    if snippet is not None:
        anchor.add("s:high" if snippet >= 0.3 else "s:mid" if snippet >= 0.1 else "s:low")
    path = url.split("://", 1)[-1].partition("/")[2].split("?")[0]
    # URL words, not ids: "/a/900125" says nothing, "/quoc-phong/..." and "/zyme/..." may.
    words = {f"u:{w}" for w in _URL_WORD.findall(tn.fold(path.lower()))}
    if parent_relevance is None:
        parent = "none"
    else:
        parent = "high" if parent_relevance >= 0.3 else "mid" if parent_relevance >= 0.1 else "low"
    return tuple(sorted(anchor | words | {f"b:{block}", f"p:{parent}"}))


@dataclass
class LinkLearner:
    """Bernoulli naive Bayes over link features, learned online. Laplace smoothing keeps a
    feature seen once from deciding alone."""

    counts: dict[bool, Counter[str]] = field(
        default_factory=lambda: {True: Counter(), False: Counter()}
    )
    examples: Counter[bool] = field(default_factory=Counter)

    def observe(self, features: tuple[str, ...] | list[str], related: bool) -> None:
        self.counts[related].update(set(features))
        self.examples[related] += 1

    @property
    def trained(self) -> bool:
        return min(self.examples[True], self.examples[False]) >= MIN_EXAMPLES

    def estimate(self, features: tuple[str, ...] | list[str]) -> float | None:
        """The probability that the link's target is related; None until trained. Only
        features seen before count: an unseen word is no evidence either way."""
        if not self.trained:
            return None
        pos, neg = self.examples[True], self.examples[False]
        # No class prior: the examples are the pages the crawl chose to fetch, mostly related
        # ones on a focused crawl, which says nothing of an unseen link. Only the features
        # count, so a link with none seen before is even (0.5).
        log_odds = 0.0
        for f in set(features):
            cp, cn = self.counts[True][f], self.counts[False][f]
            if cp or cn:
                log_odds += math.log((cp + 1) / (pos + 2)) - math.log((cn + 1) / (neg + 2))
        return 1 / (1 + math.exp(-max(-30.0, min(30.0, log_odds))))


@dataclass
class QueuedLinks:
    """Links asked for and not fetched yet, at their priority. A priority is set when a link
    is first found; a link found again once the learner has learned more, and now worth
    clearly more or less, is queued again at its new priority (ACHE re-ranks its frontier to
    the same end). Each copy carries a version; a copy that is no longer the latest, or whose
    URL was fetched meanwhile, is dropped before download."""

    margin: int = 100  # priority points (0.1 of a link's value): no churn for small changes
    latest: dict[str, tuple[int, int]] = field(default_factory=dict)  # url -> priority, version
    # url -> the version sent to the downloader; None: fetched without one (a start page)
    fetched: dict[str, int | None] = field(default_factory=dict)

    def queued(self, url: str, priority: int) -> int:
        """A new link's first copy; its version."""
        self.latest.setdefault(url, (priority, 0))
        return self.latest[url][1]

    def rejudged(self, url: str, priority: int) -> int | None:
        """The version of a new copy when ``url`` waits and ``priority`` differs from its
        queued one by at least ``margin``; None when no new copy is worth it."""
        if url not in self.latest or abs(priority - self.latest[url][0]) < self.margin:
            return None
        version = self.latest[url][1] + 1
        self.latest[url] = (priority, version)
        return version

    def is_stale(self, url: str, version: int) -> bool:
        if url in self.fetched:  # a retry or a Retry-After wait re-issues the copy sent
            return version != self.fetched[url]
        return version != self.latest.get(url, (0, version))[1]

    def send(self, url: str, version: int) -> None:
        """The copy ``version`` goes to the downloader: from now on it is the only one."""
        self.latest.pop(url, None)
        self.fetched[url] = version

    def done(self, url: str) -> None:
        """``url``'s page was fetched (by whichever copy: the one sent keeps its version)."""
        self.latest.pop(url, None)
        self.fetched.setdefault(url, None)
