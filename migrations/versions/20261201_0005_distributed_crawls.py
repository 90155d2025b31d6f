"""distributed crawls: the runs of one crawl over several worker processes

A crawl over several processes (scrapy-redis, docs/scale-out.md) is one ``crawl_runs`` row per
worker, as before; ``crawl_id`` ties the rows of one crawl together and ``worker`` names the
process (host:pid), so ``crawler runs`` shows one crawl with its workers. Both stay empty for a
crawl in one process.

Revision ID: 0005
Revises: 0003
Create Date: 2026-12-01 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("crawl_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("crawl_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("worker", sa.String(length=128), nullable=True))
        batch_op.create_index(batch_op.f("ix_crawl_runs_crawl_id"), ["crawl_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("crawl_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_crawl_runs_crawl_id"))
        batch_op.drop_column("worker")
        batch_op.drop_column("crawl_id")
