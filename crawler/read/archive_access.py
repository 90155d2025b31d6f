"""Opening an archive to read it: it must exist and be at the code's schema revision, or the
operator is told in one line what to do."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session

from crawler.db.session import current_revision, head_revision, make_engine, sqlite_path
from crawler.errors import ArchiveNotReady


def _shown(database_url: str) -> str:
    return make_url(database_url).render_as_string(hide_password=True)


def open_archive(database_url: str) -> Engine:
    """An engine on an existing archive at the code's schema revision."""
    path = sqlite_path(database_url)
    if path is not None and not path.is_file():
        raise ArchiveNotReady(
            f"there is no archive at {path}: crawl one with `crawler demo` or `crawler crawl`, "
            "or create an empty one with `crawler db upgrade`"
        )
    engine = make_engine(database_url)
    try:
        current = current_revision(engine)
    except DatabaseError as exc:
        engine.dispose()
        raise ArchiveNotReady(f"cannot open the archive at {_shown(database_url)}: {exc.orig}") \
            from exc
    head = head_revision()
    if current != head:
        engine.dispose()
        raise ArchiveNotReady(
            f"the archive at {_shown(database_url)} is at schema revision {current or 'none'}, "
            f"the code needs {head}: run `crawler db upgrade`"
        )
    return engine


@contextmanager
def archive_session(database_url: str) -> Iterator[Session]:
    engine = open_archive(database_url)
    try:
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()
