"""The dialect's own INSERT (for ``ON CONFLICT``) and the JSON columns' encoding."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_for(session: Session, model: type[Any]) -> Any:
    return dialect_insert(session.get_bind().dialect.name)(model)


def insert_ignoring(
    session: Session, model: Any, *unique: str, returning: str | None = None
) -> Any:
    """``INSERT … ON CONFLICT (unique) DO NOTHING [RETURNING returning]`` for ``model``,
    built once per dialect: the write path runs it for every page, and building a statement
    costs more than running it. The values are the execution's parameters (a dict, or a list
    of dicts for many rows)."""
    return _insert_ignoring(session.get_bind().dialect.name, model, unique, returning)


@cache
def _insert_ignoring(
    dialect: str, model: type[Any], unique: tuple[str, ...], returning: str | None
) -> Any:
    stmt = dialect_insert(dialect)(model).on_conflict_do_nothing(
        index_elements=list(unique) or None  # none named: any unique constraint
    )
    return stmt.returning(getattr(model, returning)) if returning else stmt


def dialect_insert(dialect: str) -> Any:
    """The dialect's own ``insert()``, which knows ``ON CONFLICT``."""
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(dialect)
    if insert is None:
        raise NotImplementedError(f"unsupported database dialect: {dialect}")
    return insert


def to_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
