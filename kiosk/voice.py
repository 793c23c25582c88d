"""The kiosk's voice (语音播报) on the web: what each screen asks to hear, and the clips.

Each screen's root carries `data-voice="<clip id> <clip id> …"` (the template global
`voice_clips(screen, …)`, from shop.voice.say); static/kiosk/voice.js plays those clips one
after another when the screen appears, unless sounds are off or muted for the visit.

`GET /voice/<clip id>` serves this kiosk's village's own recording of the clip if it made one
(instance folder, see shop.voice.recordings), else the machine's clip from static/voice/.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, request

from shop import voice
from shop.errors import DomainError

from . import i18n
from .db import reading
from .shopfront import this_kiosk

bp = Blueprint("voice", __name__)

MACHINE_KIND = "ogg"


def voice_on() -> bool:
    """Voice for this kiosk and language: sounds on (SOUNDS), voice on (VOICE), and the visit
    in Chinese (the clips are Mandarin; an English visit hears the cues only). The per-visit
    mute is the page's: it stops the voice there."""
    config = current_app.config
    return bool(config.get("SOUNDS")) and bool(config.get("VOICE", True)) and i18n.lang() == "zh"


def voice_clips(screen: str, *args, **kwargs) -> str:
    """The clips a screen asks for, as the data-voice attribute's value ("" when silent)."""
    if not voice_on():
        return ""
    try:
        return " ".join(voice.say(screen, *args, **kwargs))
    except (TypeError, ValueError):
        current_app.logger.warning("no voice for %s %r %r", screen, args, kwargs)
        return ""


def _village_id() -> int | None:
    try:
        with reading() as session:
            return this_kiosk(session).village_id
    except DomainError:  # no kiosk row, or no database: the machine's voice still speaks
        return None


def machine_clip(clip_id: str) -> Path:
    return Path(current_app.static_folder or "") / "voice" / f"{clip_id}.{MACHINE_KIND}"


@bp.get("/voice/<clip_id>")
def clip(clip_id: str):
    """A clip: the village's recording when it has one, else the machine's (always the
    machine's with ?machine=1: the page asks for it when a recording will not play)."""
    if voice.get(clip_id) is None:
        abort(404)
    village_id = None if request.args.get("machine") else _village_id()
    path, source = None, "village"
    if village_id is not None:
        path = voice.recording_of(current_app.instance_path, village_id, clip_id)
    if path is None:
        path, source = machine_clip(clip_id), "machine"
        if not path.is_file():
            abort(404)
    kind = voice.KINDS[path.suffix.lstrip(".")]
    # A clip is small (at most RECORDING_MAX_BYTES): read it whole, nothing left open.
    stat = path.stat()
    response = current_app.response_class(path.read_bytes(), mimetype=kind)
    response.set_etag(f"{source}-{stat.st_mtime_ns:x}-{stat.st_size:x}")
    response.make_conditional(request)
    # Revalidated every time (a village's new recording is heard at once); a 304 is cheap.
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Voice-Source"] = source
    return response


def init_app(app) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals["voice_clips"] = voice_clips
