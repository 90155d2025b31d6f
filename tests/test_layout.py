"""The package's layout keeps the data flow one way (docs/architecture.md).

seeds → spider → response → extraction → item → relevance → dedup → archive; the read side and
the scheduler sit beside the archive. Every import of every module under ``crawler/`` (those
inside functions and ``TYPE_CHECKING`` blocks too) is read with ``ast`` and checked against
what its stage may import: an allow-list per stage, with no exception for any module.
"""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "crawler"
MAX_LINES = 250
MAX_TOP_LEVEL_MODULES = 8

# The contracts every stage shares: they import nothing but each other.
CONTRACTS = {"config", "errors", "seeds", "sites", "items", "stat_keys"}
# Pure text functions (normalisation, the search language): beside the contracts.
TEXT = {"text"}
# Scrapy's components and the crawl-time parts beside them.
CRAWL = {
    "spiders", "middlewares", "pipelines", "extensions", "settings", "launch", "extraction_pool",
    "shared_frontier", "recorded_web",
}
FRAMEWORK = {"scrapy", "twisted"}
BELOW = CONTRACTS | TEXT

ALLOWED: dict[str, set[str]] = {
    **{name: CONTRACTS for name in CONTRACTS},
    "text": CONTRACTS,
    # Extraction and relevance are pure functions of their input: no archive, no crawl.
    "extraction": BELOW,
    "focus": BELOW,
    # All SQL; it compiles the search language and knows nothing of items or pages.
    "db": BELOW,
    # The store (identity, dedup, versions, WARC files) runs without a crawler.
    "store": BELOW | {"extraction", "db"},
    "read": BELOW | {"focus", "store", "db"},
    # The crawl may use everything below it, never the read side, the scheduler or the CLI.
    **{name: BELOW | {"extraction", "focus", "db", "store"} | CRAWL | FRAMEWORK for name in CRAWL},
    # The scheduler starts crawls as processes from the one crawl description (launch/).
    "schedule": BELOW | {"db", "launch"},
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
    """``crawler.db.article_sql`` → ``db``; a third-party framework → its name; others → None."""
    parts = module.split(".")
    if parts[0] == "crawler":
        return parts[1] if len(parts) > 1 else None
    return parts[0] if parts[0] in FRAMEWORK else None


def _is_module(name: str, root: Path = PACKAGE.parent) -> bool:
    parts = name.split(".")
    if parts[0] != "crawler":
        return True
    target = root.joinpath(*parts)
    return target.with_suffix(".py").exists() or (target / "__init__.py").exists()


def _violations(paths: list[Path], root: Path = PACKAGE.parent) -> list[str]:
    out = []
    for path in paths:
        module = _name(path, root)
        stage = _stage(module)
        if stage is None or stage == "cli":  # the CLI may import anything
            continue
        for imported in sorted(i for i in _imports(path, root) if _is_module(i, root)):
            target = _stage(imported)
            if target is None or target == stage:
                continue
            if target not in ALLOWED.get(stage, set()):
                out.append(f"{module} ({stage}) imports {imported} ({target})")
    return out


def _cycles(paths: list[Path], root: Path = PACKAGE.parent) -> list[list[str]]:
    """Groups of modules that import each other, directly or round a loop (Tarjan)."""
    names = {_name(p, root): p for p in paths}
    graph: dict[str, set[str]] = {}
    for name, path in names.items():
        deps = set()
        for imported in _imports(path, root):
            parts = imported.split(".")
            while parts and ".".join(parts) not in names:
                parts.pop()
            target = ".".join(parts)
            # a module importing its own package's __init__ is not a loop of the flow
            if target and target != name and not name.startswith(target + "."):
                deps.add(target)
        graph[name] = deps
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_runs_back_up_the_flow() -> None:
    assert _violations(_modules()) == []


def test_no_import_cycles() -> None:
    assert _cycles(_modules()) == []


def test_every_stage_has_its_rule() -> None:
    stages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    stages |= {p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    assert stages - {"cli"} <= set(ALLOWED), stages - set(ALLOWED)


def test_the_checker_sees_a_violation(tmp_path: Path) -> None:
    # Imports inside functions, ``from crawler import x`` and relative imports all count.
    probe = tmp_path / "crawler" / "extraction" / "probe.py"
    probe.parent.mkdir(parents=True)
    for package in ("spiders", "db", "read"):
        (tmp_path / "crawler" / package).mkdir(exist_ok=True)
        (tmp_path / "crawler" / package / "__init__.py").write_text("")
    (tmp_path / "crawler" / "db" / "article_sql.py").write_text("")
    (tmp_path / "crawler" / "read" / "query.py").write_text("")
    probe.write_text(
        "def f() -> None:\n"
        "    from crawler import spiders\n"
        "    import crawler.db.article_sql\n"
        "    from ..read import query\n"
    )
    found = _violations([probe], tmp_path)
    assert found == [
        "crawler.extraction.probe (extraction) imports crawler.db.article_sql (db)",
        "crawler.extraction.probe (extraction) imports crawler.read (read)",
        "crawler.extraction.probe (extraction) imports crawler.read.query (read)",
        "crawler.extraction.probe (extraction) imports crawler.spiders (spiders)",
    ]


def test_the_checker_sees_a_cycle(tmp_path: Path) -> None:
    package = tmp_path / "crawler" / "read"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("def f() -> None:\n    from crawler.read import b\n")
    (package / "b.py").write_text("from crawler.read.a import f\n")
    paths = sorted((tmp_path / "crawler").rglob("*.py"))
    assert _cycles(paths, tmp_path) == [["crawler.read.a", "crawler.read.b"]]


def test_few_modules_at_the_top_and_every_module_short() -> None:
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= MAX_TOP_LEVEL_MODULES, top
    long = {
        str(p.relative_to(PACKAGE.parent)): n
        for p in _modules()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_one_file_name_one_module() -> None:
    # Outside cli/ (where a command's module carries its command's name) no two modules share
    # a file name: a name says what a module is, once.
    names = Counter(
        p.name for p in _modules() if p.name != "__init__.py" and "cli" not in p.parts
    )
    assert {n: c for n, c in names.items() if c > 1} == {}
