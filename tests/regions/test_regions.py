"""Going live: a village, its groups and kiosks from an empty database (shop.regions), and the
commands `kiosk setup`, `kiosk village …`, `kiosk device …` over the same services."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kiosk.app import create_app
from kiosk.cli import register
from shop import demo, households, points, redemptions, regions, schema, stock
from shop.db import session_factory, unit_of_work
from shop.errors import DomainError
from shop.models import Journal, Kiosk, StaffUser, Village
from shop.regions import setup as village_setup


def _plan(**changes) -> village_setup.FirstRun:
    values = dict(
        village_code="GJG",
        village_name="高尖沟村",
        county="喀左县",
        township="大城子镇",
        groups=("一组", "二组", "一组", " "),
        kiosks=(
            village_setup.KioskPlan("GJG-K1", receipt_prefix="GJ1"),
            village_setup.KioskPlan("GJG-K2"),
        ),
        admin_username="boss",
        admin_password="secret-pass-1",
        admin_name="王主任",
    )
    values.update(changes)
    return village_setup.FirstRun(**values)


def test_first_run_opens_village_groups_kiosks_and_admin_together(session):
    if not village_setup.needs_first_run(session):
        pytest.skip("the shared database already holds villages")
    village = village_setup.first_run(session, _plan())
    assert (village.name, village.county, village.township) == ("高尖沟村", "喀左县", "大城子镇")
    assert not village.is_demo
    assert regions.village_groups(session, village.id) == ["一组", "二组"]
    kiosks = regions.list_kiosks(session, village.id)
    assert [(k.code, k.prefix) for k in kiosks] == [("GJG-K1", "GJ1"), ("GJG-K2", "GJG-K2")]
    admin = session.scalar(select(StaffUser).where(StaffUser.username == "boss"))
    assert admin.role == "admin" and admin.village_id == village.id
    kinds = session.scalars(select(Journal.kind).where(Journal.village_id == village.id)).all()
    assert "genesis" in kinds and "staff_change" in kinds
    with pytest.raises(DomainError) as refused:
        village_setup.first_run(session, _plan(village_code="OTHER"))
    assert refused.value.code == "already_set_up"


def test_a_failed_first_run_leaves_nothing(fresh_backend):
    with (
        pytest.raises(DomainError) as refused,
        unit_of_work(session_factory(fresh_backend.engine)) as s,
    ):
        # the admin's password is too short: refused after the village and kiosk were made
        village_setup.first_run(s, _plan(admin_password="short"))
    assert refused.value.code == "password_too_short"
    with unit_of_work(session_factory(fresh_backend.engine)) as s:
        assert village_setup.needs_first_run(s)
        assert s.scalar(select(Kiosk.id)) is None


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"village_code": "高尖沟"}, "invalid_code"),
        ({"village_code": "G J"}, "invalid_code"),
        ({"village_name": "  "}, "name_required"),
        ({"village_name": "高尖沟" * 34}, "text_too_long"),
        ({"township": "大城子\u200b镇"}, "invalid_characters"),
        ({"kiosks": ()}, "kiosk_required"),
        (
            {"kiosks": (village_setup.KioskPlan("K1"), village_setup.KioskPlan("K1"))},
            "kiosk_code_taken",
        ),
        (
            {
                "kiosks": (
                    village_setup.KioskPlan("K1", receipt_prefix="X"),
                    village_setup.KioskPlan("X"),
                )
            },
            "receipt_prefix_taken",
        ),
        ({"kiosks": (village_setup.KioskPlan("K1", receipt_prefix="a b"),)}, "invalid_code"),
    ],
)
def test_first_run_refuses_bad_input_in_words(fresh_backend, changes, code):
    with (
        pytest.raises(DomainError) as refused,
        unit_of_work(session_factory(fresh_backend.engine)) as s,
    ):
        village_setup.first_run(s, _plan(**changes))
    assert refused.value.code == code
    assert refused.value.text  # a sentence for the clerk, not the code
    with unit_of_work(session_factory(fresh_backend.engine)) as s:
        assert village_setup.needs_first_run(s)


def test_receipts_carry_the_kiosk_prefix_and_a_retired_kiosk_sells_no_more(session, village):
    kiosk = regions.create_kiosk(session, village, "PFX-DEV", "前缀机", receipt_prefix="QZ9")
    household = households.create_household(session, village, "9-1", "李四", actor="test")
    points.award_points(session, household, delta=50, actor="test", memo="opening")
    product = stock.create_product(session, village, "QZ-SKU", "肥皂", 5, unit="块")
    stock.receive_stock(session, product, 10, actor="test", source="区财政预算")
    sale = redemptions.redeem(
        session, household, {"QZ-SKU": 1}, kiosk=kiosk, idempotency_key="key-prefix-0001"
    )
    assert sale.receipt_no == "QZ9-000001"
    regions.retire_kiosk(session, kiosk, actor="test")
    with pytest.raises(DomainError) as refused:
        redemptions.redeem(
            session, household, {"QZ-SKU": 1}, kiosk=kiosk, idempotency_key="key-prefix-0002"
        )
    assert refused.value.code == "kiosk_retired"
    retired = session.scalars(
        select(Journal.memo).where(Journal.village_id == village.id, Journal.ref == "kiosk:PFX-DEV")
    ).all()
    assert retired == ["kiosk retired"]


def test_demo_and_real_villages_never_share_a_database(fresh_backend, tmp_path):
    with unit_of_work(session_factory(fresh_backend.engine)) as s:
        seeded = demo.seed_demo(s, tmp_path, kiosk_code="DEMO-K")
        assert seeded["village"].is_demo
    with (
        pytest.raises(DomainError) as refused,
        unit_of_work(session_factory(fresh_backend.engine)) as s,
    ):
        regions.create_village(s, "REAL", "真村")
    assert refused.value.code == "demo_mix"
    with (
        pytest.raises(DomainError) as refused,
        unit_of_work(session_factory(fresh_backend.engine)) as s,
    ):
        village_setup.first_run(s, _plan())
    assert refused.value.code == "already_set_up"
    with unit_of_work(session_factory(fresh_backend.engine)) as s:
        regions.rename_village(s, s.scalar(select(Village)), "改名村", actor="test")
    with unit_of_work(session_factory(fresh_backend.engine)) as s:
        assert s.scalar(select(Village)).is_demo  # renaming never makes it real


# --- the commands ------------------------------------------------------------------------------


@pytest.fixture
def runner(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path), "DEVICE": "GJG-K1"})
    schema.upgrade(app.extensions["kiosk_db"].engine)
    register(app)
    yield app.test_cli_runner()
    app.extensions["kiosk_db"].engine.dispose()


def test_setup_village_and_device_commands_for_a_scripted_install(runner):
    done = runner.invoke(
        args=[
            "setup",
            "--village-code=GJG",
            "--village-name=高尖沟村",
            "--county=喀左县",
            "--township=大城子镇",
            "--groups=一组，二组、三组",
            "--device=GJG-K1",
            "--prefix=GJ1",
            "--admin=boss",
            "--admin-name=王主任",
            "--password=secret-pass-1",
        ]
    )
    assert done.exit_code == 0, done.output
    again = runner.invoke(
        args=["setup", "--village-code=X", "--village-name=X", "--admin=x", "--password=12345678"],
        input="\n\n\n\n",
    )
    assert again.exit_code != 0 and "已经开通" in again.output
    listed = runner.invoke(args=["village", "list"])
    assert "GJG\t高尖沟村\t喀左县\t大城子镇\tgroups: 一组、二组、三组" in listed.output
    assert runner.invoke(args=["device", "add", "GJG-K2", "--name", "二号机"]).exit_code == 0
    clash = runner.invoke(args=["device", "add", "GJG-K3", "--prefix", "GJ1"])
    assert clash.exit_code != 0 and "receipt_prefix_taken" in clash.output
    assert "这个小票前缀已经有别的兑换机在用了" in clash.output
    assert runner.invoke(args=["device", "retire", "GJG-K2"]).exit_code == 0
    devices = runner.invoke(args=["device", "list"]).output.splitlines()
    assert devices[0].startswith("GJG-K1\tGJG") and "receipts GJ1-" in devices[0]
    assert devices[1].startswith("GJG-K2") and devices[1].endswith("retired")
    renamed = runner.invoke(args=["village", "rename", "GJG", "高尖沟村委会"])
    assert renamed.exit_code == 0
    assert "高尖沟村委会" in runner.invoke(args=["village", "list"]).output
    assert runner.invoke(args=["village", "create", "NEXT", "下一村"]).exit_code == 0
    assert runner.invoke(args=["verify"]).exit_code == 0


def test_commands_on_an_empty_database_point_to_setup(runner):
    listed = runner.invoke(args=["village", "list"])
    assert "kiosk setup" in listed.output
    refused = runner.invoke(args=["device", "add", "K9"])
    assert refused.exit_code != 0 and "kiosk setup" in refused.output


def test_a_village_moves_to_another_township_and_the_journal_says_so(runner):
    assert runner.invoke(args=["region", "district", "KZ", "喀左县"]).exit_code == 0
    assert runner.invoke(args=["region", "township", "KZ", "DCZ", "大城子镇"]).exit_code == 0
    assert runner.invoke(args=["region", "township", "KZ", "NGY", "南公营子镇"]).exit_code == 0
    made = runner.invoke(args=["village", "create", "GJG", "高尖沟村", "--in", "DCZ"])
    assert made.exit_code == 0, made.output
    moved = runner.invoke(args=["village", "move", "GJG", "NGY"])
    assert moved.exit_code == 0, moved.output
    assert "is now in 喀左县 南公营子镇" in moved.output
    tree = runner.invoke(args=["region", "list"]).output
    assert "NGY\t南公营子镇\tvillages: GJG(高尖沟村)" in tree
    assert "DCZ\t大城子镇\tvillages: -" in tree
    again = runner.invoke(args=["village", "move", "GJG", "NGY"])
    assert "was already in" in again.output
    unknown = runner.invoke(args=["village", "move", "GJG", "NOPE"])
    assert unknown.exit_code != 0
    assert runner.invoke(args=["verify"]).exit_code == 0
    with unit_of_work(session_factory(runner.app.extensions["kiosk_db"].engine)) as s:
        memo = s.scalar(select(Journal.memo).where(Journal.memo.like("move from%")))
    assert memo == "move from 大城子镇 to 南公营子镇"
    from shop.ledger.sentences import say

    said = say("genesis", "village:GJG", memo)
    assert said is not None and said.text == "本村由{old}划归{new}管理"


def test_a_refused_command_names_the_field_in_both_languages_and_keeps_the_logs_words(runner):
    assert runner.invoke(args=["region", "district", "KZ", "喀左县"]).exit_code == 0
    nameless = runner.invoke(args=["region", "township", "KZ", "DCZ", " "])
    assert nameless.exit_code != 0
    assert "name_required: 请填写名称。 / Please fill in the name.（乡镇名称 / Township name）" in (
        nameless.output
    )
    spaced = runner.invoke(args=["region", "township", "KZ", "D Z", "大城子镇"])
    assert spaced.exit_code != 0 and "invalid_code: 编号只能用字母" in spaced.output
    assert "township:" not in spaced.output and "'D Z'" not in spaced.output


def test_a_shop_login_says_what_is_wrong_with_its_name_password_or_database(runner):
    done = runner.invoke(
        args=["setup", "--village-code=GJG", "--village-name=高尖沟村", "--device=GJG-K1"]
        + ["--county=喀左县", "--township=大城子镇", "--groups=一组"]
        + ["--admin=boss", "--admin-name=王主任", "--password=secret-pass-1"]
    )
    assert done.exit_code == 0, done.output
    for role, password, code, zh, en in [
        (
            "Shop-GJG",
            "a-long-password-1",
            "invalid_login_name",
            "登录名只能用小写字母、数字和下划线（_）。",
            "A login name may hold only lower-case letters, digits and _.",
        ),
        (
            "shop_gjg",
            "short",
            "db_password_too_short",
            "数据库密码至少要12位。",
            "A database password needs at least 12 characters.",
        ),
        (  # this runner's database is SQLite: row-level security needs PostgreSQL
            "shop_gjg",
            "a-long-password-1",
            "needs_postgresql",
            "这一项只能在 PostgreSQL 数据库上用。",
            "This works only on a PostgreSQL database.",
        ),
    ]:
        refused = runner.invoke(
            args=["region", "shop-login", "GJG", role], input=f"{password}\n{password}\n"
        )
        assert refused.exit_code != 0
        assert f"{code}: {zh} / {en}" in refused.output
