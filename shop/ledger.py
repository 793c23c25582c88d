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

from .models import Journal, LedgerHead, PointsEntry, StockMove, utcnow

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
        session.add(LedgerHead(village_id=village_id, seq=0, head_hash=GENESIS))
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
    so appends in one village are serial and the chain has no forks. Call it last in a unit of
    work so the lock is held for as short a time as possible.
    """
    created_at = at or utcnow()
    row = session.execute(
        update(LedgerHead)
        .where(LedgerHead.village_id == village_id)
        .values(seq=LedgerHead.seq + 1)
        .returning(LedgerHead.seq, LedgerHead.head_hash)
    ).one_or_none()
    if row is None:
        ensure_head(session, village_id)
        return append(
            session,
            village_id,
            kind,
            actor=actor,
            ref=ref,
            memo=memo,
            points=points,
            stock=stock,
            at=created_at,
        )
    seq, prev_hash = row
    payload = canonical(
        village_id,
        seq,
        kind,
        format_ts(created_at),
        actor,
        ref,
        memo,
        ((p.household_id, p.delta, p.balance_after, p.rule_id) for p in points),
        ((m.product_id, m.delta, m.on_hand_after, m.reason) for m in stock),
    )
    new_hash = chain_hash(prev_hash, payload)
    journal_id = session.execute(
        insert(Journal)
        .values(
            village_id=village_id,
            seq=seq,
            kind=kind,
            created_at=created_at,
            actor=actor or "",
            ref=ref or "",
            memo=memo or "",
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
        update(LedgerHead).where(LedgerHead.village_id == village_id).values(head_hash=new_hash)
    )
    return Appended(journal_id, seq, new_hash, created_at)


def head(session: Session, village_id: int) -> tuple[int, str]:
    row = session.execute(
        text("SELECT seq, head_hash FROM ledger_heads WHERE village_id = :v"), {"v": village_id}
    ).one_or_none()
    return (row[0], row[1]) if row else (0, GENESIS)
