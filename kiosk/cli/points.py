"""`kiosk post-matured`: the notice period's daily step (公示期满计入积分).

Approved points shown as 公示中 count only when their notice period ends. This command posts
every line whose period has ended and that has no open objection, in every village (or one).
Run it once a day (deploy/ has a systemd timer; cron works too); it is harmless to run more
often. The panel's review page runs the same step for its village whenever it is opened.
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from kiosk.db import get_db
from shop import clock
from shop.db import unit_of_work
from shop.models import Village
from shop.points import review


@click.command("post-matured")
@click.option("--village", "village_code", default=None, help="Only this village (its code).")
@with_appcontext
def post_matured_command(village_code: str | None):
    """Post the points whose notice period (公示期) has ended."""
    from sqlalchemy import select

    with unit_of_work(get_db().writer) as session:
        village_id = None
        if village_code:
            village_id = session.scalar(select(Village.id).where(Village.code == village_code))
            if village_id is None:
                raise click.ClickException(f"no village {village_code}")
        posted = review.post_matured(
            session, village_id=village_id, today=clock.today(), actor="system:notice"
        )
    click.echo(f"公示期满计入 {posted} 条 / {posted} lines posted")


COMMANDS = (post_matured_command,)
