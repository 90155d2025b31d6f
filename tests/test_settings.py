"""Every CRAWLER_* setting can come from the environment; `-s` wins (crawler/settings.py)."""

from __future__ import annotations

import ast
import importlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import crawler.settings
from crawler.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent


def _names() -> list[str]:
    """The CRAWLER_* settings as written in crawler/settings.py (its top-level assignments)."""
    tree = ast.parse((ROOT / "crawler" / "settings.py").read_text(encoding="utf-8"))
    return [
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name) and target.id.startswith("CRAWLER_")
    ]


NAMES = _names()
NUMBERS = [
    n for n in NAMES
    if type(getattr(crawler.settings, n)) in (int, float)
]  # fmt: skip


def _other_value(name: str) -> tuple[str, object]:
    """A value unlike the default, as the environment gives it and as the setting reads it."""
    default = getattr(crawler.settings, name)
    if isinstance(default, bool):
        return ("false", False) if default else ("true", True)
    if isinstance(default, int):
        return str(default + 7), default + 7
    if isinstance(default, float):
        return str(default + 0.25), default + 0.25
    assert isinstance(default, str), name
    value = "sqlite:////tmp/env.db" if name == "CRAWLER_DATABASE_URL" else f"/tmp/env-{name}"
    return value, value


def _env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRAWLER_")}
    return {**env, "SCRAPY_SETTINGS_MODULE": "crawler.settings", **values}


def test_the_walk_sees_every_setting() -> None:
    # Not vacuous: the settings of every kind are found, those that were fixed values too.
    assert len(NAMES) >= 40 and len(set(NAMES)) == len(NAMES)
    for name in ("CRAWLER_STORE_BATCH_SIZE", "CRAWLER_REDIS_TTL", "CRAWLER_DATABASE_URL"):
        assert name in NAMES
    kinds = {type(getattr(crawler.settings, n)) for n in NAMES}
    assert kinds == {bool, int, float, str}


def test_every_crawler_setting_comes_from_the_environment() -> None:
    given = {name: _other_value(name) for name in NAMES}
    script = (
        "import json, crawler.settings as s; "
        f"print(json.dumps({{n: getattr(s, n) for n in {NAMES!r}}}))"
    )
    env = _env(**{name: text for name, (text, _) in given.items()})
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True,
        check=True,
    )  # fmt: skip
    read = json.loads(out.stdout)
    assert {n: read[n] for n in NAMES} == {n: value for n, (_, value) in given.items()}


def _scrapy_get(name: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "settings", "--get", name, *args],
        env=_env(**env), cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_the_command_line_wins_over_the_environment() -> None:
    name = "CRAWLER_STORE_BATCH_SIZE"  # a fixed value before settings came from the environment
    assert _scrapy_get(name, **{name: "77"}).stdout.strip() == "77"
    assert _scrapy_get(name, "-s", f"{name}=3", **{name: "77"}).stdout.strip() == "3"


@pytest.fixture
def reload_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    yield monkeypatch
    monkeypatch.undo()
    importlib.reload(crawler.settings)  # as the other tests expect it


@pytest.mark.parametrize("name", NUMBERS)
def test_a_malformed_number_is_one_clear_error(
    name: str, reload_settings: pytest.MonkeyPatch
) -> None:
    reload_settings.setenv(name, "12 pages")
    with pytest.raises(ConfigError) as raised:
        importlib.reload(crawler.settings)
    assert str(raised.value).startswith(f"{name} must be ")
    assert str(raised.value).endswith("not '12 pages'")


def test_scrapy_reports_a_malformed_number_in_one_line() -> None:
    # Scrapy imports the settings before any command of ours runs (`scrapy crawl` too).
    done = _scrapy_get("CRAWLER_EXTRACT_TIMEOUT", CRAWLER_EXTRACT_TIMEOUT="10s")
    assert done.returncode != 0
    assert done.stderr.strip().splitlines() == [
        "error: CRAWLER_EXTRACT_TIMEOUT must be a number, not '10s'"
    ]


def test_an_empty_variable_is_unset_and_a_boolean_reads_as_operators_write_it() -> None:
    script = (
        "import crawler.settings as s; "
        "print(s.CRAWLER_STORE_BATCH_SIZE, s.CRAWLER_WARC_ENABLED, s.CRAWLER_INCREMENTAL)"
    )
    for env, expected in (
        ({"CRAWLER_STORE_BATCH_SIZE": "", "CRAWLER_WARC_ENABLED": ""}, "50 True False"),
        ({"CRAWLER_WARC_ENABLED": "False", "CRAWLER_INCREMENTAL": "yes"}, "50 False True"),
        ({"CRAWLER_WARC_ENABLED": "off", "CRAWLER_INCREMENTAL": "0"}, "50 False False"),
    ):
        out = subprocess.run(
            [sys.executable, "-c", script], env=_env(**env), cwd=ROOT, capture_output=True,
            text=True, check=True,
        )  # fmt: skip
        assert out.stdout.split() == expected.split(), env


def test_a_malformed_worker_count_is_one_clear_error() -> None:
    # A text setting ("": one per core), read as a number where the pool is made.
    from scrapy.settings import Settings

    from crawler.extraction_pool.pool import ExtractionPool

    settings = Settings()
    settings.setmodule("crawler.settings")
    settings.set("CRAWLER_EXTRACT_WORKERS", "four", priority="cmdline")
    with pytest.raises(ConfigError, match="CRAWLER_EXTRACT_WORKERS must be a number of processes"):
        ExtractionPool.from_settings(settings, [])
