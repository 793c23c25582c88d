"""regions: districts (区/县) and townships (镇/乡) above the villages; staff of a township or a
district

Every existing village is placed in the tree: its district from the county name the first run
typed, its township from the township name, or the defaults 未分区县 / 未分乡镇 when none was typed
(rename them later with `kiosk region rename`). Staff get township_id and district_id and four
new roles.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 02:05:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

DEFAULT_DISTRICT = "未分区县"
DEFAULT_TOWNSHIP = "未分乡镇"
OLD_ROLES = "'admin', 'panel', 'clerk', 'volunteer', 'supervisor', 'recorder'"
NEW_ROLES = OLD_ROLES + ", 'township_admin', 'township_viewer', 'district_admin', 'district_viewer'"


def upgrade() -> None:
    op.create_table(
        "districts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_districts")),
        sa.UniqueConstraint("code", name=op.f("uq_districts_code")),
    )
    op.create_table(
        "townships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["district_id"], ["districts.id"], name=op.f("fk_townships_district_id_districts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_townships")),
        sa.UniqueConstraint("code", name=op.f("uq_townships_code")),
        sa.UniqueConstraint("district_id", "name", name="uq_townships_name"),
    )
    with op.batch_alter_table("townships", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_townships_district_id"), ["district_id"])
    with op.batch_alter_table("villages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("township_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_villages_township_id"), ["township_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_villages_township_id_townships"), "townships", ["township_id"], ["id"]
        )
    with op.batch_alter_table("staff_users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("township_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("district_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_staff_users_township_id_townships"), "townships", ["township_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_staff_users_district_id_districts"), "districts", ["district_id"], ["id"]
        )
        batch_op.drop_constraint(op.f("ck_staff_users_role_known"), type_="check")
        batch_op.create_check_constraint(op.f("ck_staff_users_role_known"), f"role IN ({NEW_ROLES})")
    _place_villages()


def _place_villages() -> None:
    conn = op.get_bind()
    now = sa.func.now() if conn.dialect.name == "postgresql" else sa.text("CURRENT_TIMESTAMP")
    districts: dict[str, int] = {}
    townships: dict[tuple[int, str], int] = {}
    rows = conn.execute(sa.text("SELECT id, county, township FROM villages ORDER BY id")).all()
    for village_id, county, township in rows:
        dname = (county or "").strip() or DEFAULT_DISTRICT
        tname = (township or "").strip() or DEFAULT_TOWNSHIP
        if dname not in districts:
            code = f"D{len(districts) + 1}"
            conn.execute(
                sa.text("INSERT INTO districts (code, name, created_at) VALUES (:c, :n, :t)"),
                {"c": code, "n": dname, "t": conn.scalar(sa.select(now))},
            )
            districts[dname] = conn.scalar(
                sa.text("SELECT id FROM districts WHERE code = :c"), {"c": code}
            )
        did = districts[dname]
        if (did, tname) not in townships:
            code = f"T{len(townships) + 1}"
            conn.execute(
                sa.text(
                    "INSERT INTO townships (district_id, code, name, created_at)"
                    " VALUES (:d, :c, :n, :t)"
                ),
                {"d": did, "c": code, "n": tname, "t": conn.scalar(sa.select(now))},
            )
            townships[(did, tname)] = conn.scalar(
                sa.text("SELECT id FROM townships WHERE code = :c"), {"c": code}
            )
        conn.execute(
            sa.text("UPDATE villages SET township_id = :t WHERE id = :v"),
            {"t": townships[(did, tname)], "v": village_id},
        )


def downgrade() -> None:
    conn = op.get_bind()
    region_staff = conn.scalar(
        sa.text(f"SELECT count(*) FROM staff_users WHERE role NOT IN ({OLD_ROLES})")
    )
    if region_staff:
        raise RuntimeError(
            f"{region_staff} township or district staff exist; disable and delete them first"
        )
    with op.batch_alter_table("staff_users", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_staff_users_role_known"), type_="check")
        batch_op.create_check_constraint(op.f("ck_staff_users_role_known"), f"role IN ({OLD_ROLES})")
        batch_op.drop_constraint(batch_op.f("fk_staff_users_district_id_districts"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_staff_users_township_id_townships"), type_="foreignkey")
        batch_op.drop_column("district_id")
        batch_op.drop_column("township_id")
    with op.batch_alter_table("villages", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_villages_township_id_townships"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_villages_township_id"))
        batch_op.drop_column("township_id")
    with op.batch_alter_table("townships", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_townships_district_id"))
    op.drop_table("townships")
    op.drop_table("districts")
