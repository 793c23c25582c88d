"""`kiosk …`: the command line over the same services as the web (a Flask CLI group).

Commands live in modules by subject (core, staff, regions, stock, transparency, voice); `main` is
the console entry point. The app factory never imports this package: `main` builds the app, and
tests that want the commands on an app of their own call `register(app)`.
"""

from __future__ import annotations

from flask import Flask
from flask.cli import FlaskGroup

from kiosk.cli import catalogue as _catalogue  # noqa: F401  (kiosk region rules …)
from kiosk.cli import core, points, regions, reports, staff, stock, transparency, voice

COMMANDS = (
    *core.COMMANDS,
    *points.COMMANDS,
    *regions.COMMANDS,
    *reports.COMMANDS,
    *staff.COMMANDS,
    *stock.COMMANDS,
    *transparency.COMMANDS,
    *voice.COMMANDS,
)


def register(app: Flask) -> None:
    """Put every command on `app.cli` (for `app.test_cli_runner()`)."""
    for command in COMMANDS:
        if command.name not in app.cli.commands:
            app.cli.add_command(command)


def _create_app():
    from kiosk.app import create_app

    return create_app()


main = FlaskGroup(
    create_app=_create_app,
    add_default_commands=False,
    add_version_option=False,
    help="Points Kiosk (积分超市兑换机): kiosk, back-office and ledger.",
)
for _command in COMMANDS:
    main.add_command(_command)
