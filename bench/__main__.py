"""``python -m bench`` runs every benchmark; ``python -m bench NAME …`` runs those named."""

from __future__ import annotations

import argparse
import ast
import importlib
import pkgutil
import sys
from pathlib import Path
from typing import Any

import bench
from bench.common import console, print_table, write_result

_NOT_BENCHMARKS = {"common", "__main__"}


def _defines_run(name: str) -> bool:
    # Read, not imported: helper modules (a web generator …) live here too, without run().
    source = (Path(bench.__path__[0]) / f"{name}.py").read_text(encoding="utf-8")
    return any(isinstance(node, ast.FunctionDef) and node.name == "run"
               for node in ast.parse(source).body)


def available() -> list[str]:
    """The benchmarks: bench/<name>.py modules with a top-level ``run(args)``."""
    return sorted(m.name for m in pkgutil.iter_modules(bench.__path__)
                  if m.name not in _NOT_BENCHMARKS and not m.name.startswith("_")
                  and _defines_run(m.name))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", help=f"benchmarks to run (default or 'all': "
                                                 f"{', '.join(available())})")
    parser.add_argument("--limit", type=int, default=None,
                        help="at most this many items per data set (a quick look)")
    parser.add_argument("--pairs", type=int, default=3,
                        help="alternating runs of project and baseline where timing moves the "
                             "figure (harvest); the headline is their median")
    parser.add_argument("--size", type=int, action="append", default=None,
                        help="archive size in articles (scale; repeatable, default 10000 and "
                             "100000)")
    parser.add_argument("--rebuild", action="store_true",
                        help="build the kept archives of --size again (scale)")
    parser.add_argument("--remove", action="store_true",
                        help="delete the kept archives of --size and measure nothing (scale)")
    args = parser.parse_args(argv)
    names = [n for n in args.names if n != "all"] or available()
    unknown = sorted(set(names) - set(available()))
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    rows: list[list[Any]] = []
    for name in names:
        console.rule(f"bench {name}")
        result = importlib.import_module(f"bench.{name}").run(args)
        if result is None:  # nothing measured (scale --remove): keep the last figures
            continue
        path = write_result(name, result)
        head = result["headline"]
        rows.append([name, head["metric"], head["value"], head["baseline"], head.get("ratio"),
                     head["goal"]])
        console.print(f"wrote {path.relative_to(path.parent.parent.parent)}")
    print_table("headlines", ["benchmark", "metric", "value", "baseline", "ratio", "goal"], rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
