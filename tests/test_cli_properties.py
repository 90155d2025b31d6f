"""Property: a malformed value, in any option or CRAWLER_* variable, is refused the same way.

In-process through Typer's CliRunner (the same app `crawler` runs): whatever the value, the
command exits non-zero with at most two lines on stderr, no traceback, and the archive
unchanged. Every generated value is malformed by construction (filtered against the parsers
themselves), so no case can start a crawl.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from crawler.cli import app
from crawler.db.session import upgrade
from crawler.errors import ConfigError
from crawler.read.query import InvalidFilter, parse_date
from crawler.seeds import load_seeds
from crawler.sites import load_sites
from crawler.spiders.arguments import parse_since

REPO_ROOT = Path(__file__).resolve().parent.parent
SITES = set(load_sites(REPO_ROOT / "seeds" / "sites"))
SEEDS = {seed.id for seed in load_seeds(REPO_ROOT / "seeds")}

Case = tuple[list[str], dict[str, str]]


def _is_date(value: str) -> bool:
    for parse in (parse_since, lambda v: parse_date(v, "--since")):
        try:
            parse(value)
            return True
        except (ConfigError, InvalidFilter, ValueError, OverflowError):
            pass
    return False


# Values without NUL (no process could be given one) or surrogates (not encodable).
text = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=30)
word = st.text(st.characters(categories=("L", "N"), include_characters="-_."), min_size=1,
               max_size=20)  # fmt: skip
bad_date = text.filter(lambda v: v.strip() != "" and not _is_date(v))
not_positive = st.one_of(st.integers(max_value=0).map(str), word.filter(lambda v: not v.isdigit()))
outside_unit = st.one_of(
    st.floats(min_value=1.0001, max_value=1e9), st.floats(max_value=-0.0001, min_value=-1e9)
).map(lambda f: f"{f:.4f}")
# A key that is no site (no comma or blank, which the spider would split into nothing).
bad_site = word.filter(lambda v: v not in SITES and v.strip("-_.") != "")
bad_seed = word.filter(lambda v: v not in SEEDS and v.strip("-_.") != "")
bad_format = word.filter(lambda v: v not in {"jsonl", "csv", "parquet", "warc", "sqlite"})
# No scheme of a backend the archive supports: never a connection attempt to anywhere.
bad_db_url = st.one_of(
    text.filter(lambda v: "://" not in v and v.strip() != ""),
    st.tuples(st.sampled_from(["mysql", "oracle", "mssql", "postgresql+psycopg2", "redis", "x"]),
              word).map(lambda p: f"{p[0]}://user@127.0.0.1/{p[1]}"),
)  # fmt: skip
# Alembic reads digits as a revision prefix and head-1 / base+1 as relative moves: a letter
# and neither keyword keep every value a revision that does not exist.
bad_revision = word.filter(
    lambda v: any(c.isalpha() for c in v) and "head" not in v.lower() and "base" not in v.lower()
)
READERS = [["stats"], ["query", "Nga"], ["runs"], ["show", "1"], ["db", "current"],
           ["export", "--format", "jsonl"]]  # fmt: skip


def _cases() -> st.SearchStrategy[Case]:
    def case(build: Callable[..., list[str]], *values: st.SearchStrategy[str]) -> st.SearchStrategy[Case]:  # noqa: E501
        return st.tuples(*values).map(lambda v: (build(*v), {}))

    return st.one_of(
        case(lambda d: ["crawl", "--since", d], bad_date),
        case(lambda d: ["query", "Nga", "--since", d], bad_date),
        case(lambda d: ["query", "Nga", "--until", d], bad_date),
        case(lambda d: ["export", "--format", "jsonl", "--since", d], bad_date),
        case(lambda n: ["crawl", "--max-pages", n], not_positive),
        case(lambda n: ["query", "Nga", "--limit", n], not_positive),
        case(lambda f: ["crawl", "--threshold", f], outside_unit),
        case(lambda f: ["query", "Nga", "--min-relevance", f], outside_unit),
        case(lambda s: ["crawl", "--site", s], bad_site),
        case(lambda s: ["query", "Nga", "--site", s], bad_site),
        case(lambda s: ["reextract", "--site", s], bad_site),
        case(lambda s: ["crawl", "--seed", s], bad_seed),
        case(lambda s: ["query", "Nga", "--seed", s], bad_seed),
        case(lambda f: ["export", "--format", f], bad_format),
        case(lambda p: ["export", "--format", "csv", "--output", f"/proc/{p}/x.csv"], word),
        case(lambda n: ["show", str(n)], st.integers(min_value=10**6, max_value=10**12).map(str)),
        case(lambda n: ["runs", n], st.integers(min_value=10**6, max_value=10**12).map(str)),
        case(lambda r: ["db", "downgrade", r], bad_revision),
        case(lambda u: ["crawl", "--start-url", u], word),  # no http(s) scheme
        st.tuples(st.sampled_from(READERS), bad_db_url).map(
            lambda p: (p[0], {"CRAWLER_DATABASE_URL": p[1]})
        ),
        word.map(lambda p: (["crawl", "--site", "dantri"], {"CRAWLER_SEEDS_DIR": f"/no/{p}"})),
    )


def _dump(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        return hashlib.sha256("\n".join(conn.iterdump()).encode()).hexdigest()


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("archive") / "archive.db"
    upgrade(f"sqlite:///{db}")
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO sites (key, name, language) VALUES ('dantri', 'Dân trí', 'vi')")
    return db


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=_cases())
def test_a_malformed_value_is_refused_in_one_line(archive: Path, case: Case) -> None:
    args, env = case
    before = _dump(archive)
    environment = {"CRAWLER_DATABASE_URL": f"sqlite:///{archive}", "CRAWLER_REPLAY_DIR": None,
                   "COLUMNS": "80", **env}  # fmt: skip
    result = CliRunner().invoke(app, args, env=environment)
    assert result.exit_code != 0, (args, env, result.output)
    assert isinstance(result.exception, SystemExit), (args, env, result.exception)
    stderr = [line for line in result.stderr.splitlines() if line.strip()]
    assert 1 <= len(stderr) <= 2, (args, env, stderr)
    assert "Traceback" not in result.output
    assert _dump(archive) == before, (args, env)
