"""the language of a case and the manipulation flag with its spans

Revision ID: 0010_language
Revises: 0006_search
Create Date: 2026-12-03

The redactor records the detected language of each message (issue 14) and the understand step the
spans of text that address the assistant or the system: the queue lists and filters on both.
"""
import sqlalchemy as sa
from alembic import op

revision = "0010_language"
down_revision = "0006_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("manipulation_suspected", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("manipulation", sa.JSON(), nullable=True))
        batch_op.create_index("ix_cases_language", ["language"], unique=False)
        batch_op.create_index("ix_cases_manipulation", ["manipulation_suspected"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_manipulation")
        batch_op.drop_index("ix_cases_language")
        batch_op.drop_column("manipulation")
        batch_op.drop_column("manipulation_suspected")
        batch_op.drop_column("language")
