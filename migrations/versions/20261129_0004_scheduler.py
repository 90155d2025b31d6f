"""scheduler: what an unattended crawl run records

``crawl_runs`` learns which scheduled job a run belongs to, its counts and extraction quality
per site, the extraction-drift flags of its report, the HTTP validators (ETag, Last-Modified)
of the listing pages it fetched (the next run sends them back as conditional requests), and,
for a crawl process that died, its exit status and last log lines. The status column gets
its closed list of values, with ``stalled`` (stopped by the watchdog) and ``skipped`` (a run
not started because the previous one was still running, or missed while the scheduler was
down).

APScheduler's own job table (``apscheduler_jobs``) is not created here: the scheduler creates
it on first start and the drift test excludes it by name (see tests/test_migrations.py).

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-29 23:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = "'running', 'ok', 'failed', 'interrupted', 'stalled', 'skipped'"


def upgrade() -> None:
    with op.batch_alter_table("crawl_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("job", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("site_stats", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("drift", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("validators", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("exit_status", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("log_tail", sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f("ix_crawl_runs_job"), ["job"], unique=False)
        batch_op.create_check_constraint("status", f"status IN ({STATUSES})")


def downgrade() -> None:
    with op.batch_alter_table("crawl_runs", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_crawl_runs_status"), type_="check")
        batch_op.drop_index(batch_op.f("ix_crawl_runs_job"))
        batch_op.drop_column("log_tail")
        batch_op.drop_column("exit_status")
        batch_op.drop_column("validators")
        batch_op.drop_column("drift")
        batch_op.drop_column("site_stats")
        batch_op.drop_column("job")
