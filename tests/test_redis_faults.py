"""Redis going away mid-crawl (docs/scale-out.md, "What happens when something dies").

Each test starts a `redis-server` of its own on a free port (`appendonly yes`, its files in the
test's tmp directory), kills it while a worker crawls the recorded web into PostgreSQL, and
starts it again: with its data (the workers resume, no article lost or archived twice) or
empty (the next crawl finishes with no duplicate).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from crawler.db.session import upgrade
from tests.conftest import _unavailable
from tests.test_scaleout import RELATED, _archive, _env, _fetched, _fetched_or_none, _seed, _worker

pytestmark = [pytest.mark.slow, pytest.mark.redis, pytest.mark.postgres]


class RedisServer:
    """One redis-server process with its data in ``directory``."""

    def __init__(self, directory: Path) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--dir", str(self.directory), "--appendonly", "yes", "--appendfsync", "always",
             "--save", ""],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 20
        while True:
            try:
                if client.ping():
                    break
            except redis.exceptions.BusyLoadingError:
                pass  # still reading its append-only file
            except redis.exceptions.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("redis-server did not start") from None
            time.sleep(0.05)
        client.close()

    def kill(self) -> None:
        """Gone at once, as a crashed server or machine (appendfsync always: nothing unsaved)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    if shutil.which("redis-server") is None:
        _unavailable("redis-server is not installed")
    server = RedisServer(tmp_path / "redis-data")
    server.start()
    yield server
    server.kill()


def _faults_env(postgres_url: str, server: RedisServer) -> dict[str, str]:
    # 10 s, not test_scaleout's 3: on a loaded machine a live worker's heartbeat can lapse for
    # 3 s, and its in-flight pages are then fetched twice (never archived twice).
    return {**_env(postgres_url, server.url, "faults"), "CRAWLER_REDIS_WORKER_TIMEOUT": "10"}


def _ended(process: subprocess.Popen[bytes], tmp: Path, name: str, timeout: float = 240) -> str:
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        raise AssertionError(f"worker {name} did not end") from None
    output = (tmp / f"{name}.out").read_text(errors="replace")
    assert "Traceback" not in output, output[-4000:]
    return output


def _crawl_until_redis_dies(
    tmp: Path, env: dict[str, str], server: RedisServer, pages: int = 20
) -> list[str]:
    """One worker fetches some pages, then Redis is killed; the worker ends as stalled."""
    settings = {"DOWNLOAD_DELAY": "0.2", "CRAWLER_STALL_TIMEOUT": "4"}
    first = _worker(tmp, "first", env, settings)
    deadline = time.monotonic() + 120
    while len(_fetched_or_none(tmp, "first")) < pages:
        assert first.poll() is None and time.monotonic() < deadline, "the crawl ended early"
        time.sleep(0.05)
    server.kill()
    output = _ended(first, tmp, "first", timeout=120)
    assert first.returncode == 1, output[-3000:]  # scrapy crawl: the run did not end ok
    assert "shared frontier unreachable" in output
    return _fetched(tmp, "first")


def test_redis_restarted_with_its_data_lets_the_workers_resume(
    postgres_url: str, own_redis: RedisServer, tmp_path: Path
) -> None:
    upgrade(postgres_url)
    env = _faults_env(postgres_url, own_redis)
    _seed(tmp_path, env)
    before = _crawl_until_redis_dies(tmp_path, env, own_redis)
    _versions, runs = _archive(postgres_url)
    assert [r.status for r in runs] == ["ok", "stalled"]

    own_redis.start()  # the same directory: the append-only file brings the frontier back
    resumed = {name: _worker(tmp_path, name, env) for name in ("second", "third")}
    for name, process in resumed.items():
        output = _ended(process, tmp_path, name)
        assert process.returncode == 0, output[-3000:]

    after = [url for name in resumed for url in _fetched(tmp_path, name)]
    # Resumed, not started again: only what the first worker held in flight is fetched twice.
    again = sorted(url for url, n in Counter(before + after).items() if n > 1)
    assert len(again) <= 16, again  # CONCURRENT_REQUESTS: at most what it had in flight
    assert len(after) >= 10  # and the rest of the crawl was done by the resumed workers
    versions, runs = _archive(postgres_url)
    missing = sorted(RELATED - set(versions))
    assert missing == [], f"related articles lost with Redis: {missing}"
    assert set(versions.values()) == {1}, "an article was archived twice"
    assert sum(r.articles_new for r in runs) == len(versions)
    assert [r.status for r in runs] == ["ok", "stalled", "ok", "ok"]
    assert len({r.crawl_id for r in runs}) == 1  # one crawl throughout


def test_redis_back_empty_the_next_crawl_finishes_with_no_duplicate(
    postgres_url: str, own_redis: RedisServer, tmp_path: Path
) -> None:
    upgrade(postgres_url)
    env = _faults_env(postgres_url, own_redis)
    _seed(tmp_path, env)
    _crawl_until_redis_dies(tmp_path, env, own_redis)
    archived_before, _ = _archive(postgres_url)
    assert archived_before, "nothing was archived before Redis went away: nothing was tested"

    shutil.rmtree(own_redis.directory)  # its data is lost
    own_redis.start()
    client = redis.Redis.from_url(own_redis.url)
    assert client.dbsize() == 0
    client.close()
    _seed(tmp_path, env)  # the next crawl, the same command
    worker = _worker(tmp_path, "next", env)
    output = _ended(worker, tmp_path, "next")
    assert worker.returncode == 0, output[-3000:]

    versions, runs = _archive(postgres_url)
    missing = sorted(RELATED - set(versions))
    assert missing == [], f"related articles missing after the next crawl: {missing}"
    assert set(versions.values()) == {1}, "an article was archived twice"
    # What the first crawl archived is known to the second: not new again.
    assert sum(r.articles_new for r in runs) == len(versions)
    assert set(archived_before) <= set(versions)
