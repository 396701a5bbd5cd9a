"""the case thread of a shipment: a follow-up's parent case, and the newest ETA

Revision ID: 0011_followups
Revises: 0010_language
Create Date: 2026-12-10

A new message about a shipment whose case is still open is a follow-up of that case (issue 15): it
names its parent, and the parent keeps the newest ETA the messages give.
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_followups"
down_revision = "0010_language"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("followup_of", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("eta", sa.String(length=40), nullable=True))
        batch_op.create_index("ix_cases_followup", ["followup_of"], unique=False)


def downgrade() -> None:
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+), not a batch: a batch re-creates `cases` on SQLite,
    # and its search and count triggers (0006_search) would go with the old table.
    op.drop_index("ix_cases_followup", table_name="cases")
    op.execute("ALTER TABLE cases DROP COLUMN eta")
    op.execute("ALTER TABLE cases DROP COLUMN followup_of")
