"""The ledger export verifies with the standalone verifier; an edited export fails it and the
verifier names the first bad row. The verifier runs with `python -S -I`: standard library only."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from shop import demo, redemptions
from shop.ledger.export import export_ledger
from shop.ledger.verify import verify_ledger
from shop.models import Village
from shop.transparency import monthly_notice

from .conftest import TZ, local

TOOL = Path(__file__).resolve().parents[2] / "tools" / "verify_ledger.py"


def run_tool(path, *args):
    done = subprocess.run(
        [sys.executable, "-S", "-I", str(TOOL), str(path), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.returncode, done.stdout + done.stderr


def export_lines(session, village_id=None) -> list[str]:
    out = io.StringIO()
    export_ledger(session.connection(), out, village_id)
    return out.getvalue().splitlines()


def write(tmp_path, lines, name="ledger.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def edit(lines, seq, change):
    """Apply `change(row)` to the row with this seq (of the first village that has it)."""
    out = []
    done = False
    for line in lines:
        obj = json.loads(line)
        if not done and obj["type"] == "row" and obj["seq"] == seq:
            change(obj)
            done = True
            line = json.dumps(obj, ensure_ascii=False)
        out.append(line)
    assert done
    return out


@pytest.fixture
def demo_village(session, tmp_path):
    demo.seed_demo(session, tmp_path)
    return session.scalar(select(Village).where(Village.code == demo.VILLAGE[0]))


def test_the_demo_export_verifies_and_matches_kiosk_verify(session, demo_village, tmp_path):
    lines = export_lines(session)
    header, end = json.loads(lines[0]), json.loads(lines[-1])
    assert header["format"] == "points-kiosk-ledger" and header["version"] == 1
    assert end["rows"] == len(lines) - 2
    code, out = run_tool(write(tmp_path, lines))
    assert code == 0, out
    report = verify_ledger(session.connection())
    assert report.ok
    seq, head = report.heads[demo_village.id]
    assert f"village {demo_village.id}: {seq} rows, chain head {seq}:{head}" in out
    # Redemption rows carry their stock moves, with Chinese text intact.
    rows = [json.loads(line) for line in lines[1:-1]]
    assert any(r["kind"] == "redemption" and r["stock"] and r["points"] for r in rows)
    assert any("月评定" in r["memo"] for r in rows)


def test_the_printed_notice_head_is_checked(session, demo_village, tmp_path):
    path = write(tmp_path, export_lines(session))
    month = max(
        (monthly_notice(session, demo_village, y, m, TZ) for y, m in _months(session)),
        key=lambda n: n.awarded,
    )
    printed = f"{month.head.seq}:{month.head.short}"
    code, out = run_tool(path, "--expect-head", printed)
    assert code == 0 and f"printed head {printed} matches" in out.lower(), out
    code, out = run_tool(path, "--expect-head", f"{demo_village.id}/{month.head.text}")
    assert code == 0, out
    wrong = f"{month.head.seq}:{'0' * 16}"
    code, out = run_tool(path, "--expect-head", wrong)
    assert code == 1
    assert f"village {demo_village.id} seq {month.head.seq}: hash" in out
    code, out = run_tool(path, "--expect-head", f"{10**9}:{month.head.short}")
    assert code == 1 and "not in the export" in out
    code, out = run_tool(path, "--expect-head", "12:xyz")
    assert code == 2


def _months(session):
    from shop.models import Journal

    return {
        (a.astimezone(TZ).year, a.astimezone(TZ).month)
        for a in session.scalars(select(Journal.created_at))
    }


@pytest.mark.parametrize(
    "change,expected",
    [
        (lambda r: r.update(memo=r["memo"] + "!"), "hash mismatch"),
        (lambda r: r.update(actor="someone-else"), "hash mismatch"),
        (lambda r: r.update(created_at=r["created_at"][:-2] + "9Z"), "hash mismatch"),
        (lambda r: r["points"][0].__setitem__(1, r["points"][0][1] + 1), "hash mismatch"),
        (lambda r: r.update(hash="f" * 64), "hash mismatch"),
        (lambda r: r.update(seq=r["seq"] + 100), "expected seq"),
    ],
    ids=["memo", "actor", "time", "delta", "hash", "seq"],
)
def test_an_edited_export_fails_and_names_the_first_bad_row(
    session, demo_village, tmp_path, change, expected
):
    lines = export_lines(session)
    target = next(
        json.loads(line)["seq"]
        for line in lines[1:-1]
        if json.loads(line)["kind"] == "award" and json.loads(line)["seq"] > 100
    )
    code, out = run_tool(write(tmp_path, edit(lines, target, change)))
    assert code == 1
    assert f"first bad row: village {demo_village.id} seq " in out
    assert expected in out
    named = int(out.split(" seq ")[1].split(":")[0])
    assert named == target or (expected == "expected seq" and named == target + 100)


def test_an_edit_that_recomputes_the_hash_still_breaks_the_next_row(
    session, village, create_household, tmp_path
):
    home = create_household(balance=40)
    from shop import points

    points.award_points(session, home, delta=5, actor="panel", at=local(2026, 1, 2))
    points.award_points(session, home, delta=5, actor="panel", at=local(2026, 1, 3))
    lines = export_lines(session, village.id)
    rows = [json.loads(line) for line in lines[1:-1]]
    forged = rows[-2]
    forged["memo"] = "改过"
    sys.path.insert(0, str(TOOL.parent))
    try:
        import verify_ledger as tool
    finally:
        sys.path.remove(str(TOOL.parent))
    import hashlib

    forged["hash"] = hashlib.sha256(
        forged["prev_hash"].encode() + tool.canonical(forged)
    ).hexdigest()
    lines[-2 - 1] = json.dumps(forged, ensure_ascii=False)
    code, out = run_tool(write(tmp_path, lines))
    assert code == 1
    assert f"village {village.id} seq {rows[-1]['seq']}: prev_hash" in out


def test_a_removed_row_or_a_cut_file_is_caught(session, demo_village, tmp_path):
    lines = export_lines(session)
    code, out = run_tool(write(tmp_path, lines[:50] + lines[51:], "gap.jsonl"))
    gone = json.loads(lines[50])["seq"]
    assert code == 1 and f"seq {gone + 1}: expected seq {gone}" in out
    code, out = run_tool(write(tmp_path, lines[:-1], "cut.jsonl"))
    assert code == 1 and "no end line" in out
    # Dropping the last rows and fixing the end line passes the file alone, but not the paper.
    last = json.loads(lines[-2])
    shorter = lines[:-2] + [json.dumps({"type": "end", "rows": 0, "heads": {}})]
    code, out = run_tool(write(tmp_path, shorter, "short.jsonl"))
    assert code == 1 and "end line" in out
    code, out = run_tool(
        write(tmp_path, lines, "full.jsonl"), "--expect-head", f"{last['seq']}:{last['hash'][:12]}"
    )
    assert code == 0, out


def test_an_export_of_one_village_with_a_void(
    session, village, create_household, create_product, kiosk, tmp_path
):
    home = create_household(balance=50)
    soap = create_product(points_price=5, on_hand=10)
    receipt = redemptions.redeem(
        session, home, {soap.sku: 2}, kiosk=kiosk, idempotency_key="export-void-0001"
    )
    redemptions.void_redemption(session, receipt, actor="clerk", reason="选错了")
    lines = export_lines(session, village.id)
    assert json.loads(lines[0])["village_id"] == village.id
    assert {json.loads(line)["kind"] for line in lines[1:-1]} >= {"redemption", "void"}
    code, out = run_tool(write(tmp_path, lines), "--village", str(village.id))
    assert code == 0, out


def test_a_rechained_forgery_is_caught_by_the_sums_and_by_the_paper(
    session, village, create_household, tmp_path
):
    """Someone edits a posting and recomputes every hash after it: the chain is whole again,
    but the balances no longer add up, and the head printed earlier no longer matches."""
    home = create_household(balance=40)
    from shop import points

    for day in (2, 3, 4):
        points.award_points(session, home, delta=5, actor="panel", at=local(2026, 1, day))
    lines = export_lines(session, village.id)
    rows = [json.loads(line) for line in lines[1:-1]]
    printed = f"{rows[-1]['seq']}:{rows[-1]['hash'][:16]}"
    sys.path.insert(0, str(TOOL.parent))
    try:
        import verify_ledger as tool
    finally:
        sys.path.remove(str(TOOL.parent))
    import hashlib

    def rechain(change):
        copies = [json.loads(json.dumps(r)) for r in rows]
        target = copies[-2]
        change(target)
        prev = target["prev_hash"]
        for row in copies[-2:]:
            row["prev_hash"] = prev
            row["hash"] = prev = hashlib.sha256(prev.encode() + tool.canonical(row)).hexdigest()
        end = json.loads(lines[-1])
        end["heads"][str(village.id)] = [copies[-1]["seq"], copies[-1]["hash"]]
        body = [json.dumps(r, ensure_ascii=False) for r in copies]
        return target["seq"], [lines[0], *body, json.dumps(end)]

    seq, forged = rechain(lambda r: r["points"][0].__setitem__(1, r["points"][0][1] + 100))
    code, out = run_tool(write(tmp_path, forged))
    assert code == 1
    assert f"village {village.id} seq {seq}: household {home.id} balance_after" in out
    # A forger who changes only words keeps the sums right and the file checks alone,
    # but it cannot match the head printed before.
    seq, forged = rechain(lambda r: r.update(memo="改过的说明"))
    assert run_tool(write(tmp_path, forged, "words.jsonl"))[0] == 0
    code, out = run_tool(write(tmp_path, forged, "words.jsonl"), "--expect-head", printed)
    assert code == 1 and "does not match the printed head" in out
    assert tool.verify(lines, [tool.parse_expect(printed)])
