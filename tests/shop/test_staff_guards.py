"""Small guards around staff and the database file (finding 26): a village keeps its last admin;
the SQLite file is readable by its owner only."""

from __future__ import annotations

import os
import stat

import pytest

from shop import staff
from shop.db import make_engine
from shop.errors import DomainError
from shop.staff import accounts


def test_the_last_admin_can_be_neither_demoted_nor_disabled(session, village):
    only = staff.create_staff(session, "only-admin", "admin", "pass-word-1", village=village)
    clerk = staff.create_staff(session, "a-clerk", "clerk", "pass-word-1", village=village)
    for change in (
        lambda: accounts.set_staff_role(session, only, "clerk", actor="staff:a-clerk"),
        lambda: accounts.set_staff_active(session, only, False, actor="staff:a-clerk"),
    ):
        with pytest.raises(DomainError) as refused:
            change()
        assert refused.value.code == "last_admin"
    session.refresh(only)
    assert only.role == "admin" and only.is_active
    # With a second admin, the first may step down.
    accounts.set_staff_role(session, clerk, "admin", actor="staff:only-admin")
    accounts.set_staff_role(session, only, "clerk", actor="staff:a-clerk")
    session.refresh(only)
    assert only.role == "clerk"


def test_the_sqlite_file_is_private(tmp_path):
    path = tmp_path / "kiosk.db"
    old = os.umask(0o022)
    try:
        engine = make_engine(f"sqlite:///{path}")
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE t (x)")
        engine.dispose()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        path.chmod(0o644)  # made before this release: tightened at the next start
        make_engine(f"sqlite:///{path}").dispose()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    finally:
        os.umask(old)
