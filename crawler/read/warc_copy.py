"""The WARC export: the captures of the selected articles, copied record by record from the
crawl's WARC files into one file (`crawler export --format warc`; the WACZ package wraps it)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import IO, Any

from crawler.db import export_sql, search_sql
from crawler.errors import ExportError


def copy_captures(
    session: Any, sel: search_sql.Selection, source: Path, output: Path, limit: int | None
) -> tuple[int, int, int]:
    """Copy the captures of the selected articles from the WARC directory ``source`` into one
    WARC file; (articles, captures copied, captures missing)."""
    from warcio.warcwriter import WARCWriter

    copied = missing = 0
    articles = search_sql.count(session, sel, cap=None)
    articles = min(articles, limit) if limit is not None else articles
    current: tuple[str, IO[bytes]] | None = None
    try:
        out = output.open("wb")
    except OSError as exc:
        raise ExportError(f"cannot write {output}: {exc.strerror}") from exc
    with out:
        writer = WARCWriter(out, gzip=True)
        info = {"software": "news-archive-crawler export", "format": "WARC File Format 1.1"}
        writer.write_record(writer.create_warcinfo_record(output.name, info))
        try:
            for file, offset, length in export_sql.captures(session, sel, limit=limit):
                if current is None or current[0] != file:
                    if current is not None:
                        current[1].close()
                    path = Path(file) if Path(file).is_absolute() else source / file
                    try:
                        current = (file, path.open("rb"))
                    except OSError:
                        current = (file, io.BytesIO())
                current[1].seek(offset)
                record = current[1].read(length)
                if len(record) != length:
                    missing += 1
                    continue
                out.write(record)
                copied += 1
        finally:
            if current is not None:
                current[1].close()
    return articles, copied, missing
