"""The declarative base with a constraint naming convention.

Named constraints make migrations stable: SQLite's batch mode recreates tables and needs
names to drop or alter a constraint, and PostgreSQL and SQLite then agree on every name.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# Tables in the archive database that Alembic does not own: APScheduler creates and migrates
# its job store itself (crawler/schedule/service.py). Autogenerate and `alembic check` skip them.
SCHEDULER_JOB_TABLE = "apscheduler_jobs"
FOREIGN_TABLES = frozenset({SCHEDULER_JOB_TABLE})


# Migration 0003's full-text index (FTS5 tables and triggers, the tsvector column and its
# indexes) is maintained in SQL, not mapped in the models; its objects all carry this prefix.
SEARCH_OBJECT_PREFIX = "fts_"


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Alembic's filter: everything but the foreign tables and the search index."""
    if (name or "").startswith(SEARCH_OBJECT_PREFIX):
        return False
    return not (type_ == "table" and name in FOREIGN_TABLES)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
