"""A shop box's database login confined to its village by PostgreSQL itself (row-level security).

Threat: a shop box sits in a village office; whoever takes it (or its disk) has its database
credentials. The app's own scope (shop/scope.py) confines what the app asks, but a thief does not
go through the app: with the district's credentials they could read every village. So each shop
box connects as a login role of its own (`kiosk region shop-login VILLAGE ROLE`), and the database
refuses that role every row of another village, whatever SQL it sends:

- `shop_roles` maps a login role to its village; `shop_village()` (SECURITY DEFINER, keyed on
  `session_user`, which a login cannot change) gives the caller's village;
- every table the scope confines gets one policy `shop_village`, built from the same map the app's
  scope uses (`shop.scope.reach_of_tables`): rows with a village_id must carry the caller's,
  child rows must hang off a parent the caller can see (RLS applies inside the policy's own
  subquery), the tree's rows only above the caller's village (and the district's catalogue of
  rules, read only); a written child row is refused
  when its parent belongs to another village (`shop_foreign`), so nothing of another village can
  be read, changed, deleted or written;
- the role is granted those tables (and their sequences) and nothing else.

The district server connects as the tables' owner, to which policies do not apply (PostgreSQL
exempts the owner unless FORCE is set), so it keeps seeing every village; its credentials never
leave the district's machine. `kiosk init` (the upgrade) re-applies every policy and grant to the
shop logins already made (`refresh_shop_logins`), so a table a migration adds reaches the shop
boxes with its policy; `kiosk region shop-login` does the same for one login and is idempotent.
"""

from __future__ import annotations

import re

from sqlalchemy import text
from sqlalchemy.engine import Connection

from shop.errors import DomainError
from shop.scope import reach_of_tables

_ROLE = re.compile(r"^[a-z][a-z0-9_]{2,62}$")


def _check_expression(table: str, how: tuple[str, str | None]) -> str:
    """What a written row must satisfy. A child row is refused when its parent belongs to another
    village; a parent made in the same statement (the redemption function's CTEs make a receipt
    and its lines at once) is not visible yet and passes: that parent passed its own check."""
    kind, parent = how
    if kind in ("own", "id", "region"):
        return _policy_expression(table, how)
    return f"NOT shop_foreign('{parent}', {kind})"


def _policy_expression(table: str, how: tuple[str, str | None]) -> str:
    kind, parent = how
    if kind == "own":
        return "village_id = shop_village()"
    if kind == "id":
        return "id = shop_village()"
    if kind == "region":
        if table == "districts":
            return "id IN (SELECT district_id FROM townships)"
        if table == "townships":
            return "id IN (SELECT township_id FROM villages)"
        return "village_id = shop_village()"  # staff: a shop's login sees its village's staff
    if kind == "catalogue":  # the catalogue of rules of the district above the village
        return "district_id IN (SELECT district_id FROM townships)"
    return f"{kind} IN (SELECT id FROM {parent})"  # noqa: S608 (names from our own metadata)


def apply_policies(conn: Connection) -> list[str]:
    """(Re)create shop_roles, shop_village() and every table's policy; returns the tables."""
    if conn.dialect.name != "postgresql":
        raise DomainError("needs_postgresql", "row-level security needs PostgreSQL")
    schema = conn.execute(text("SELECT current_schema()")).scalar_one()
    conn.execute(
        text(
            "CREATE TABLE IF NOT EXISTS shop_roles (role_name text PRIMARY KEY,"
            " village_id integer NOT NULL REFERENCES villages(id))"
        )
    )
    conn.execute(
        text(
            "CREATE OR REPLACE FUNCTION shop_village() RETURNS integer LANGUAGE sql STABLE"  # noqa: S608
            f' SECURITY DEFINER SET search_path = "{schema}" AS'
            " $$ SELECT village_id FROM shop_roles WHERE role_name = session_user $$"
        )
    )
    conn.execute(
        text(
            "CREATE OR REPLACE FUNCTION shop_foreign(parent text, parent_id bigint)"  # noqa: S608
            " RETURNS boolean LANGUAGE plpgsql STABLE SECURITY DEFINER"
            f' SET search_path = "{schema}" AS $$ DECLARE v integer; BEGIN'
            " EXECUTE format('SELECT village_id FROM %I WHERE id = $1', parent)"
            " INTO v USING parent_id;"
            " RETURN v IS NOT NULL AND v IS DISTINCT FROM shop_village(); END $$"
        )
    )
    tables = []
    for table, how in sorted(reach_of_tables().items()):
        expression = _policy_expression(table, how)
        check = _check_expression(table, how)
        conn.execute(text(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY"))
        conn.execute(text(f"DROP POLICY IF EXISTS shop_village ON {table}"))
        if how[0] == "catalogue":
            # Read only: with no policy for writes, an UPDATE or DELETE meets no row and an
            # INSERT is refused.
            policy = f"FOR SELECT USING ({expression})"
        else:
            policy = f"USING ({expression}) WITH CHECK ({check})"
        conn.execute(text(f"CREATE POLICY shop_village ON {table} {policy}"))
        tables.append(table)
    return tables


def create_shop_login(conn: Connection, village_id: int, role: str, password: str) -> list[str]:
    """A login role for one village's shop box, confined to it by the policies above."""
    if not _ROLE.match(role or ""):
        raise DomainError("invalid_login_name", "role: lower-case letters, digits and _")
    if len(password or "") < 12:
        raise DomainError("db_password_too_short", "a password of 12+ characters is required")
    tables = apply_policies(conn)
    exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first()
    quoted = conn.execute(text("SELECT quote_literal(:p)"), {"p": password}).scalar_one()
    verb = "ALTER" if exists else "CREATE"
    conn.execute(text(f'{verb} ROLE "{role}" LOGIN NOSUPERUSER NOBYPASSRLS PASSWORD {quoted}'))
    _grant(conn, role, tables)
    conn.execute(
        text(
            "INSERT INTO shop_roles (role_name, village_id) VALUES (:r, :v)"
            " ON CONFLICT (role_name) DO UPDATE SET village_id = excluded.village_id"
        ),
        {"r": role, "v": village_id},
    )
    return tables


def _grant(conn: Connection, role: str, tables: list[str]) -> None:
    """The shop login's rights: the scoped tables (under their policies) and nothing else."""
    schema = conn.execute(text("SELECT current_schema()")).scalar_one()
    conn.execute(text(f'GRANT USAGE ON SCHEMA "{schema}" TO "{role}"'))
    for table in tables:
        conn.execute(text(f'GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO "{role}"'))
    conn.execute(text(f'GRANT SELECT ON alembic_version TO "{role}"'))
    conn.execute(text(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "{schema}" TO "{role}"'))


def refresh_shop_logins(conn: Connection) -> list[str]:
    """After an upgrade (`kiosk init` on the district's server): every shop login made before gets
    the policies and grants of the tables the migrations added, so no shop box stops at a table it
    may not read. Returns the logins refreshed (none on SQLite or before the first shop login)."""
    if conn.dialect.name != "postgresql":
        return []
    if conn.execute(text("SELECT to_regclass('shop_roles')")).scalar_one() is None:
        return []
    roles = list(
        conn.execute(
            text(
                "SELECT role_name FROM shop_roles"
                " WHERE role_name IN (SELECT rolname FROM pg_roles) ORDER BY role_name"
            )
        ).scalars()
    )
    if not roles:
        return []
    tables = apply_policies(conn)
    for role in roles:
        _grant(conn, role, tables)
    return roles
