"""The hash-chained journal (账本). Format documented in docs/LEDGER.md.

Each village's rows form a chain: ``hash_n = SHA-256(hash_{n-1} || canonical_n)`` where
``canonical_n`` is the UTF-8 of the row and its postings::

    J1|<village_id>|<seq>|<kind>|<created_at UTC, YYYY-MM-DDTHH:MM:SS.ffffffZ>|<actor>|<ref>|<memo>
    P|<household_id>|<delta>|<balance_after>|<rule_id or empty>      (one line per points entry)
    S|<product_id>|<delta>|<on_hand_after>|<reason>                   (one line per stock move)

Free-text fields are written as ``<length>:<text>`` so no text can forge a separator. Lines are
joined with a newline. The genesis ``hash_0`` is 64 zeros.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import insert, text, update
from sqlalchemy.orm import Session

from shop.base import utcnow
from shop.errors import DomainError
from shop.ledger.models import Journal, LedgerHead, PointsEntry, StockMove

GENESIS = "0" * 64


def _t(value: str | None) -> str:
    value = value or ""
    return f"{len(value)}:{value}"


def format_ts(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(
    village_id: int,
    seq: int,
    kind: str,
    created_at: str,
    actor: str,
    ref: str,
    memo: str,
    points: Iterable[tuple] = (),
    stock: Iterable[tuple] = (),
) -> bytes:
    """The bytes a journal row is hashed over. `created_at` is already `format_ts`-ed."""
    parts = [f"J1|{village_id}|{seq}|{kind}|{created_at}|{_t(actor)}|{_t(ref)}|{_t(memo)}"]
    for household_id, delta, balance_after, rule_id in points:
        parts.append(
            f"P|{household_id}|{delta}|{balance_after}|{'' if rule_id is None else rule_id}"
        )
    for product_id, delta, on_hand_after, reason in stock:
        parts.append(f"S|{product_id}|{delta}|{on_hand_after}|{_t(reason)}")
    return "\n".join(parts).encode("utf-8")


def chain_hash(prev_hash: str, payload: bytes) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + payload).hexdigest()


@dataclass(frozen=True)
class Appended:
    """What an append made: enough to reference the row without loading it again."""

    id: int
    seq: int
    hash: str
    created_at: dt.datetime


@dataclass(frozen=True)
class Posting:
    household_id: int
    delta: int
    balance_after: int
    rule_id: int | None = None


@dataclass(frozen=True)
class Move:
    product_id: int
    delta: int
    on_hand_after: int
    reason: str = ""


def ensure_head(session: Session, village_id: int) -> None:
    if session.get(LedgerHead, village_id) is None:
        session.add(LedgerHead(village_id=village_id, seq=0, head_hash=GENESIS, prev_hash=GENESIS))
        session.flush()


def append(
    session: Session,
    village_id: int,
    kind: str,
    *,
    actor: str = "",
    ref: str = "",
    memo: str = "",
    points: Sequence[Posting] = (),
    stock: Sequence[Move] = (),
    at: dt.datetime | None = None,
) -> Appended:
    """Append one event with its postings to the village's chain. Flushes; never commits.

    The head row is locked by the UPDATE (row lock on PostgreSQL, the write lock on SQLite),
    so appends in one village are serial and the chain has no forks. The lock is held until
    commit, so call this last in a unit of work. On PostgreSQL the whole append is one
    statement, so the lock is held for one round trip plus the commit, however busy the
    machine is; SQLite needs no such care (its write lock is taken at BEGIN IMMEDIATE).
    """
    created_at = at or utcnow()
    actor, ref, memo = actor or "", ref or "", memo or ""
    # canonical() with the seq left out: the head row knows it only once it is locked.
    before_seq = f"J1|{village_id}|"
    after_seq = canonical(
        village_id,
        0,
        kind,
        format_ts(created_at),
        actor,
        ref,
        memo,
        ((p.household_id, p.delta, p.balance_after, p.rule_id) for p in points),
        ((m.product_id, m.delta, m.on_hand_after, m.reason) for m in stock),
    ).decode("utf-8")[len(before_seq) + 1 :]
    if session.get_bind().dialect.name == "postgresql":
        row = _append_in_one_statement(
            session,
            village_id,
            kind,
            created_at,
            actor,
            ref,
            memo,
            points,
            stock,
            before_seq,
            after_seq,
        )
        if row is None:
            raise DomainError("unknown_village", str(village_id))
        return Appended(row[0], row[1], row[2], created_at)

    row = session.execute(
        update(LedgerHead)
        .execution_options(synchronize_session=False)
        .where(LedgerHead.village_id == village_id)
        .values(seq=LedgerHead.seq + 1)
        .returning(LedgerHead.seq, LedgerHead.head_hash)
    ).one_or_none()
    if row is None:  # every village gets its head when it is created
        raise DomainError("unknown_village", str(village_id))
    seq, prev_hash = row
    new_hash = chain_hash(prev_hash, f"{before_seq}{seq}{after_seq}".encode())
    journal_id = session.execute(
        insert(Journal)
        .values(
            village_id=village_id,
            seq=seq,
            kind=kind,
            created_at=created_at,
            actor=actor,
            ref=ref,
            memo=memo,
            prev_hash=prev_hash,
            hash=new_hash,
        )
        .returning(Journal.id)
    ).scalar_one()
    if points:
        session.execute(
            insert(PointsEntry),
            [
                dict(
                    journal_id=journal_id,
                    household_id=p.household_id,
                    delta=p.delta,
                    balance_after=p.balance_after,
                    rule_id=p.rule_id,
                )
                for p in points
            ],
        )
    if stock:
        session.execute(
            insert(StockMove),
            [
                dict(
                    journal_id=journal_id,
                    product_id=m.product_id,
                    delta=m.delta,
                    on_hand_after=m.on_hand_after,
                    reason=m.reason,
                )
                for m in stock
            ],
        )
    session.execute(
        update(LedgerHead)
        .execution_options(synchronize_session=False)
        .where(LedgerHead.village_id == village_id)
        .values(head_hash=new_hash, prev_hash=prev_hash)
    )
    return Appended(journal_id, seq, new_hash, created_at)


# SHA-256 over exactly the bytes canonical() makes: prev hash (ASCII hex) || the row's text with
# its seq. Postings keep their order (WITH ORDINALITY), as they are hashed in id order.
_APPEND_PG = text("""
WITH h AS (
    UPDATE ledger_heads
    SET seq = seq + 1,
        prev_hash = head_hash,
        head_hash = encode(sha256(convert_to(
            head_hash || :before_seq || (seq + 1)::text || :after_seq, 'UTF8')), 'hex')
    WHERE village_id = :village_id
    RETURNING seq, prev_hash, head_hash
), j AS (
    INSERT INTO journal (village_id, seq, kind, created_at, actor, ref, memo, prev_hash, hash)
    SELECT :village_id, h.seq, :kind, :created_at, :actor, :ref, :memo, h.prev_hash, h.head_hash
    FROM h
    RETURNING id, seq, hash
), p AS (
    INSERT INTO points_entries (journal_id, household_id, delta, balance_after, rule_id)
    SELECT j.id, x.household_id, x.delta, x.balance_after, x.rule_id
    FROM j, unnest(CAST(:p_household AS bigint[]), CAST(:p_delta AS bigint[]),
                   CAST(:p_after AS bigint[]), CAST(:p_rule AS bigint[]))
         WITH ORDINALITY AS x(household_id, delta, balance_after, rule_id, n)
    ORDER BY x.n
), s AS (
    INSERT INTO stock_moves (journal_id, product_id, delta, on_hand_after, reason)
    SELECT j.id, x.product_id, x.delta, x.on_hand_after, x.reason
    FROM j, unnest(CAST(:s_product AS bigint[]), CAST(:s_delta AS bigint[]),
                   CAST(:s_after AS bigint[]), CAST(:s_reason AS text[]))
         WITH ORDINALITY AS x(product_id, delta, on_hand_after, reason, n)
    ORDER BY x.n
)
SELECT id, seq, hash FROM j
""")


def _append_in_one_statement(
    session, village_id, kind, created_at, actor, ref, memo, points, stock, before_seq, after_seq
):
    return session.execute(
        _APPEND_PG,
        {
            "village_id": village_id,
            "kind": kind,
            "created_at": created_at,
            "actor": actor,
            "ref": ref,
            "memo": memo,
            "before_seq": before_seq,
            "after_seq": after_seq,
            "p_household": [p.household_id for p in points],
            "p_delta": [p.delta for p in points],
            "p_after": [p.balance_after for p in points],
            "p_rule": [p.rule_id for p in points],
            "s_product": [m.product_id for m in stock],
            "s_delta": [m.delta for m in stock],
            "s_after": [m.on_hand_after for m in stock],
            "s_reason": [m.reason for m in stock],
        },
    ).one_or_none()


def head(session: Session, village_id: int) -> tuple[int, str]:
    row = session.execute(
        text("SELECT seq, head_hash FROM ledger_heads WHERE village_id = :v"), {"v": village_id}
    ).one_or_none()
    return (row[0], row[1]) if row else (0, GENESIS)
