"""What every benchmark shares: timing, the results file, the headline, a table."""

from __future__ import annotations

import json
import platform
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from rich.console import Console
from rich.table import Table

REPO = Path(__file__).resolve().parent.parent
RESULTS_DIR = REPO / "bench" / "results"
console = Console()
T = TypeVar("T")


def timed(func: Callable[[], T]) -> tuple[T, float]:
    """Run once; return the result and the wall time in seconds."""
    start = time.perf_counter()
    result = func()
    return result, time.perf_counter() - start


def time_stats(seconds: Sequence[float]) -> dict[str, float]:
    """Per-item times in milliseconds: mean, median, p95, max."""
    if not seconds:
        return {"mean_ms": 0.0, "median_ms": 0.0, "p95_ms": 0.0, "max_ms": 0.0}
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "mean_ms": round(1000 * statistics.fmean(ordered), 2),
        "median_ms": round(1000 * statistics.median(ordered), 2),
        "p95_ms": round(1000 * p95, 2),
        "max_ms": round(1000 * ordered[-1], 2),
    }


def headline(metric: str, value: float, goal: str, baseline: float,
             baseline_name: str, **extra: Any) -> dict[str, Any]:
    """The figure a benchmark exists for, with its baseline measured in the same run."""
    return {
        "metric": metric,
        "value": value,
        "goal": goal,
        "baseline": baseline,
        "baseline_name": baseline_name,
        "ratio": round(value / baseline, 4) if baseline else None,
        "delta": round(value - baseline, 4),
        **extra,
    }


def _git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO,
                             capture_output=True, text=True, timeout=5, check=False)
    except OSError:
        return None
    return out.stdout.strip() or None


def write_result(name: str, result: dict[str, Any]) -> Path:
    """bench/results/<name>.json with when, where and on what commit it was measured."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    payload = {
        "benchmark": name,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": _git_commit(),
        "python": platform.python_version(),
        "machine": platform.machine(),
        **result,
    }
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False, default=str) + "\n",
                    encoding="utf-8")
    return path


def print_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    table = Table(title=title, title_justify="left")
    for i, column in enumerate(columns):
        table.add_column(column, justify="left" if i == 0 else "right")
    for row in rows:
        table.add_row(*(_fmt(v) for v in row))
    console.print(table)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}" if abs(value) < 10 else f"{value:.1f}"
    return "—" if value is None else str(value)


# --- the recorded web (tests/web, docs/recorded-web.md) -------------------------------------

WEB_DIR = REPO / "tests" / "web"


def load_labels(web_dir: Path = WEB_DIR) -> dict[str, dict[str, Any]]:
    """Labelled article pages by URL, from ``labels.json``."""
    labels: dict[str, dict[str, Any]] = {}
    merged = web_dir / "labels.json"
    if merged.is_file():
        labels.update(json.loads(merged.read_text(encoding="utf-8")).get("articles", {}))
    return labels


def recorded_file(url: str, web_dir: Path = WEB_DIR) -> Path | None:
    """The file that answers a URL in the recorded web, if there is one."""
    import tomllib
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host_dir = web_dir / (parts.hostname or "")
    replay = host_dir / "_replay.toml"
    if replay.is_file():
        for entry in tomllib.loads(replay.read_text(encoding="utf-8")).get("response", []):
            if entry.get("url") == url and entry.get("file"):
                return host_dir / str(entry["file"])
    if parts.query:
        return None
    path = parts.path.lstrip("/")
    candidate = host_dir / (path + "index.html" if not path or path.endswith("/") else path)
    return candidate if candidate.is_file() else None
