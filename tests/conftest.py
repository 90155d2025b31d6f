"""Shared fixtures: migrated archives on SQLite and on a real PostgreSQL; a real Redis.

PostgreSQL tests run when CRAWLER_TEST_POSTGRES_URL names a server (CI sets it), Redis tests
when CRAWLER_TEST_REDIS_URL does. Without them they skip on a developer's machine; with
CRAWLER_REQUIRE_SERVICES=1 (CI) a missing or unreachable server is a failure, never a skip.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from crawler.db.session import upgrade

REPO_ROOT = Path(__file__).resolve().parent.parent
WEB_DIR = REPO_ROOT / "tests" / "web"

POSTGRES_URL = os.environ.get("CRAWLER_TEST_POSTGRES_URL", "")
REDIS_URL = os.environ.get("CRAWLER_TEST_REDIS_URL", "")
REQUIRE_SERVICES = os.environ.get("CRAWLER_REQUIRE_SERVICES") == "1"

# pytest-xdist's workers run with COLUMNS=80 and LINES=24 in their environment, which every
# CLI the tests invoke (in-process or as a subprocess) would take for the operator's terminal.
# Tests run alike in one process or two: a test that wants a width says so itself.
for _name in ("COLUMNS", "LINES"):
    os.environ.pop(_name, None)


def _unavailable(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (CRAWLER_REQUIRE_SERVICES=1: services are required here)")
    pytest.skip(reason)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    if not POSTGRES_URL:
        _unavailable("CRAWLER_TEST_POSTGRES_URL is not set")
    admin_url = make_url(POSTGRES_URL).set(drivername="postgresql+psycopg")
    name = f"crawler_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # any failure to reach the server is the same fact
        _unavailable(f"PostgreSQL at {admin_url.render_as_string()} unreachable: {exc}")
    yield admin_url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'archive.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db_url(request: pytest.FixtureRequest) -> str:
    """An empty database on each backend."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def db_url(empty_db_url: str) -> str:
    """A database on each backend, migrated to head."""
    upgrade(empty_db_url)
    return empty_db_url


@pytest.fixture
def redis_prefix() -> Iterator[tuple[str, str]]:
    """(Redis URL, a key prefix of this test's own); every key under it is deleted afterwards."""
    if not REDIS_URL:
        _unavailable("CRAWLER_TEST_REDIS_URL is not set")
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except Exception as exc:  # any failure to reach the server is the same fact
        _unavailable(f"Redis at {REDIS_URL} unreachable: {exc}")
    prefix = f"crawler-test-{uuid.uuid4().hex[:12]}"
    yield REDIS_URL, prefix
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()
