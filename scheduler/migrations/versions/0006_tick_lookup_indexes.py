"""indexes for the reminder tick's lookups

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

Each tick asks about a few meetings, not the whole history: whether a meeting's agenda pack
was sent and when it was rendered, and a chaser's update request (outbox by kind and
meeting), and the updates recorded for a meeting since its pack (updates by meeting and
time). Without these indexes each of those questions reads the whole outbox or every
update ever recorded, so a tick would slow down with every email sent and every reply.
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.create_index("ix_outbox_kind_meeting", ["kind", "meeting"], unique=False)
    with op.batch_alter_table("updates") as batch_op:
        batch_op.create_index(
            "ix_updates_meeting_received", ["meeting", "received_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("updates") as batch_op:
        batch_op.drop_index("ix_updates_meeting_received")
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.drop_index("ix_outbox_kind_meeting")
