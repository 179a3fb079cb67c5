"""updates entered or corrected by the coordinator (who, why, what they correct); audit by subject

Revision ID: 0005
Revises: 0004
Create Date: 2027-01-20
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("updates") as batch_op:
        batch_op.add_column(sa.Column("entered_by", sa.String(320), nullable=True))
        batch_op.add_column(sa.Column("entry_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("supersedes_id", sa.Integer(), nullable=True))
    # An update's history (who released, edited or corrected it) is read by subject.
    op.create_index("ix_audit_log_subject", "audit_log", ["subject"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_subject", "audit_log")
    with op.batch_alter_table("updates") as batch_op:
        batch_op.drop_column("supersedes_id")
        batch_op.drop_column("entry_reason")
        batch_op.drop_column("entered_by")
