"""Every step of the review is one journal row, `household_change`, naming its actor: ref
`review:<batch>` for a batch's steps, `points-settings` for the village's settings. The memos are
written by shop.ledger.review_grammar, beside the patterns that read them."""

from __future__ import annotations

from sqlalchemy.orm import Session

from shop import ledger


def journal_step(
    session: Session, village_id: int, memo: str, *, actor: str, batch_id: int | None = None
) -> None:
    ref = f"review:{batch_id}" if batch_id is not None else "points-settings"
    ledger.append(session, village_id, "household_change", actor=actor, ref=ref, memo=memo)
