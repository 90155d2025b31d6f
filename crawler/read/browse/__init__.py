"""The browsable archive: Datasette over an SQLite archive (``crawler serve``).

Datasette does the web part; this package only configures it: the metadata
(:mod:`crawler.read.browse.datasette_metadata`: titles, column descriptions, facets, the
full-text search box,
canned queries) under the database name of the archive being served, and a small plugin
(``plugins/``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PLUGINS_DIR = HERE / "plugins"
SETTINGS = {
    "default_page_size": "50",
    "truncate_cells_html": "300",
    "sql_time_limit_ms": "5000",
    "facet_time_limit_ms": "1000",
}


def metadata(database: str, schedule: Path | None = None) -> dict[str, Any]:
    """Datasette's metadata with this archive's database name (the file's stem); the
    schedule file whose ``[feeds]`` the feeds plugin serves."""
    from crawler.read.browse.datasette_metadata import METADATA

    plugins = {"news-crawler": {"schedule": str(schedule.resolve()) if schedule else None}}
    return {**METADATA, "databases": {database: METADATA["databases"]["archive"]},
            "plugins": plugins}


def write_metadata(database: str, path: Path, schedule: Path | None = None) -> Path:
    path.write_text(json.dumps(metadata(database, schedule), ensure_ascii=False, indent=2),
                    encoding="utf-8")
    return path


def datasette_command(
    archive: Path, metadata_file: Path, host: str, port: int, open_browser: bool
) -> list[str]:
    command = [
        sys.executable, "-m", "datasette", "serve", str(archive),
        "--metadata", str(metadata_file),
        "--plugins-dir", str(PLUGINS_DIR),
        "--host", host,
        "--port", str(port),
    ]
    for name, value in SETTINGS.items():
        command += ["--setting", name, value]
    if open_browser:
        command.append("--open")
    return command
