"""crawler/focus/learning.py and the frontier's use of it: links learned during the crawl."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.settings import Settings

from crawler.errors import ConfigError
from crawler.focus.frontier import BREADTH_FIRST, FOCUSED, hub_relevance, link_value
from crawler.focus.learning import MIN_EXAMPLES, LinkLearner, QueuedLinks, link_features
from crawler.focus.relevance import RelevanceModel
from crawler.middlewares.refetch import SkipRefetchMiddleware
from crawler.seeds import load_seeds
from crawler.spiders.arguments import frontier_policy
from crawler.spiders.feedback import FEATURES_KEY, LinkFeedback

SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"
LEARNING = frontier_policy("focused", 0.5)  # the learner's estimate counts (off by default)
SITE = "https://news.example"


@pytest.fixture(scope="module")
def model() -> RelevanceModel:
    return RelevanceModel.from_seeds(load_seeds(SEEDS_DIR))


def test_features_are_anchor_and_url_words_block_and_parent() -> None:
    features = link_features("Ngoại trưởng Nga tới Tokyo", f"{SITE}/the-gioi/a-b-123.html",
                             "related", 0.42)
    assert {"a:ngoai", "a:nga", "a:tokyo", "u:the", "u:gioi", "b:related", "p:high"} <= set(
        features)
    assert not any(f.startswith("u:") and f[2:].isdigit() for f in features)  # ids say nothing
    assert "p:none" in link_features("", f"{SITE}/x/ab12", "link", None)
    # How on-topic the anchor reads, in three buckets: what the learner must not credit to
    # the link's place (a related page's box) when the headline shows nothing of the topic.
    assert "s:low" in link_features("Giá xăng", f"{SITE}/x/ab12", "related", 0.9, 0.02)
    assert "s:high" in link_features("Nga - Nhật", f"{SITE}/x/ab12", "related", 0.9, 0.5)


def test_the_learner_says_nothing_until_it_has_seen_both_classes() -> None:
    learner = LinkLearner()
    for _ in range(MIN_EXAMPLES):
        learner.observe(("a:nga", "u:the"), True)
    assert learner.estimate(("a:nga",)) is None
    for _ in range(MIN_EXAMPLES):
        learner.observe(("a:gia", "u:kinh"), False)
    assert learner.estimate(("a:nga",)) is not None


def test_the_learner_ranks_links_like_the_ones_that_led_to_related_pages() -> None:
    learner = LinkLearner()
    for i in range(20):
        learner.observe(("a:lavrov", "u:the", "b:related", f"a:w{i}"), i % 4 != 0)
        learner.observe(("a:bong", "u:the", "b:related", f"a:v{i}"), i % 5 == 0)
    good, bad = learner.estimate(("a:lavrov", "b:related")), learner.estimate(("a:bong",))
    assert good is not None and bad is not None and good > 0.5 > bad
    # A word never seen is no evidence either way, and neither is the share of related pages
    # among those fetched (a focused crawl fetches mostly related ones): the estimate is even.
    base = learner.estimate(("a:unseen",))
    assert base == 0.5 and bad < base < good


def test_a_learned_estimate_moves_a_link_value(model: RelevanceModel) -> None:
    kwargs = {"anchor_text": "Giá vàng hôm nay", "url": f"{SITE}/a/1234567", "block": "link",
              "parent_relevance": 0.0, "depth": 1, "is_article_url": True, "model": model,
              "policy": LEARNING}
    plain = link_value(**kwargs)  # type: ignore[arg-type]
    assert link_value(**kwargs, learned=0.9) == pytest.approx(plain + 0.2)  # type: ignore[arg-type]
    assert link_value(**kwargs, learned=0.1) == pytest.approx(plain - 0.2)  # type: ignore[arg-type]
    # An even estimate (nothing known of its features) leaves the value as it was before
    # the learner was trained, the value of the links queued then.
    assert link_value(**kwargs, learned=0.5) == pytest.approx(plain)  # type: ignore[arg-type]
    assert link_value(**kwargs, learned=None) == plain  # type: ignore[arg-type]
    seed = {**kwargs, "block": "seed"}
    assert link_value(**seed, learned=0.0) == link_value(**seed)  # type: ignore[arg-type]


def test_hub_relevance_is_the_share_of_on_topic_headlines(model: RelevanceModel) -> None:
    topic = ["Nga và Nhật Bản nối lại đàm phán hiệp ước hòa bình",
             "Lavrov hội đàm với Ngoại trưởng Nhật Bản Kono về hiệp ước hòa bình"]
    other = ["Giá xăng giảm lần thứ ba liên tiếp", "Mưa lớn kéo dài ở Hà Nội hôm nay"]
    assert hub_relevance(topic, model) == 1.0
    assert hub_relevance(other, model) == 0.0
    assert hub_relevance([*topic, *other, "Xem thêm"], model) == 0.5  # labels do not count
    assert hub_relevance([], model, FOCUSED) == 0.0


def test_queued_links_requeue_only_a_clear_change_and_drop_the_stale_copy() -> None:
    links = QueuedLinks(margin=100)
    first = links.queued("u", 150)
    assert links.rejudged("u", 200) is None  # too small a change: no churn
    second = links.rejudged("u", 450)
    assert second is not None and second != first
    assert links.is_stale("u", first) and not links.is_stale("u", second)
    assert links.rejudged("v", 900) is None  # never queued: nothing to move
    links.done("u")
    assert links.is_stale("u", second)  # fetched: any copy left is dropped
    assert links.rejudged("u", 900) is None


def _project(values: dict[str, object]) -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings")
    settings.setdict(values, priority="cmdline")
    return settings


class _Stats:
    def __init__(self) -> None:
        self.values: dict[str, int] = {}

    def inc_value(self, key: str) -> None:
        self.values[key] = self.values.get(key, 0) + 1


def test_a_waiting_link_is_queued_again_and_its_stale_copy_dropped(model: RelevanceModel) -> None:
    feedback = LinkFeedback(_project({"CRAWLER_RELEVANCE_THRESHOLD": 0.3}), model, LEARNING)
    url, link = f"{SITE}/a/1234567", ("Giá vàng hôm nay", "link", 0.0, 1, True)
    before, features = feedback.judge(link[0], url, *link[1:])
    first = Request(url, priority=before)
    feedback.first(first)
    assert not feedback.waiting(url)  # nothing learned yet: not judged again
    for i in range(MIN_EXAMPLES):  # links like this one led to related articles, others not
        feedback.article({FEATURES_KEY: features}, 0.9)
        feedback.article({FEATURES_KEY: ("a:bong", f"a:x{i}")}, 0.0)
        feedback.article({}, 0.9)  # a start page: no link to learn from
    assert feedback.waiting(url)
    after, _ = feedback.judge(link[0], url, *link[1:])
    assert after >= before + feedback.queued.margin  # type: ignore[union-attr]
    stats = _Stats()
    copies = list(feedback.again(Request(url, priority=after), stats))
    assert len(copies) == 1 and copies[0].dont_filter and copies[0].priority == after
    assert stats.values == {"crawler/frontier/requeued": 1}
    assert list(feedback.again(Request(url, priority=after), stats)) == []  # no churn
    spider = SimpleNamespace(link_feedback=feedback, crawler=SimpleNamespace(stats=stats))
    middleware = SkipRefetchMiddleware(SimpleNamespace(spider=spider, stats=stats))
    with pytest.raises(IgnoreRequest):
        middleware.process_request(first)
    assert middleware.process_request(copies[0]) is None
    # Sent to download: no copy of it is fetched again, though its page is not parsed yet
    # (it may wait for a worker), and it is no longer judged again.
    assert not feedback.waiting(url)
    # The copy that was sent, issued again (a retry, a wait for Retry-After), is not a copy.
    assert middleware.process_request(copies[0].replace()) is None
    feedback.fetched(url)
    assert middleware.process_request(copies[0].replace()) is None
    with pytest.raises(IgnoreRequest):
        middleware.process_request(first)
    assert stats.values["crawler/frontier/superseded"] == 2


def test_breadth_first_ranks_and_learns_nothing(model: RelevanceModel) -> None:
    feedback = LinkFeedback(_project({}), model, BREADTH_FIRST)
    assert feedback.judge("Nga và Nhật Bản", f"{SITE}/a/1", "related", 0.9, 1, True) == (0, ())
    assert feedback.hub([]) is None and feedback.queued is None
    feedback.article({FEATURES_KEY: ()}, 0.9)
    assert not feedback.learner.examples


def test_the_learners_weight_is_a_setting_off_by_default(model: RelevanceModel) -> None:
    assert frontier_policy("focused").learned_weight == FOCUSED.learned_weight == 0.0
    kwargs = {"anchor_text": "Giá vàng hôm nay", "url": f"{SITE}/a/1", "block": "link",
              "parent_relevance": 0.0, "depth": 1, "is_article_url": True, "model": model}
    assert link_value(**kwargs, learned=0.9) == link_value(**kwargs)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="CRAWLER_LINK_LEARNING_WEIGHT"):
        frontier_policy("focused", 1.5)
