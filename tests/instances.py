"""Apps on a copy of a prepared instance folder, shared by the kiosk and back-office fixtures."""

from __future__ import annotations

import shutil

from kiosk.app import create_app


def apps_on_a_copy(source, tmp_path, **defaults):
    """Apps on this test's own copy of an instance folder (call again to 'restart' on the same
    database); a generator for a fixture to `yield from`, disposing every engine at the end."""
    folder = tmp_path / "instance"
    shutil.copytree(source, folder)
    made = []

    def make(**config):
        app = create_app(
            {"INSTANCE_PATH": str(folder), "TESTING": True, "PRINTER": "preview"}
            | defaults
            | config
        )
        made.append(app)
        return app

    yield make
    for app in made:
        app.extensions["kiosk_db"].engine.dispose()
