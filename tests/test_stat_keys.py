"""The stats keys are named in one module (crawler/stat_keys.py), spelled nowhere else."""

from __future__ import annotations

import ast
from pathlib import Path

from crawler import stat_keys

PACKAGE = Path(__file__).resolve().parent.parent / "crawler"

def _docstrings(tree: ast.Module) -> set[int]:
    """The ids of the docstring nodes (they may name files like crawler/settings.py)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def key_literals(source: str) -> list[str]:
    """Every string in the code (not in a docstring) that starts a stats key."""
    tree = ast.parse(source)
    skip = _docstrings(tree)
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr) and node.values:
            first = node.values[0]
            if isinstance(first, ast.Constant) and str(first.value).startswith(stat_keys.PREFIX):
                out.append(str(first.value))
                skip.add(id(first))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and node.value.startswith(stat_keys.PREFIX)
            and id(node) not in skip
        ):
            out.append(node.value)
    return out


def test_the_checker_finds_keys_and_skips_docstrings() -> None:
    source = (
        '"""Counts crawler/errors (crawler/settings.py)."""\n'
        "def f(stats, kind):\n"
        '    """Writes crawler/errors/<kind>."""\n'
        '    stats.inc_value("crawler/errors")\n'
        '    stats.inc_value(f"crawler/errors/{kind}")\n'
    )
    assert sorted(key_literals(source)) == ["crawler/errors", "crawler/errors/"]


def test_no_stats_key_is_spelled_outside_stat_keys() -> None:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(PACKAGE.parent).as_posix()
        if name == "crawler/stat_keys.py":
            continue
        if literals := key_literals(path.read_text(encoding="utf-8")):
            found[name] = literals
    assert found == {}


def test_keys_are_unique_and_under_the_prefix() -> None:
    values = {
        name: value
        for name, value in vars(stat_keys).items()
        if name.isupper() and isinstance(value, str) and name != "PREFIX"
    }
    assert len(values) >= 40
    assert all(v.startswith(stat_keys.PREFIX) for v in values.values())
    fixed = [v for n, v in values.items() if not n.endswith("_PREFIX")]
    assert len(set(fixed)) == len(fixed)


def test_the_families_spell_the_keys_stored_runs_hold() -> None:
    # Stored runs (crawl_runs.stats) and `crawler runs` read these exact strings.
    assert stat_keys.error_key("dns") == "crawler/errors/dns"
    assert stat_keys.site_key("dantri", "pages") == "crawler/sites/dantri/pages"
    assert stat_keys.site_error_key("dantri", "http_4xx") == "crawler/sites/dantri/errors/http_4xx"
    assert stat_keys.unreachable_key("a.example") == "crawler/unreachable/a.example"
    assert stat_keys.articles_key("new") == stat_keys.ARTICLES_NEW == "crawler/articles/new"
    assert stat_keys.no_article_key("too_little_text") == (
        "crawler/pages/no_article/too_little_text"
    )
    assert stat_keys.extraction_fallback_key("body") == "crawler/extraction/fallback/body"
    assert stat_keys.bounded_key("max_depth") == "crawler/bounded/max_depth"
    assert stat_keys.revisit_key("due") == "crawler/incremental/revisit/due"
    assert stat_keys.ERRORS_ARCHIVE_WRITE == "crawler/errors/archive_write"
    assert stat_keys.RUN_STATUS == "crawler/run_status"
    assert stat_keys.REDIS_FRONTIER == "crawler/redis/frontier"
