"""an index for the updates held for personal data

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01

The desk's year at a glance, its list of held updates and the coordinator's daily digest each
ask which updates are held for personal data and not yet released: a handful, while the
updates table grows by every action's update every quarter. Without this index the question
reads every update ever recorded (24,000 for a year of a 6,000-action plan) on every page.
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("updates") as batch_op:
        batch_op.create_index("ix_updates_held", ["held_for_review", "released_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("updates") as batch_op:
        batch_op.drop_index("ix_updates_held")
