"""Staff sign-in (工作人员登录), lockout, badges and the end of sessions.

Passwords and PINs are argon2 (shop.staff.hash_secret). Five failures in a row lock the account
until an admin unlocks it; the count lives in the database and moves only by guarded UPDATEs, so
two sign-in attempts at once cannot both read 4 and both write 5, and a restart forgets nothing.
`session_version` is copied into the browser's session at sign-in and compared on every request:
bumping it (logout, disable) ends every session of that user at once.

Sign-in does not raise: a refusal is a result, because the failure count must be committed by the
caller's unit of work while the sign-in itself is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from shop import ledger
from shop.errors import DomainError
from shop.households import codes
from shop.staff.models import ApiToken, StaffUser
from shop.staff.operations import ROLES, check_secret, hash_secret, journal_token
from shop.text import plain_text
from shop.words import N_

MAX_FAILURES = 5
# Hash of a throw-away password: unknown usernames cost the same time as wrong passwords.
_DUMMY_HASH = hash_secret("not-a-real-password")

# Refusal codes of sign-in (shown on the sign-in page, asserted by tests).
REFUSALS = {
    "bad_credentials": N_("用户名或密码不对。"),
    "account_locked": N_("错误次数太多，账号已锁定，请找管理员解锁。"),
    "account_disabled": N_("这个账号已停用。"),
    "bad_badge": N_("工作证认不出来，请重扫。"),
}


@dataclass(frozen=True)
class SignIn:
    """The outcome of one attempt: the user when `ok`, else a refusal `code` from REFUSALS."""

    user: StaffUser | None
    code: str | None = None
    failures: int = 0

    @property
    def ok(self) -> bool:
        return self.code is None

    @property
    def text(self) -> str:
        """The refusal in Chinese, translated where it is shown."""
        return REFUSALS.get(self.code or "", "")


def _journal(session: Session, user: StaffUser, memo: str, actor: str) -> None:
    if user.village_id is not None:
        ledger.append(
            session,
            user.village_id,
            "staff_change",
            actor=actor,
            ref=f"staff:{user.username}",
            memo=memo,
        )


def _check(session: Session, user: StaffUser | None, stored: str | None, given: str) -> SignIn:
    if user is None:
        check_secret(_DUMMY_HASH, given or "x")
        return SignIn(None, "bad_credentials")
    if not user.is_active:
        return SignIn(None, "account_disabled")
    if user.is_locked:
        return SignIn(None, "account_locked", user.failed_logins)
    if check_secret(stored, given or ""):
        session.execute(
            update(StaffUser)
            .where(StaffUser.id == user.id, StaffUser.is_locked.is_(False))
            .values(failed_logins=0)
        )
        session.refresh(user)
        return SignIn(user)
    return record_failure(session, user)


def record_failure(session: Session, user: StaffUser) -> SignIn:
    """Count one failed attempt (shown to the admin; reset by a success). It locks nothing: a
    lock let anyone shut every admin out and ended live sessions (finding 13); the edge slows
    repeated attempts down instead (kiosk/backoffice/throttle.py)."""
    failures = session.execute(
        update(StaffUser)
        .where(StaffUser.id == user.id)
        .values(failed_logins=StaffUser.failed_logins + 1)
        .returning(StaffUser.failed_logins)
    ).scalar_one()
    session.refresh(user)
    if failures == MAX_FAILURES:
        _journal(session, user, f"{failures} failed sign-ins in a row", "system")
    return SignIn(None, "bad_credentials", failures)


def sign_in_password(session: Session, username: str, password: str) -> SignIn:
    user = session.scalar(select(StaffUser).where(StaffUser.username == (username or "").strip()))
    return _check(session, user, user.password_hash if user else None, password)


def sign_in_badge(session: Session, raw_code: str, pin: str) -> SignIn:
    """Sign in on the kiosk: the staff badge's QR (JB1…) and the PIN on the keypad."""
    code = codes.normalize(raw_code or "")
    if code is None or codes.kind_of(code) != "badge":
        return SignIn(None, "bad_badge")
    user = session.scalar(select(StaffUser).where(StaffUser.badge_hash == codes.code_hash(code)))
    if user is None:
        return SignIn(None, "bad_badge")
    return _check(session, user, user.pin_hash, pin)


def sign_in_badge_hash(session: Session, badge_hash: str, pin: str) -> SignIn:
    """The same, for a badge the kiosk's scanner read (the kiosk keeps only its hash)."""
    user = session.scalar(select(StaffUser).where(StaffUser.badge_hash == badge_hash))
    if user is None:
        return SignIn(None, "bad_badge")
    return _check(session, user, user.pin_hash, pin)


def get_staff(session: Session, user_id: int) -> StaffUser:
    user = session.get(StaffUser, user_id)
    if user is None:
        raise DomainError("invalid_input", f"staff {user_id}")
    return user


def end_sessions(session: Session, user: StaffUser) -> None:
    """Every signed-in browser of this user is signed out at its next request (logout)."""
    session.execute(
        update(StaffUser)
        .where(StaffUser.id == user.id)
        .values(session_version=StaffUser.session_version + 1)
    )
    session.refresh(user)


