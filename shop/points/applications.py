"""Villagers' own applications for points (双向积分认证), decided by the evaluation panel."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from shop import ledger
from shop.base import utcnow
from shop.errors import DomainError
from shop.households.models import Household
from shop.ledger import application_grammar
from shop.points import operations as points
from shop.points.models import ApplicationPhoto, PointsApplication, Rule
from shop.points.photos import MAX_PHOTOS, process_photo


def submit_application(
    session: Session,
    household: Household,
    rule: Rule,
    *,
    memo: str = "",
    actor: str,
    photos: Sequence[bytes] = (),
) -> PointsApplication:
    """A household's application; photos (from the phone, at most 4) are cleaned by
    shop.points.photos before anything is written, so a hostile file leaves nothing behind."""
    if not rule.is_active:
        raise DomainError("rule_retired", rule.name)
    if len(photos) > MAX_PHOTOS:
        raise DomainError("too_many_photos", str(len(photos)))
    cleaned = [process_photo(data) for data in photos]
    app = PointsApplication(
        village_id=household.village_id,
        household_id=household.id,
        rule_id=rule.id,
        memo=(memo or "").strip()[:500],
        submitted_by=actor,
        points=rule.points,
    )
    session.add(app)
    session.flush()
    for photo in cleaned:
        session.add(
            ApplicationPhoto(
                application_id=app.id,
                village_id=household.village_id,
                width=photo.width,
                height=photo.height,
                sha256=photo.sha256,
                content=photo.content,
            )
        )
    session.flush()
    ledger.append(
        session,
        household.village_id,
        "household_change",
        actor=actor,
        ref=f"household:{household.number}",
        memo=f"application #{app.id}: {rule.name} {rule.points:+d} {app.memo}".strip(),
    )
    return app


def application_photo_ids(session: Session, application_ids: Sequence[int]) -> dict[int, list[int]]:
    """The photos of these applications, by application (ids only: the pictures load apart)."""
    found: dict[int, list[int]] = {}
    if not application_ids:
        return found
    rows = session.execute(
        select(ApplicationPhoto.application_id, ApplicationPhoto.id)
        .where(ApplicationPhoto.application_id.in_(list(application_ids)))
        .order_by(ApplicationPhoto.id)
    )
    for app_id, photo_id in rows:
        found.setdefault(app_id, []).append(photo_id)
    return found


def application_photo(session: Session, photo_id: int) -> ApplicationPhoto:
    found = session.get(ApplicationPhoto, photo_id)  # another village's: None (shop/scope.py)
    if found is None:
        raise DomainError("not_found", f"application photo {photo_id}")
    return found


def pending_applications(session: Session, village_id: int) -> list[PointsApplication]:
    return list(
        session.scalars(
            select(PointsApplication)
            .options(joinedload(PointsApplication.household), joinedload(PointsApplication.rule))
            .where(PointsApplication.village_id == village_id, PointsApplication.state == "pending")
            .order_by(PointsApplication.id)
        )
    )


def _pending(session: Session, village_id: int, application_id: int) -> PointsApplication:
    app = session.get(PointsApplication, application_id)
    if app is None or app.village_id != village_id:
        raise DomainError("unknown_application", f"application {application_id}")
    if app.state != "pending":
        raise DomainError("already_decided", f"application {application_id} already {app.state}")
    return app


def approve_application(
    session: Session, village_id: int, application_id: int, *, actor: str
) -> PointsApplication:
    """The panel agrees: the application becomes an award (keyed, so a double tap awards once)."""
    app = _pending(session, village_id, application_id)
    done = points.award_points(
        session,
        app.household,
        rule=app.rule,
        actor=actor,
        memo=application_grammar.memo_approved(app.id, app.memo),
        idempotency_key=f"application:{app.id}",
    )
    app.state, app.decided_by, app.decided_at = "approved", actor, utcnow()
    app.journal_id = done.id
    session.flush()
    return app


def reject_application(
    session: Session, village_id: int, application_id: int, *, reason: str, actor: str
) -> PointsApplication:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("reason_required")
    app = _pending(session, village_id, application_id)
    app.state, app.reason, app.decided_by, app.decided_at = "rejected", reason, actor, utcnow()
    session.flush()
    ledger.append(
        session,
        village_id,
        "household_change",
        actor=actor,
        ref=f"household:{app.household.number}",
        memo=f"reject application #{app.id}: {reason}",
    )
    return app
