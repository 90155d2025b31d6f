"""The archive writer without Scrapy, on both backends: batches by size and by time, a write
conflict tried again, an archive that goes away waited for with back-off and given up past the
limit, every outcome counted.

Faults are injected into the real database's statements (an engine event that fails the
articles' INSERT while a fault lasts), and time is a fake clock the writer's waits advance.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.exc import OperationalError

from crawler.db import article_sql
from crawler.db.session import make_engine, session_factory
from crawler.items import ArticleItem, ExtractedArticle, SiteInfo
from crawler.store.batch_writer import ATTEMPTS, ArchiveWriter, Pending
from crawler.store.dedup import article_record

T0 = datetime(2026, 1, 1, tzinfo=UTC)
SITE = SiteInfo("tin", "Tin tức", "vi", ("tin.vn",))
WORDS = [f"từ{i}" for i in range(3000)]


def _text(seed: int) -> str:
    rng = random.Random(seed)
    return "\n".join(" ".join(rng.choices(WORDS, k=40)) for _ in range(4))


def article(url: str, text: str, title: str = "Nga - Nhật") -> Pending:
    """An article as the store pipeline hands it over: the item's record and its site."""
    extracted = ExtractedArticle(url=url, text=text, title=title, extractor_version="t")
    item = ArticleItem(url=url, site=SITE.key, fetched_at=T0, article=extracted, site_info=SITE)
    return Pending(SITE, article_record(item, None))


