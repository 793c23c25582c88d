"""Settle a merge or rebase conflict in translations/: keep every translation either side wrote.

Run it while git shows the conflict, then `make translations` refreshes the template, both
catalogues and the compiled files from the code as merged:

    .venv/bin/python tools/merge_catalogues.py && make translations && git add translations
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
CATALOGUES = (
    "translations/en/LC_MESSAGES/messages.po",
    "translations/zh_Hans_CN/LC_MESSAGES/messages.po",
)


def _stage(path: str, stage: int):
    shown = subprocess.run(
        ["git", "show", f":{stage}:{path}"], cwd=ROOT, capture_output=True, check=False
    )
    if shown.returncode != 0:
        return None
    locale = path.split("/")[1].split("_")[0]
    return read_po(io.BytesIO(shown.stdout), locale=locale)


def merge(path: str) -> int:
    ours, theirs = _stage(path, 2), _stage(path, 3)
    if ours is None or theirs is None:
        return 0
    added = 0
    for message in theirs:
        if (
            not message.id
            or not message.string
            or not any([message.string] if isinstance(message.string, str) else message.string)
        ):
            continue
        mine = ours.get(message.id)
        if mine is None:
            ours[message.id] = message
            added += 1
        elif not (mine.string if isinstance(mine.string, str) else any(mine.string)):
            mine.string = message.string
            added += 1
    with open(ROOT / path, "wb") as f:
        write_po(f, ours, width=99, sort_output=True)
    return added


def main() -> int:
    for path in CATALOGUES:
        print(f"{path}: {merge(path)} translations taken from the other side")
    for compiled in ("translations/messages.pot", *(p[:-2] + "mo" for p in CATALOGUES)):
        subprocess.run(["git", "checkout", "--ours", compiled], cwd=ROOT, check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
