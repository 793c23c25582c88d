#!/usr/bin/env python3
"""Check an exported points ledger on any computer: Python 3.9+, standard library only.

    python3 verify_ledger.py ledger.jsonl
    python3 verify_ledger.py ledger.jsonl --expect-head 1234:9f2c1a0b7e5d3c11
    python3 verify_ledger.py ledger.jsonl --village 1 --expect-head 1234:9f2c1a0b

The file comes from `kiosk export-ledger PATH` (JSON Lines: a header line, one line per journal
row with its postings, an end line). For every village this program

1. rebuilds each row's canonical bytes and recomputes the chain
   ``hash_n = SHA-256(hash_{n-1} || canonical_n)`` from ``hash_0`` = 64 zeros, and checks each
   row's seq (1, 2, 3, … with no gap), its prev_hash and its hash;
2. adds up every household's points postings and every product's stock postings and checks that
   each posting's ``balance_after`` / ``on_hand_after`` is the running sum; stock is never
   negative, and a points balance is negative only after a deduction (a ``redemption`` row
   never leaves a balance below zero);
3. with ``--expect-head SEQ:HASHPREFIX`` (as printed on a monthly notice, a ranking or a
   receipt, or read from its QR code), checks that row SEQ of the chain has a hash starting with
   HASHPREFIX (at least 8 hex characters). Because every later row's hash depends on it, a
   matching head proves that nothing up to that row was changed after the paper was printed.

Canonical bytes of one row (UTF-8, lines joined by a single newline ``\\n``)::

    J1|<village_id>|<seq>|<kind>|<created_at>|<len>:<actor>|<len>:<ref>|<len>:<memo>
    P|<household_id>|<delta>|<balance_after>|<rule_id or empty>     one per points posting
    S|<product_id>|<delta>|<on_hand_after>|<len>:<reason>           one per stock posting

``<len>`` is the length of the text in characters. ``created_at`` is UTC as written in the
file (``YYYY-MM-DDTHH:MM:SS.ffffffZ``).

Exit status 0: everything checks; the last row (head) of each village is printed.
Exit status 1: the first bad row is named as ``village V seq S: reason``.
Exit status 2: the file or the arguments cannot be read.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys

GENESIS = "0" * 64
FORMAT = "points-kiosk-ledger"


class Bad(Exception):
    """The first problem found; the message names the row."""


def _t(value):
    value = value or ""
    return f"{len(value)}:{value}"


def canonical(row):
    """The bytes a row is hashed over (see the module docstring)."""
    lines = [
        f"J1|{row['village_id']}|{row['seq']}|{row['kind']}|{row['created_at']}"
        f"|{_t(row['actor'])}|{_t(row['ref'])}|{_t(row['memo'])}"
    ]
    for household_id, delta, balance_after, rule_id in row["points"]:
        rule = "" if rule_id is None else rule_id
        lines.append(f"P|{household_id}|{delta}|{balance_after}|{rule}")
    for product_id, delta, on_hand_after, reason in row["stock"]:
        lines.append(f"S|{product_id}|{delta}|{on_hand_after}|{_t(reason)}")
    return "\n".join(lines).encode("utf-8")


def parse_expect(text, village=None):
    """`SEQ:HASHPREFIX` or `VILLAGE/SEQ:HASHPREFIX` -> (village or None, seq, prefix)."""
    match = re.fullmatch(r"(?:(\d+)/)?(\d+):([0-9a-fA-F]{8,64})", text.strip())
    if not match:
        raise ValueError(f"--expect-head wants SEQ:HASHPREFIX (8+ hex characters), got {text!r}")
    vid = match.group(1) or village
    return (int(vid) if vid is not None else None, int(match.group(2)), match.group(3).lower())


def _check_row(obj, chains, balances, on_hand):
    vid, seq = int(obj["village_id"]), int(obj["seq"])
    where = f"village {vid} seq {seq}"
    last_seq, prev = chains.get(vid, (0, GENESIS))
    if seq != last_seq + 1:
        raise Bad(f"{where}: expected seq {last_seq + 1}: a row is missing or out of order")
    if obj["prev_hash"] != prev:
        raise Bad(f"{where}: prev_hash does not match the row before it")
    digest = hashlib.sha256(prev.encode("ascii") + canonical(obj)).hexdigest()
    if digest != obj["hash"]:
        raise Bad(f"{where}: hash mismatch: the row or its postings were changed")
    for household_id, delta, after, _rule in obj["points"]:
        running = balances.get(household_id, 0) + delta
        balances[household_id] = running
        if after != running:
            raise Bad(
                f"{where}: household {household_id} balance_after {after}, "
                f"postings sum to {running}"
            )
        if after < 0 and obj["kind"] == "redemption":
            raise Bad(f"{where}: redemption left household {household_id} at {after} points")
    for product_id, delta, after, _reason in obj["stock"]:
        running = on_hand.get(product_id, 0) + delta
        on_hand[product_id] = running
        if after != running or after < 0:
            raise Bad(
                f"{where}: product {product_id} on_hand_after {after}, postings sum to {running}"
            )
    chains[vid] = (seq, obj["hash"])
    return vid, seq, where


def verify(lines, expects=(), village=None):
    """Check the export; return {village_id: (seq, hash)} or raise Bad naming the first bad row.

    expects: (village or None, seq, hash prefix) printed on paper. With no village, the head
    matches if any village's row at that seq has that hash."""
    chains = {}  # village -> (last seq, last hash)
    balances = {}
    on_hand = {}
    wanted = {}
    for vid, seq, prefix in expects:
        wanted.setdefault(seq, []).append((vid, prefix))
    matched = set()
    mismatched = {}
    header = end = None
    count = 0
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            raise Bad(f"line {number}: not valid JSON") from None
        kind = obj.get("type") if isinstance(obj, dict) else None
        if header is None:
            if kind != "header" or obj.get("format") != FORMAT:
                raise Bad(f"line {number}: not a points ledger export (no header)")
            if obj.get("version") != 1:
                raise Bad(f"line {number}: export format version {obj.get('version')!r} unknown")
            header = obj
            continue
        if end is not None:
            raise Bad(f"line {number}: data after the end line")
        if kind == "end":
            end = obj
            continue
        if kind != "row":
            raise Bad(f"line {number}: unknown line type {kind!r}")
        try:
            if village is not None and int(obj["village_id"]) != village:
                continue
            vid, seq, where = _check_row(obj, chains, balances, on_hand)
        except (KeyError, TypeError, ValueError) as exc:
            raise Bad(f"line {number}: malformed row ({exc!r})") from None
        count += 1
        for want_vid, prefix in wanted.get(seq, ()):
            if want_vid not in (None, vid):
                continue
            if obj["hash"].startswith(prefix):
                matched.add((want_vid, seq, prefix))
            else:
                mismatched.setdefault(
                    (want_vid, seq, prefix),
                    f"{where}: hash {obj['hash'][:16]}… does not match the printed head "
                    f"{seq}:{prefix}",
                )
    if header is None:
        raise Bad("empty file: not a points ledger export")
    if end is None:
        raise Bad("no end line: the export is incomplete (cut short?)")
    if village is None:
        if end.get("rows") != count:
            raise Bad(f"end line says {end.get('rows')!r} rows, the file has {count}")
        heads = {str(v): [s, h] for v, (s, h) in chains.items()}
        if end.get("heads") != heads:
            raise Bad("end line heads do not match the chains (rows removed from the end?)")
    for vid, seq, prefix in expects:
        if (vid, seq, prefix) in matched:
            continue
        if (vid, seq, prefix) in mismatched:
            raise Bad(mismatched[(vid, seq, prefix)])
        scope = "" if vid is None else f" of village {vid}"
        raise Bad(f"printed head {seq}:{prefix} is not in the export{scope} (chain too short)")
    return chains


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Check an exported points ledger (JSON Lines) without the shop's software."
    )
    parser.add_argument("path", help="the .jsonl file from `kiosk export-ledger` (- for stdin)")
    parser.add_argument("--village", type=int, default=None, help="only this village id")
    parser.add_argument(
        "--expect-head",
        action="append",
        default=[],
        metavar="SEQ:HASHPREFIX",
        help="a head printed on paper; may be given more than once (VILLAGE/SEQ:HASH also works)",
    )
    args = parser.parse_args(argv)
    try:
        expects = [parse_expect(e, args.village) for e in args.expect_head]
    except ValueError as exc:
        parser.error(str(exc))
    try:
        stream = sys.stdin if args.path == "-" else open(args.path, encoding="utf-8")  # noqa: SIM115
    except OSError as exc:
        print(f"cannot read {args.path}: {exc}", file=sys.stderr)
        return 2
    try:
        with stream:
            chains = verify(stream, expects, args.village)
    except Bad as exc:
        print(f"FAILED: first bad row: {exc}")
        return 1
    except UnicodeDecodeError as exc:
        print(f"cannot read {args.path}: {exc}", file=sys.stderr)
        return 2
    for vid in sorted(chains):
        seq, head = chains[vid]
        print(f"village {vid}: {seq} rows, chain head {seq}:{head}")
    for _vid, seq, prefix in expects:
        print(f"printed head {seq}:{prefix} matches")
    print(f"OK: {sum(seq for seq, _ in chains.values())} journal rows verified")
    return 0


if __name__ == "__main__":
    sys.exit(main())
