"""Create the tasks table and its per-user indexes.

Revision ID: 0001
Revises:
Create Date: 2025-01-01 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tasks",
        # SQLite only auto-assigns ids for a column declared exactly INTEGER PRIMARY KEY;
        # PostgreSQL gets BIGSERIAL.
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("owner_id", sa.String(length=255), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("title_folded", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("completed", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        # Never reuse the id of a deleted newest row (SQLite would without AUTOINCREMENT).
        sqlite_autoincrement=True,
    )
    # Listing one user's tasks by id, and the same filtered by completed; ordering by id
    # alone is served by the primary key.
    op.create_index("ix_tasks_owner_id_id", "tasks", ["owner_id", "id"])
    op.create_index("ix_tasks_owner_id_completed_id", "tasks", ["owner_id", "completed", "id"])


def downgrade() -> None:
    op.drop_index("ix_tasks_owner_id_completed_id", table_name="tasks")
    op.drop_index("ix_tasks_owner_id_id", table_name="tasks")
    op.drop_table("tasks")
