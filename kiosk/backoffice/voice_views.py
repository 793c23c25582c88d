"""语音播报: the kiosk's voice clips, and the village's own recordings of them.

The list shows every clip with its words and whose voice the kiosk plays (本村录音 or 机器语音);
a clip's page plays both, records a new one in the browser (static/backoffice/voice_recorder.js,
MediaRecorder) or takes an uploaded file, and goes back to the machine's voice. The admin and
the evaluation panel change recordings; the supervision panel listens. Every change is a
`staff_change` journal row with the staff member as actor (shop.voice.recordings).
"""

from __future__ import annotations

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from kiosk import i18n
from kiosk.db import reading, writing
from kiosk.voice import machine_clip
from shop import voice
from shop.errors import DomainError
from shop.words import N_

from .access import bp, roles_required
from .common import village

LISTENERS = ("admin", "panel", "supervisor")
RECORDERS = ("admin", "panel")
GROUPS = (
    ("screen", N_("每个屏幕说的话")),
    ("refusal", N_("不能兑换时说的话")),
    ("number", N_("数字和单位（用来读积分）")),
)
EXAMPLE = 135  # the list shows how 您家还有一百三十五分 is put together


def _clip(clip_id: str) -> voice.Clip:
    clip = voice.get(clip_id)
    if clip is None:
        abort(404)
    return clip


def _village_id() -> int:
    with reading() as db:
        return village(db).id


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@bp.route("/voice")
@roles_required(*LISTENERS)
def voice_page():
    own = voice.recordings_of(current_app.instance_path, _village_id())
    groups = [
        (title, [c for c in voice.CLIPS.values() if c.group == group]) for group, title in GROUPS
    ]
    example = voice.say("household", EXAMPLE)
    return render_template(
        "backoffice/voice.html",
        groups=groups,
        own=own,
        total=len(voice.CLIPS),
        example=[voice.CLIPS[c] for c in example],
    )


@bp.route("/voice/<clip_id>")
@roles_required(*LISTENERS)
def voice_clip(clip_id: str):
    clip = _clip(clip_id)
    return _clip_page(clip)


def _clip_page(clip: voice.Clip, **extra):
    return render_template(
        "backoffice/voice_clip.html",
        clip=clip,
        own=voice.recording_of(current_app.instance_path, _village_id(), clip.id),
        kinds=", ".join(k.upper() for k in voice.KINDS),
        max_mb=voice.RECORDING_MAX_BYTES // 1_000_000,
        **extra,
    )


@bp.route("/voice/<clip_id>/audio")
@roles_required(*LISTENERS)
def voice_audio(clip_id: str):
    """The village's recording (?source=village, the default) or the machine's clip."""
    clip = _clip(clip_id)
    if request.args.get("source") == "machine":
        path = machine_clip(clip.id)
        if not path.is_file():
            abort(404)
    else:
        path = voice.recording_of(current_app.instance_path, _village_id(), clip.id)
        if path is None:
            abort(404)
    response = current_app.response_class(
        path.read_bytes(), mimetype=voice.KINDS[path.suffix.lstrip(".")]
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/voice/<clip_id>", methods=["POST"])
@roles_required(*RECORDERS)
def voice_record(clip_id: str):
    """A recording from the browser's recorder or an uploaded file, in field `audio`."""
    clip = _clip(clip_id)
    upload = request.files.get("audio")
    data = b""
    if upload is not None:
        try:
            data = upload.read(voice.RECORDING_MAX_BYTES + 1)
        finally:
            upload.close()  # a large upload is spooled to a temporary file
    try:
        with writing() as db:
            voice.record_clip(
                db,
                village(db).id,
                clip.id,
                data,
                current_app.instance_path,
                actor=current_user.actor,
            )
    except DomainError as exc:
        message = i18n.error_text(exc)
        if _wants_json():
            return jsonify(ok=False, code=exc.code, message=message), exc.status
        return _clip_page(clip, error=message, code=exc.code), exc.status
    saved = _("已保存本村录音：%(words)s", words=clip.text)
    if _wants_json():
        flash(saved, "ok")
        return jsonify(
            ok=True, message=saved, url=url_for("backoffice.voice_clip", clip_id=clip.id)
        )
    flash(saved, "ok")
    return redirect(url_for("backoffice.voice_clip", clip_id=clip.id), 303)


@bp.route("/voice/<clip_id>/reset", methods=["POST"])
@roles_required(*RECORDERS)
def voice_reset(clip_id: str):
    """Back to the machine's voice for this clip."""
    clip = _clip(clip_id)
    with writing() as db:
        removed = voice.remove_recording(
            db, village(db).id, clip.id, current_app.instance_path, actor=current_user.actor
        )
    if removed:
        flash(_("已恢复机器语音：%(words)s", words=clip.text), "ok")
    return redirect(url_for("backoffice.voice_clip", clip_id=clip.id), 303)
