"""``crawler export``: the selected articles as JSON lines, CSV, Parquet, WARC or SQLite.

Every format streams: rows come from a server-side cursor (``yield_per``) and leave in
batches, so memory stays flat however large the archive. ``warc`` copies the raw captures of
the selected articles' versions byte for byte (each record is its own gzip member, so the
copies need no re-encoding); ``sqlite`` writes a self-contained, migrated archive of the
selection (with its versions, URLs, near-duplicate index and full-text index), so that a
PostgreSQL archive, or a part of one, can be handed over as one file.
"""

from __future__ import annotations

import csv
import importlib
import json
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from sqlalchemy import Float, Integer
from sqlalchemy.engine import RowMapping

from crawler.db import export_sql, search_sql
from crawler.db.read_tables import ARTICLE_COLUMNS, v_articles
from crawler.db.types import UTCDateTime
from crawler.errors import ExportError
from crawler.read.archive_access import archive_session
from crawler.read.query import Filters, resolve

if TYPE_CHECKING:
    from crawler.read.feeds import FeedSpec

FORMATS = ("jsonl", "csv", "parquet", "warc", "sqlite", "atom", "wacz")
BATCH = 1000
COLUMNS = [c.name for c in ARTICLE_COLUMNS]


@dataclass(frozen=True)
class ExportReport:
    format: str
    output: str
    articles: int
    captures: int = 0
    missing_captures: int = 0


def _plain(row: RowMapping) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in row.items()}


def _batches(rows: Iterable[RowMapping], size: int = BATCH) -> Iterator[list[RowMapping]]:
    it = iter(rows)
    while batch := list(islice(it, size)):
        yield batch


def export(
    database_url: str,
    filters: Filters,
    fmt: str,
    output: Path | None,
    *,
    limit: int | None = None,
    warc_dir: Path | None = None,
    overwrite: bool = False,
    feed: FeedSpec | None = None,
) -> ExportReport:
    """Write the selected articles to ``output`` (``None``: stdout, for jsonl, csv, atom);
    ``feed``: the named feed that ``atom`` writes (docs/feeds.md)."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r}: use one of {', '.join(FORMATS)}")
    if output is None and fmt not in ("jsonl", "csv", "atom"):
        raise ExportError(f"--format {fmt} writes a file: give it with --output")
    if output is not None and output.exists() and not overwrite:
        raise ExportError(f"{output} already exists: choose another --output or add --overwrite")
    if output is not None:
        _check_writable(output)
    if fmt == "parquet":
        try:
            importlib.import_module("pyarrow.parquet")
        except ImportError as exc:
            raise ExportError("--format parquet needs pyarrow: "
                              "pip install -e '.[parquet]' (the README's way)") from exc
    if fmt == "atom":
        from crawler.read.feeds import write_feed

        n = write_feed(database_url, filters, output, limit=limit, feed=feed)
        return ExportReport(fmt, str(output) if output else "stdout", n)
    with archive_session(database_url) as session:
        sel = resolve(session, filters)
        if fmt == "sqlite":
            assert output is not None
            return _to_sqlite(session, sel, output, limit, overwrite)
        if fmt in ("warc", "wacz"):
            from crawler.store.warc import warc_dir_for

            assert output is not None
            source = warc_dir or warc_dir_for(database_url, os.environ.get("CRAWLER_WARC_DIR"))
            if fmt == "warc":
                from crawler.read.warc_copy import copy_captures

                n, captures, missing = copy_captures(session, sel, source, output, limit)
                return ExportReport(fmt, str(output), n, captures, missing)
            from crawler.read.wacz import to_wacz

            n, captures, missing = to_wacz(session, sel, source, output, limit)
            return ExportReport(fmt, str(output), n, captures, missing)
        rows = export_sql.stream_articles(session, sel, limit=limit)
        where = str(output) if output else "stdout"
        if fmt == "parquet":
            assert output is not None
            return ExportReport(fmt, where, _to_parquet(rows, output))
        stream = _open(output)
        try:
            n = _to_jsonl(rows, stream) if fmt == "jsonl" else _to_csv(rows, stream)
        finally:
            if stream is not sys.stdout:
                stream.close()
        return ExportReport(fmt, where, n)


def _check_writable(output: Path) -> None:
    """Every format says the same mistake in the same one line, before anything is read."""
    existed = output.exists()
    try:
        with output.open("ab"):
            pass
    except OSError as exc:
        raise ExportError(f"cannot write {output}: {exc.strerror or exc}") from exc
    if not existed:
        output.unlink(missing_ok=True)


def _open(output: Path | None) -> IO[str]:
    if output is None:
        return sys.stdout
    try:
        return output.open("w", encoding="utf-8", newline="")
    except OSError as exc:
        raise ExportError(f"cannot write {output}: {exc.strerror}") from exc


def _to_jsonl(rows: Iterable[RowMapping], out: IO[str]) -> int:
    n = 0
    for row in rows:
        out.write(json.dumps(_plain(row), ensure_ascii=False) + "\n")
        n += 1
    return n


def _to_csv(rows: Iterable[RowMapping], out: IO[str]) -> int:
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    n = 0
    for row in rows:
        writer.writerow(_plain(row))
        n += 1
    return n


def _to_parquet(rows: Iterable[RowMapping], output: Path) -> int:
    # pyarrow is an optional extra and ships no type information: imported by name.
    pa = importlib.import_module("pyarrow")
    pq = importlib.import_module("pyarrow.parquet")

    def kind(name: str) -> Any:
        column_type = v_articles.c[name].type
        if isinstance(column_type, UTCDateTime):
            return pa.timestamp("us", tz="UTC")
        if isinstance(column_type, Integer):
            return pa.int64()
        if isinstance(column_type, Float):
            return pa.float64()
        return pa.string()

    schema = pa.schema([(name, kind(name)) for name in COLUMNS])
    n = 0
    with pq.ParquetWriter(output, schema, compression="zstd") as writer:
        for batch in _batches(rows):
            writer.write_batch(pa.RecordBatch.from_pylist([dict(r) for r in batch], schema))
            n += len(batch)
    return n


def _to_sqlite(
    session: Any, sel: search_sql.Selection, output: Path, limit: int | None, overwrite: bool
) -> ExportReport:
    from crawler.db.session import make_engine, upgrade

    if output.exists() and overwrite:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{output}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{output.resolve()}"
    try:
        upgrade(url)
    except Exception as exc:  # a directory that does not exist, a read-only disk …
        raise ExportError(f"cannot create the archive {output}: {exc}") from exc
    target = make_engine(url)
    n = 0
    try:
        with target.connect() as conn:
            # References to articles outside the selection are cut after the copy.
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            for table in export_sql.COPIED_TABLES:
                rows = (
                    export_sql.stream_all(session, table)
                    if table in export_sql.SHARED_TABLES
                    else export_sql.stream_related(session, sel, table, limit=limit)
                )
                for batch in _batches(rows, 500):
                    conn.execute(table.insert(), [dict(r) for r in batch])
                    if table.name == "articles":
                        n += len(batch)
                conn.commit()
            conn.execute(export_sql.detach_missing_clusters())
            conn.commit()
    finally:
        target.dispose()
    return ExportReport("sqlite", str(output), n)
