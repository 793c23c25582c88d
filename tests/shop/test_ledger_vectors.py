"""One set of test vectors for every copy of the journal's canonical bytes (docs/LEDGER.md).

The canonical text of a journal row is written out in four places, each for a reason: the writer
(shop.ledger.chain.canonical, also fed to PostgreSQL's one-statement append), the verifier's
inner loop (shop.ledger.verify, inlined for speed), the PostgreSQL redemption function
(shop/redemptions/sql/redeem_v1.sql, one round trip) and the standalone verifier
(tools/verify_ledger.py, standard library only). The first three reproduce the frozen vectors
in ledger_vectors.json here; the SQL function's rows are recomputed by the verifier in the
redemption conformance suite, with text whose length in characters and in bytes differ.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from shop.ledger.chain import GENESIS, canonical, chain_hash
from shop.ledger.verify import _check_part

HERE = Path(__file__).parent
VECTORS = json.loads((HERE / "ledger_vectors.json").read_text(encoding="utf-8"))["rows"]
TOOL = HERE.parent.parent / "tools" / "verify_ledger.py"


def _postings(row):
    return [tuple(p) for p in row["points"]], [tuple(s) for s in row["stock"]]


@pytest.mark.parametrize("row", VECTORS, ids=lambda r: f"v{r['village_id']}-{r['seq']}")
def test_the_writer_makes_the_vectors_bytes_and_hash(row):
    points, stock = _postings(row)
    text = canonical(
        row["village_id"], row["seq"], row["kind"], row["created_at"],
        row["actor"], row["ref"], row["memo"], points, stock,
    )  # fmt: skip
    assert text.decode("utf-8") == row["canonical"]
    assert chain_hash(row["prev_hash"], text) == row["hash"]


def _streams(rows):
    """The vectors as verify reads them from the database: journal, points, stock tuples."""
    journal, points, stock = [], [], []
    for jid, row in enumerate(rows, start=1):
        created = row["created_at"].replace("T", " ").rstrip("Z")  # as the engines return it
        journal.append((jid, row["village_id"], row["seq"], row["kind"], created, row["actor"],
                        row["ref"], row["memo"], row["prev_hash"], row["hash"]))  # fmt: skip
        points += [(jid, *p) for p in row["points"]]
        stock += [(jid, *s) for s in row["stock"]]
    return journal, points, stock


def test_the_verifier_recomputes_the_vectors_chains():
    part = _check_part(*_streams(VECTORS), continues=False, max_problems=5)
    assert part.problems == []
    assert part.chains == {7: (6, VECTORS[5]["hash"]), 8: (1, VECTORS[6]["hash"])}
    assert part.balances == {3: 8, 9: 100, 10: 50} and part.on_hand == {5: 40, 6: 2}


def test_the_verifier_names_a_vector_whose_hash_is_off_by_one_character():
    rows = [dict(row) for row in VECTORS]
    rows[3]["hash"] = rows[3]["hash"][:-1] + ("0" if rows[3]["hash"][-1] != "0" else "1")
    problems = _check_part(*_streams(rows), continues=False, max_problems=5).problems
    assert problems and "seq 4 " in problems[0] and "hash mismatch" in problems[0]


def _export(rows, path: Path) -> Path:
    heads = {}
    lines = [{"type": "header", "format": "points-kiosk-ledger", "version": 1,
              "canonical": "J1", "genesis": GENESIS, "village_id": None}]  # fmt: skip
    for row in rows:
        lines.append({k: v for k, v in row.items() if k != "canonical"} | {"type": "row"})
        heads[str(row["village_id"])] = [row["seq"], row["hash"]]
    lines.append({"type": "end", "rows": len(rows), "heads": heads})
    path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines))
    return path


def test_the_standalone_verifier_accepts_the_vectors(tmp_path):
    done = subprocess.run(
        [sys.executable, str(TOOL), str(_export(VECTORS, tmp_path / "v.jsonl"))],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert VECTORS[5]["hash"][:12] in done.stdout


def test_the_standalone_verifier_names_a_changed_memo(tmp_path):
    rows = [dict(row) for row in VECTORS]
    rows[4]["memo"] = rows[4]["memo"].replace("王", "汪")
    done = subprocess.run(
        [sys.executable, str(TOOL), str(_export(rows, tmp_path / "v.jsonl"))],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1 and "seq 5" in done.stdout + done.stderr
