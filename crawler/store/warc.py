"""Raw captures: every fetched response, with its request, in WARC files (warcio).

``WarcWriterFiles`` writes a response record and a request record per exchange into gzipped
WARC files (one gzip member per record, so a record can be read from its offset) and returns
the response record's place (:class:`crawler.items.Capture`); the crawl calls it from
``crawler.middlewares.warc_capture``. ``read_capture`` is the way back, used by
``crawler reextract``.
"""

from __future__ import annotations

import io
import os
import socket
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.config import WARC_MAX_SIZE
from crawler.db.session import archive_url, sqlite_path
from crawler.errors import ConfigError
from crawler.items import Capture


def warc_dir_for(database_url: str, setting: str | None = None) -> Path:
    """CRAWLER_WARC_DIR, else ``warc/`` next to an SQLite archive, else one directory per
    server archive under the user's data directory: never the working directory, so every
    command finds the captures wherever it runs from."""
    if setting:
        return Path(setting)
    path = sqlite_path(database_url)
    if path is not None:
        return path.parent / "warc"
    url = archive_url(database_url)
    data = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    name = f"{url.host or 'localhost'}-{url.port or 'default'}-{url.database or 'default'}"
    return Path(data) / "news-crawler" / "warc" / name


def check_writable(directory: Path) -> None:
    """Refuse a capture directory that cannot be written before the crawl fetches anything
    (every raw capture would be lost while the run looked fine)."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError as exc:
        raise ConfigError(
            f"cannot write WARC captures to {directory}: {exc.strerror or exc}; "
            "set CRAWLER_WARC_DIR to a writable directory (or CRAWLER_WARC_ENABLED=false)"
        ) from exc


class WarcWriterFiles:
    """Appends exchanges to ``<prefix>-<time>-<pid>-<n>.warc.gz``, a new file past max_size."""

    def __init__(self, directory: Path, prefix: str = "crawl", max_size: int = WARC_MAX_SIZE):
        self.directory = directory
        self.prefix = prefix
        self.max_size = max_size
        self.serial = 0
        self.started = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        self.file: IO[bytes] | None = None
        self.name = ""
        self.writer: WARCWriter | None = None

    def _open(self) -> tuple[IO[bytes], WARCWriter]:
        if self.file is not None and self.writer is not None:
            if self.file.tell() < self.max_size:
                return self.file, self.writer
            self.close()
        self.directory.mkdir(parents=True, exist_ok=True)
        self.serial += 1
        self.name = f"{self.prefix}-{self.started}-{os.getpid()}-{self.serial:05d}.warc.gz"
        self.file = open(self.directory / self.name, "ab")  # noqa: SIM115 (kept open)
        self.writer = WARCWriter(self.file, gzip=True)
        info = {"software": "news-archive-crawler", "hostname": socket.gethostname()}
        self.writer.write_record(self.writer.create_warcinfo_record(self.name, info))
        return self.file, self.writer

    def write(
        self,
        url: str,
        request: tuple[str, list[tuple[str, str]], bytes],
        response: tuple[int, list[tuple[str, str]], bytes],
    ) -> Capture:
        """Write one exchange; returns the place of its response record."""
        file, writer = self._open()
        status, headers, body = response
        status_line = f"{status} {_reason(status)}"
        http = StatusAndHeaders(status_line, headers, protocol="HTTP/1.1")
        record = writer.create_warc_record(
            url, "response", payload=io.BytesIO(body), http_headers=http, length=len(body)
        )
        offset = file.tell()
        writer.write_record(record)
        length = file.tell() - offset
        method, request_headers, request_body = request
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        request_http = StatusAndHeaders(
            f"{method} {target} HTTP/1.1", request_headers, is_http_request=True
        )
        warc_id = record.rec_headers.get_header("WARC-Record-ID")
        writer.write_record(
            writer.create_warc_record(
                url,
                "request",
                payload=io.BytesIO(request_body),
                http_headers=request_http,
                warc_headers_dict={"WARC-Concurrent-To": warc_id},
                length=len(request_body),
            )
        )
        file.flush()
        return Capture(self.name, offset, length)

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
        self.file, self.writer = None, None


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


@dataclass(frozen=True)
class StoredResponse:
    url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes  # transfer and content encodings removed

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


def read_capture(directory: Path, file: str, offset: int) -> StoredResponse:
    """The response record at (file, offset), its body decoded as a browser would."""
    path = Path(file) if Path(file).is_absolute() else directory / file
    with path.open("rb") as stream:
        stream.seek(offset)
        for record in ArchiveIterator(stream):
            if record.rec_type != "response":
                raise ValueError(f"{path}@{offset}: a {record.rec_type} record, not a response")
            http = record.http_headers
            return StoredResponse(
                url=record.rec_headers.get_header("WARC-Target-URI"),
                status=int(http.get_statuscode()),
                headers=list(http.headers),
                body=record.content_stream().read(),
            )
    raise ValueError(f"{path}@{offset}: no WARC record there")
