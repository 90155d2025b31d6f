"""credited organisations in full and the publication date's zone

``articles.organisations``: every organisation credited ("; "-separated: agencies, the
publisher named as author), beside ``source_credit`` (the first credit line, as before).
``published_zone``: the clock the page's date is written in ("Europe/Berlin", "+02:00");
``published_zone_source``: where that zone came from (date | page | profile | language |
none), beside ``published_source`` (docs/extraction.md).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 18:00:00
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_NEW = ("a.organisations AS organisations, a.published_zone AS published_zone, "
        "a.published_zone_source AS published_zone_source, ")


def _search_migration() -> ModuleType:
    # The views are 0003's; v_articles is declared there once and widened here.
    path = Path(__file__).with_name("20261129_0003_full_text_search.py")
    spec = importlib.util.spec_from_file_location("migration_0003", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _articles_view(widened: bool) -> str:
    select: str = dict(_search_migration().views(op.get_bind().dialect.name))["v_articles"]
    if widened:
        select = select.replace("a.authors AS authors, ", "a.authors AS authors, " + _NEW)
    return select


def upgrade() -> None:
    op.execute("DROP VIEW IF EXISTS v_articles")
    # Plain ALTER TABLE on both backends: a batch copy of the table on SQLite would drop the
    # search triggers (docs/schema.md, "Rules for later migrations").
    op.add_column("articles", sa.Column("organisations", sa.Text(), nullable=True))
    op.add_column("articles", sa.Column("published_zone", sa.String(length=64), nullable=True))
    op.add_column("articles", sa.Column("published_zone_source", sa.String(length=16),
                                        nullable=True))
    op.execute(f"CREATE VIEW v_articles AS {_articles_view(widened=True)}")


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS v_articles")
    # SQLite (3.35+) drops in place a column no index, trigger or view uses.
    for name in ("published_zone_source", "published_zone", "organisations"):
        op.execute(f"ALTER TABLE articles DROP COLUMN {name}")
    op.execute(f"CREATE VIEW v_articles AS {_articles_view(widened=False)}")
