"""The package's layout keeps the data flow one way (docs/architecture.md).

seeds → spider → response → extraction → item → relevance → dedup → archive; the read side and
the scheduler sit beside the archive. Every import of every module under ``crawler/`` (those
inside functions and ``TYPE_CHECKING`` blocks too) is read with ``ast`` and checked against the
stages it may not reach.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "crawler"
MAX_LINES = 300
MAX_TOP_LEVEL_MODULES = 8

# The contracts every stage shares: they import nothing but each other.
BASE = {"config", "errors", "seeds", "sites", "items", "stat_keys"}
# Scrapy's components and the crawl-time policies beside them.
CRAWL = {
    "spiders", "middlewares", "pipelines", "extensions", "crawl", "settings", "recorded_web",
    "distributed",
}
FRAMEWORK = {"scrapy", "twisted"}
# The search language is pure (no database, no read side): the database layer compiles it.
SEARCH_LANGUAGE = {"crawler.read.textsearch", "crawler.read.fulltext"}

FORBIDDEN: dict[str, set[str]] = {
    # Extraction and relevance are pure functions of their input: no archive, no crawl.
    "extraction": CRAWL | FRAMEWORK | {"focus", "archive", "db", "read", "schedule", "cli"},
    "focus": CRAWL | FRAMEWORK | {"extraction", "archive", "db", "read", "schedule", "cli"},
    # The archive runs without a crawler (re-extraction, imports, tests).
    "archive": CRAWL | FRAMEWORK | {"read", "schedule", "cli"},
    "db": CRAWL | FRAMEWORK | {"extraction", "focus", "archive", "schedule", "cli", "read"},
    "read": CRAWL | FRAMEWORK | {"schedule", "cli"},
    # The scheduler starts crawls as processes; it imports no Scrapy component.
    "schedule": (CRAWL - {"crawl"}) | {"read", "cli", "archive", "extraction"},
    # The crawl's components do not reach the read side, the scheduler or the CLI.
    **{name: {"read", "schedule", "cli"} for name in CRAWL},
}


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py"))


def _name(path: Path, root: Path = PACKAGE.parent) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, root: Path = PACKAGE.parent) -> set[str]:
    """Every module this file imports (``from crawler import x`` counts as ``crawler.x``)."""
    found: set[str] = set()
    name = _name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def _stage(module: str) -> str | None:
    """``crawler.db.repo`` → ``db``; a third-party framework → its name; others → None."""
    parts = module.split(".")
    if parts[0] == "crawler":
        return parts[1] if len(parts) > 1 else None
    return parts[0] if parts[0] in FRAMEWORK else None


def _is_module(name: str) -> bool:
    parts = name.split(".")
    if parts[0] != "crawler":
        return True
    target = PACKAGE.parent.joinpath(*parts)
    return target.with_suffix(".py").exists() or (target / "__init__.py").exists()


def _violations(paths: list[Path], root: Path = PACKAGE.parent) -> list[str]:
    out = []
    for path in paths:
        module = _name(path, root)
        stage = _stage(module)
        if stage is None:
            continue
        for imported in sorted(i for i in _imports(path, root) if _is_module(i)):
            target = _stage(imported)
            if target is None or target == stage:
                continue
            if stage in BASE and target not in BASE:
                out.append(f"{module} (a shared contract) imports {imported}")
            elif target == "cli":
                out.append(f"{module} imports the CLI ({imported})")
            elif stage == "db" and imported in SEARCH_LANGUAGE:
                continue
            elif target in FORBIDDEN.get(stage, set()):
                out.append(f"{module} ({stage}) imports {imported} ({target})")
    return out


def test_no_import_runs_back_up_the_flow() -> None:
    assert _violations(_modules()) == []


def test_the_search_language_the_database_compiles_is_pure() -> None:
    for module in SEARCH_LANGUAGE:
        path = PACKAGE.parent.joinpath(*module.split(".")).with_suffix(".py")
        reached = {i for i in _imports(path) if i.startswith("crawler.") and _is_module(i)}
        allowed = SEARCH_LANGUAGE | {"crawler.errors", "crawler.focus", "crawler.focus.textnorm"}
        assert reached <= allowed, module


def test_the_checker_sees_a_violation(tmp_path: Path) -> None:
    # Imports inside functions, ``from crawler import x`` and relative imports all count.
    probe = tmp_path / "crawler" / "extraction" / "probe.py"
    probe.parent.mkdir(parents=True)
    probe.write_text(
        "def f() -> None:\n"
        "    from crawler import spiders\n"
        "    import crawler.db.repo\n"
        "    from ..read import query\n"
    )
    found = _violations([probe], tmp_path)
    for line in (
        "crawler.extraction.probe (extraction) imports crawler.db.repo (db)",
        "crawler.extraction.probe (extraction) imports crawler.read.query (read)",
        "crawler.extraction.probe (extraction) imports crawler.spiders (spiders)",
    ):
        assert line in found


def test_few_modules_at_the_top_and_every_module_short() -> None:
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= MAX_TOP_LEVEL_MODULES, top
    long = {
        str(p.relative_to(PACKAGE.parent)): n
        for p in _modules()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}
