"""case leases for always-on workers, and the mailbox reader's state

Revision ID: 0004_case_leases
Revises: 0005_escalations
Create Date: 2026-12-03

A worker claims a case that needs triage by writing its id and a lease end on the case row
(`claimed_by`, `claimed_until`); a crashed worker's claim simply runs out. `triage_attempts` counts the
claims (the audit that shows a case was triaged once) and `triage_error` names the last failure (an
exception type, never text from the message). `mailbox_seen` records each IMAP message the mailbox
reader has ingested, by mailbox, UIDVALIDITY and UID, and by Message-ID.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_case_leases"
down_revision = "0005_escalations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=96), nullable=True))
        batch_op.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("triage_attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("triage_error", sa.String(length=200), nullable=True))
        batch_op.create_index("ix_cases_claim", ["status", "claimed_until", "created_at"], unique=False)
    op.create_table(
        "mailbox_seen",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("mailbox", sa.String(length=300), nullable=False),
        sa.Column("uidvalidity", sa.String(length=32), nullable=False),
        sa.Column("uid", sa.String(length=32), nullable=False),
        sa.Column("message_id", sa.Text(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("ref_id", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("mailbox", "uidvalidity", "uid", name="uq_mailbox_seen_uid"),
    )
    op.create_index("ix_mailbox_seen_message_id", "mailbox_seen", ["message_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_mailbox_seen_message_id", table_name="mailbox_seen")
    op.drop_table("mailbox_seen")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_claim")
        batch_op.drop_column("triage_error")
        batch_op.drop_column("triage_attempts")
        batch_op.drop_column("claimed_until")
        batch_op.drop_column("claimed_by")