def unlock_staff(session: Session, user: StaffUser, *, actor: str) -> None:
    session.execute(
        update(StaffUser).where(StaffUser.id == user.id).values(failed_logins=0, is_locked=False)
    )
    session.refresh(user)
    _journal(session, user, "unlock", actor)


def _keep_an_admin(session: Session, user: StaffUser) -> None:
    """A village never loses its last active admin (nobody could manage staff any more)."""
    if user.role != "admin" or not user.is_active:
        return
    others = session.scalar(
        select(func.count(StaffUser.id)).where(
            StaffUser.village_id == user.village_id,
            StaffUser.role == "admin",
            StaffUser.is_active,
            StaffUser.id != user.id,
        )
    )
    if not others:
        raise DomainError("last_admin", user.username)


def set_staff_active(session: Session, user: StaffUser, active: bool, *, actor: str) -> None:
    """Disable (ends every session at once) or enable again."""
    if not active and actor == f"staff:{user.username}":
        raise DomainError("cannot_disable_self")
    if not active:
        _keep_an_admin(session, user)
    session.execute(
        update(StaffUser)
        .where(StaffUser.id == user.id)
        .values(is_active=active, session_version=StaffUser.session_version + 1)
    )
    session.refresh(user)
    _journal(session, user, "enable" if active else "disable", actor)


def set_staff_role(session: Session, user: StaffUser, role: str, *, actor: str) -> None:
    if role not in ROLES:
        raise DomainError("invalid_input", f"role {role}")
    if role != "admin":
        _keep_an_admin(session, user)
    session.execute(
        update(StaffUser)
        .where(StaffUser.id == user.id)
        .values(role=role, session_version=StaffUser.session_version + 1)
    )
    session.refresh(user)
    _journal(session, user, f"role {role}", actor)


def set_staff_groups(session: Session, user: StaffUser, groups: list[str], *, actor: str) -> None:
    """A recorder's (记分员) villager groups: the households they may record points for."""
    names: list[str] = []
    for name in groups:
        name = plain_text(name, "group", max_length=64)
        if name and name not in names:
            names.append(name)
    text = "\n".join(names)
    if len(text) > 500:
        raise DomainError("invalid_input", "groups: too many")
    session.execute(update(StaffUser).where(StaffUser.id == user.id).values(groups=text))
    session.refresh(user)
    _journal(session, user, f"groups {'、'.join(names) or '-'}", actor)


def issue_badge(session: Session, user: StaffUser, *, actor: str, pin: str | None = None) -> str:
    """A new staff badge (JB1…); the old one stops working. Returns the code: print it now,
    only its hash is kept."""
    if pin is not None and not (pin.isdigit() and 4 <= len(pin) <= 8):
        raise DomainError("invalid_staff_pin")
    if pin is None and not user.pin_hash:
        raise DomainError("badge_needs_pin")
    code = codes.new_code(codes.BADGE_PREFIX)
    values = {"badge_hash": codes.code_hash(code)}
    if pin is not None:
        values["pin_hash"] = hash_secret(pin)
    session.execute(update(StaffUser).where(StaffUser.id == user.id).values(**values))
    session.refresh(user)
    _journal(session, user, "issue badge", actor)
    return code


def set_password(
    session: Session, user: StaffUser, new_password: str, *, actor: str, current: str | None = None
) -> None:
    """Change (the member, who gives `current`) or reset (an admin, the command line) a password.
    Ends every other session of that member; unlocks the account; journaled without the secret."""
    if current is not None and not check_secret(user.password_hash, current):
        raise DomainError("wrong_password")
    if len(new_password or "") < 8 or len(new_password) > 200:
        raise DomainError("password_too_short")
    session.execute(
        update(StaffUser)
        .where(StaffUser.id == user.id)
        .values(
            password_hash=hash_secret(new_password),
            failed_logins=0,
            is_locked=False,
            session_version=StaffUser.session_version + 1,
        )
    )
    session.refresh(user)
    _journal(session, user, "password changed" if current is not None else "password reset", actor)


def list_api_tokens(session: Session, *, region: bool = False) -> list[ApiToken]:
    """The API tokens the session's scope can see, newest first (never their secrets): the
    villages' tokens, or (`region`) the townships' and the district's."""
    kind = ApiToken.village_id.is_(None) if region else ApiToken.village_id.is_not(None)
    return list(session.scalars(select(ApiToken).where(kind).order_by(ApiToken.id.desc())))


def revoke_api_token(
    session: Session, token_id: int, *, actor: str, region: bool | None = None
) -> ApiToken:
    """A token stops working at its next request; journaled (in each village it read). Revoking
    twice is harmless. `region` True or False: only a region's or only a village's token (each
    page revokes its own kind; the other kind is not found there)."""
    token = session.get(ApiToken, token_id)
    if token is None or (region is not None and token.is_region != region):
        raise DomainError("not_found", f"token {token_id}")
    if token.is_active:
        session.execute(update(ApiToken).where(ApiToken.id == token.id).values(is_active=False))
        session.refresh(token)
        journal_token(session, token, f"revoke api token {token.label}".strip(), actor)
    return token
