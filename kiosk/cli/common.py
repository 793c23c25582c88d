"""What every command shares: the village it acts on, and a refusal in both languages."""

from __future__ import annotations

import click
from flask import current_app
from sqlalchemy import select

from kiosk.i18n import detail_for_people, in_both
from shop.errors import DomainError
from shop.models import Kiosk, Village


def current_village(session, code: str | None = None) -> Village:
    """The village a command acts on: --village, else this kiosk's, else the only one."""
    if code:
        village = session.scalar(select(Village).where(Village.code == code))
    else:
        kiosk = session.scalar(select(Kiosk).where(Kiosk.code == current_app.config["DEVICE"]))
        village = kiosk.village if kiosk else None
        if village is None:
            villages = list(session.scalars(select(Village).limit(2)))
            village = villages[0] if len(villages) == 1 else None
    if village is None:
        raise click.ClickException(
            "Which village? Pass --village CODE (a new install: run `kiosk setup`)."
        )
    return village


def fail(exc: DomainError) -> click.ClickException:
    """The refusal in both languages, with its detail when it is meant for people (村名)."""
    detail = detail_for_people(exc)
    said = in_both(exc.text) + (f"（{in_both(detail)}）" if detail else "")
    return click.ClickException(f"{exc.code}: {said}")