class Clock:
    """Monotonic time the test moves; the writer's sleeps move it too (and are recorded)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


class Faults:
    """Fails every INSERT into ``articles`` while ``left`` > 0, as a lock or a restart would."""

    def __init__(self, engine: Engine) -> None:
        self.left = 0
        self.raised = 0
        event.listen(engine, "before_cursor_execute", self.check)

    def check(self, _conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if self.left > 0 and statement.lstrip().startswith("INSERT INTO articles "):
            self.left -= 1
            self.raised += 1
            raise OperationalError(statement, params, Exception("database is locked"))


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def writer(engine: Engine, clock: Clock, **options: Any) -> ArchiveWriter:
    settings = {"batch_size": 3, "flush_interval": 0.0, "outage_max": 60.0, "threshold": 0.5}
    return ArchiveWriter(
        session_factory(engine), clock=clock, sleep=clock.sleep, **{**settings, **options}
    )


def stored(engine: Engine) -> int:
    with session_factory(engine)() as session:
        return article_sql.count_articles(session)


def test_a_full_batch_is_written_in_one_go(engine: Engine) -> None:
    clock = Clock()
    w = writer(engine, clock)
    first = w.add(article("https://tin.vn/a.html", _text(1)))
    second = w.add(article("https://tin.vn/b.html", _text(2)))
    assert (first.waiting, second.waiting, stored(engine)) == (1, 2, 0)
    assert not first.outcomes and not second.outcomes
    full = w.add(article("https://tin.vn/c.html", _text(3)))
    assert full.outcomes == {"new": 3}
    assert (full.waiting, stored(engine)) == (0, 3)


def test_what_waits_is_written_once_the_oldest_waited_the_interval(engine: Engine) -> None:
    clock = Clock()
    w = writer(engine, clock, batch_size=50, flush_interval=5.0)
    w.add(article("https://tin.vn/a.html", _text(1)))
    clock.now += 3
    assert w.add(article("https://tin.vn/b.html", _text(2))).waiting == 2
    clock.now += 1.5
    assert w.tick().waiting == 2 and stored(engine) == 0  # the oldest waited 4.5 s
    clock.now += 0.5
    report = w.tick()
    assert report.outcomes == {"new": 2} and stored(engine) == 2
    clock.now += 60
    assert not w.tick().outcomes  # nothing waits, nothing written


def test_close_writes_what_waits(engine: Engine) -> None:
    w = writer(engine, Clock(), batch_size=50)
    w.add(article("https://tin.vn/a.html", _text(1)))
    assert w.close().outcomes == {"new": 1} and stored(engine) == 1


def test_a_write_conflict_is_tried_again_and_counted_once(engine: Engine) -> None:
    clock, faults = Clock(), Faults(engine)
    w = writer(engine, clock)
    faults.left = ATTEMPTS - 1  # a deadlock, then a busy snapshot: the third attempt succeeds
    for name in "abc":
        report = w.add(article(f"https://tin.vn/{name}.html", _text(ord(name))))
    assert faults.raised == ATTEMPTS - 1
    assert clock.slept == [0.2, 0.4]
    assert report.outcomes == {"new": 3} and stored(engine) == 3
    assert (report.outages, report.lost, report.away) == (0, [], False)


def test_an_archive_that_is_away_is_waited_for_with_back_off(engine: Engine) -> None:
    clock, faults = Clock(), Faults(engine)
    w = writer(engine, clock)
    faults.left = ATTEMPTS  # every attempt of the batch fails: the archive is away
    for name in "abc":
        report = w.add(article(f"https://tin.vn/{name}.html", _text(ord(name))))
    assert (report.outages, report.away, report.waiting, report.lost) == (1, True, 3, [])
    assert stored(engine) == 0
    # Until the back-off has passed (1 s), the archive is not asked: no statement is tried.
    faults.left = 100
    report = w.add(article("https://tin.vn/d.html", _text(4)))
    assert (faults.raised, report.waiting, report.outages) == (ATTEMPTS, 4, 0)
    clock.now += 1.0
    report = w.tick()  # asked again: still away, the next wait doubles (2 s)
    assert faults.raised == 2 * ATTEMPTS and report.away and report.outages == 0
    assert w.outage.wait == 2.0
    clock.now += 1.0
    w.tick()
    assert faults.raised == 2 * ATTEMPTS  # 1 s of 2: not asked
    faults.left = 0  # the archive is back
    clock.now += 1.0
    report = w.tick()
    assert report.outcomes == {"new": 4} and stored(engine) == 4
    # away from the first failure to this write: 1 s + 2 s of back-off, 0.6 s of the retries
    assert (report.written_after_outage, report.outage_seconds) == (4, pytest.approx(3.6))
    assert (report.away, report.waiting, report.lost) == (False, 0, [])


def test_past_the_outage_limit_the_waiting_articles_are_given_up(engine: Engine) -> None:
    clock, faults = Clock(), Faults(engine)
    w = writer(engine, clock, outage_max=10.0)
    faults.left = 10_000  # away for good
    for name in "abc":
        report = w.add(article(f"https://tin.vn/{name}.html", _text(ord(name))))
    assert report.away and report.waiting == 3
    w.add(article("https://tin.vn/d.html", _text(4)))
    clock.now += 11.0
    report = w.tick()
    assert (report.lost, report.waiting) == ([4], 0)
    assert stored(engine) == 0


def test_close_waits_for_the_archive_up_to_the_limit(engine: Engine) -> None:
    clock, faults = Clock(), Faults(engine)
    w = writer(engine, clock, batch_size=50, outage_max=10.0)
    faults.left = 10_000
    for name in "ab":
        w.add(article(f"https://tin.vn/{name}.html", _text(ord(name))))
    report = w.close()
    assert (report.outages, report.lost, report.waiting) == (1, [2], 0)
    waited = sum(s for s in clock.slept if s >= 1.0)  # back-off, not the conflict retries
    assert 10.0 <= waited <= 10.0 + 30.0
    assert stored(engine) == 0


def test_close_writes_once_the_archive_is_back(engine: Engine) -> None:
    clock, faults = Clock(), Faults(engine)
    w = writer(engine, clock, batch_size=50, outage_max=60.0)
    faults.left = 2 * ATTEMPTS  # away for the first two tries of the batch
    w.add(article("https://tin.vn/a.html", _text(1)))
    report = w.close()
    assert (report.outages, report.lost, report.written_after_outage) == (1, [], 1)
    assert report.outcomes == {"new": 1} and stored(engine) == 1


def test_every_outcome_is_counted(engine: Engine) -> None:
    w = writer(engine, Clock(), batch_size=50)
    original = _text(7)
    near = " ".join(original.split(" ")[:-10] + WORDS[:10])  # its last ten words differ
    for pending in (
        article("https://tin.vn/a.html", original),
        article("https://tin.vn/b.html", _text(8)),
    ):
        w.add(pending)
    assert w.flush().outcomes == {"new": 2}
    for pending in (
        article("https://tin.vn/a.html?utm_source=rss", original),  # the same, unchanged
        article("https://tin.vn/b.html", _text(8), title="Tiêu đề mới"),  # a new version
        article("https://tin.vn/ban-sao.html", original),  # the same text elsewhere
        article("https://tin.vn/z.html", near),  # a near-duplicate of a.html
    ):
        w.add(pending)
    report = w.flush()
    assert report.outcomes == {"unchanged": 1, "updated": 1, "duplicate": 1, "new": 1}
    assert report.near_duplicates == 1
    assert stored(engine) == 3
