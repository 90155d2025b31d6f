"""One crawl's shared state in Redis, as one worker process sees it.

Every key of a crawl starts with ``CRAWLER_REDIS_PREFIX:<crawl id>``. The crawl id is
``CRAWLER_CRAWL_ID`` or, by default, derived from the spider and its arguments, so workers
started with the same command join the same crawl. Keys (docs/scale-out.md):

- ``queue`` (sorted set): the frontier, scrapy-redis's priority queue; ``seq`` orders it FIFO
  within a priority.
- ``dupefilter`` (set): fingerprints of every request ever queued in this crawl.
- ``seen`` / ``spent`` (set / counter): the page budget (``max_pages``) all workers spend.
- ``seeding`` / ``seeded``: which worker pushes the start points, and that it has.
- ``workers`` (hash: worker -> run id), ``heartbeat:<worker>`` (expires when the worker dies),
  ``inflight:<worker>`` (hash: request -> its queue score, until the worker is done with it).
- ``done``: the crawl finished; its frontier is dropped, a later worker starts a new crawl.
- ``host:<host>``: the next moment a request to that host may be sent (politeness).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import weakref
from typing import Any

import redis
from scrapy.crawler import Crawler

from crawler.db import run_sql
from crawler.shared_frontier import redis_scripts

logger = logging.getLogger(__name__)

_crawls: weakref.WeakKeyDictionary[Crawler, SharedCrawl] = weakref.WeakKeyDictionary()


def crawl_id(spider_name: str, arguments: dict[str, Any]) -> str:
    """The default crawl id: the same spider with the same arguments is the same crawl."""
    given = json.dumps({"spider": spider_name, **arguments}, sort_keys=True, default=str)
    return f"{spider_name}-{hashlib.sha1(given.encode()).hexdigest()[:12]}"


def digest(value: bytes | str, size: int = 8) -> bytes:
    """A short binary digest: 8 bytes keep 10 million URLs collision-free in practice
    (odds about 3 in a million per crawl) at a third of the memory of a hex SHA-1."""
    data = value.encode() if isinstance(value, str) else value
    return hashlib.blake2b(data, digest_size=size).digest()


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class SharedCrawl:
    def __init__(
        self,
        server: redis.Redis,
        crawl: str,
        *,
        prefix: str,
        worker: str | None = None,
        worker_timeout: float,
        ttl: float,
        seed_only: bool = False,
    ) -> None:
        self.server = server
        self.crawl_id = crawl
        self.prefix = f"{prefix}:{crawl}"
        self.worker = worker or run_sql.worker_name()
        self.worker_timeout = worker_timeout
        self.ttl = ttl
        self.seed_only = seed_only
        self._scripts = {
            name: server.register_script(getattr(redis_scripts, name))
            for name in ("PUSH", "POP", "REQUEUE", "SPEND", "FINISH_IF_DONE",
                         "MARK_SEEDING_ABANDONED", "RESERVE_HOST")
        }

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedCrawl:
        """The crawler's one SharedCrawl (the scheduler, budget and extension share it)."""
        if crawler in _crawls:
            return _crawls[crawler]
        settings = crawler.settings
        spider = crawler.spider
        assert spider is not None, "a shared crawl needs the crawler's spider (its arguments)"
        name = settings.get("CRAWLER_CRAWL_ID") or crawl_id(
            spider.name, dict(getattr(spider, "arguments", {}))
        )
        shared = cls(
            redis.Redis.from_url(settings.get("CRAWLER_REDIS_URL")),
            name,
            prefix=settings.get("CRAWLER_REDIS_PREFIX"),
            worker_timeout=settings.getfloat("CRAWLER_REDIS_WORKER_TIMEOUT"),
            ttl=settings.getfloat("CRAWLER_REDIS_TTL"),
            seed_only=settings.getbool("CRAWLER_REDIS_SEED_ONLY"),
        )
        _crawls[crawler] = shared
        return shared

    def key(self, name: str) -> str:
        return f"{self.prefix}:{name}"

    def call(self, script: str, keys: list[str], args: list[Any]) -> Any:
        return self._scripts[script](keys=keys, args=args)

    # --- joining and leaving ---------------------------------------------------------------
    def join(self, run_id: int | None = None) -> None:
        """Register this worker; after a finished crawl, a new one starts from nothing."""
        if self.server.exists(self.key("done")):
            logger.info("crawl %s finished before: starting it afresh", self.crawl_id)
            self.server.delete(*self.frontier_keys(), self.key("done"))
        self.heartbeat(run_id)

    def heartbeat(self, run_id: int | None = None) -> None:
        if self.server.exists(self.key("done")):
            return  # the crawl is over: nothing to keep alive
        pipe = self.server.pipeline()
        pipe.set(self.key(f"heartbeat:{self.worker}"), "1", px=int(self.worker_timeout * 1000))
        if run_id is not None or not self.server.hexists(self.key("workers"), self.worker):
            pipe.hset(self.key("workers"), self.worker, "" if run_id is None else str(run_id))
        for name in ("queue", "dupefilter", "seen", "spent", "seq", "workers", "seeding"):
            pipe.expire(self.key(name), int(self.ttl))  # an abandoned crawl does not stay
        pipe.execute()

    def leave(self) -> None:
        """A worker that closes gives back what it had not finished and stops counting."""
        self.requeue(self.worker)
        self.server.hdel(self.key("workers"), self.worker)
        self.server.delete(self.key(f"heartbeat:{self.worker}"))

    def requeue(self, worker: str) -> int:
        return int(self.call("REQUEUE", [self.key("queue"), self.key(f"inflight:{worker}")], []))

    def reap(self) -> dict[str, str]:
        """Requeue the in-flight requests of workers whose heartbeat stopped; {worker: run id}."""
        lost: dict[str, str] = {}
        for raw, run in self.server.hgetall(self.key("workers")).items():
            worker = _text(raw)
            if worker == self.worker or self.server.exists(self.key(f"heartbeat:{worker}")):
                continue
            requeued = self.requeue(worker)
            if self.server.hdel(self.key("workers"), worker):
                lost[worker] = _text(run)
                logger.warning(
                    "worker %s stopped answering: %d requests it had in flight requeued",
                    worker,
                    requeued,
                )
        holder = _text(self.server.get(self.key("seeding")) or b"")
        seeding = holder and not self.server.exists(self.key("seeded"))
        if seeding and not self.server.exists(self.key(f"heartbeat:{holder}")) and self.call(
                "MARK_SEEDING_ABANDONED", [self.key("seeded"), self.key("done")], [int(self.ttl)]):
            # The seeding worker died: what it pushed is the frontier (the next crawl seeds
            # in full again); without this the other workers would wait forever.
            logger.warning("the seeding worker %s died while seeding", holder)
        return lost

    # --- seeding ---------------------------------------------------------------------------
    def claim_seeding(self) -> bool:
        """True for the one worker of a crawl that pushes the start points (Redis SETNX)."""
        return bool(self.server.set(self.key("seeding"), self.worker, nx=True, ex=int(self.ttl)))

    def mark_seeded(self) -> None:
        self.server.set(self.key("seeded"), self.worker, ex=int(self.ttl))

    def seeded(self) -> bool:
        return bool(self.server.exists(self.key("seeded")))

    # --- the end ---------------------------------------------------------------------------
    def frontier_keys(self) -> list[str]:
        names = ["queue", "dupefilter", "seen", "spent", "seq", "seeding", "seeded", "workers"]
        return [self.key(n) for n in names]

    def finish_if_done(self) -> bool:
        keys = [self.key(n) for n in ("queue", "workers", "seeded", "done")]
        return bool(self.call("FINISH_IF_DONE", keys, [self.prefix, int(self.ttl),
                                                       *self.frontier_keys()]))  # fmt: skip

    def frontier_size(self) -> int:
        return int(self.server.zcard(self.key("queue")))

    def reserve_host(self, host: str, delay: float) -> float:
        """Seconds to wait before sending a request to ``host`` (see redis_scripts.RESERVE_HOST)."""
        now_ms = int(time.time() * 1000)
        wait = self.call("RESERVE_HOST", [self.key(f"host:{host}")], [now_ms, int(delay * 1000)])
        return int(wait) / 1000.0
