"""Staff users and API tokens. Passwords and PINs are argon2 hashes; tokens are SHA-256
(they are long random secrets, so a slow hash buys nothing and would slow every API call)."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from shop import ledger
from shop.errors import DomainError
from shop.regions.models import District, Kiosk, Township, Village
from shop.regions.operations import villages_in
from shop.staff.models import REGION_ROLES, REGION_TOKEN_ROLES, ApiToken, StaffUser
from shop.text import plain_text

ROLES = ("admin", "panel", "clerk", "volunteer", "supervisor", "recorder")
TOKEN_ROLES = ("kiosk", "panel", "admin")
TOKEN_PREFIX = "jft_"
_hasher = PasswordHasher()


def hash_secret(secret: str) -> str:
    return _hasher.hash(secret)


def check_secret(stored: str | None, given: str) -> bool:
    if not stored:
        return False
    try:
        return _hasher.verify(stored, given)
    except (VerificationError, InvalidHashError):
        return False


def create_staff(
    session: Session,
    username: str,
    role: str,
    password: str,
    *,
    village: Village | None = None,
    township: Township | None = None,
    district: District | None = None,
    display_name: str = "",
    pin: str | None = None,
    actor: str = "",
) -> StaffUser:
    """A staff member of a village (a village role), of a township (township_*) or of the
    district (district_*); the place must fit the role."""
    username = plain_text(username, "username", max_length=64)
    display_name = plain_text(display_name, "display_name", max_length=64)
    if role not in ROLES + REGION_ROLES:
        raise DomainError("invalid_input", f"role must be one of {', '.join(ROLES + REGION_ROLES)}")
    if role.startswith("township") and (township is None or village or district):
        raise DomainError("invalid_input", "a township role needs a township (and nothing else)")
    if role.startswith("district") and (district is None or village or township):
        raise DomainError("invalid_input", "a district role needs a district (and nothing else)")
    if role in ROLES and (township or district):
        raise DomainError("invalid_input", "a village role works in a village")
    if not username or len(password) < 8:
        raise DomainError("password_too_short" if username else "username_required", "username")
    if pin is not None and not (pin.isdigit() and 4 <= len(pin) <= 8):
        raise DomainError("invalid_staff_pin")
    if session.scalar(select(StaffUser.id).where(StaffUser.username == username)):
        raise DomainError("username_taken", f"staff {username}")
    user = StaffUser(
        village_id=village.id if village else None,
        township_id=township.id if township else None,
        district_id=district.id if district else None,
        username=username,
        role=role,
        display_name=display_name or username,
        password_hash=hash_secret(password),
        pin_hash=hash_secret(pin) if pin else None,
    )
    session.add(user)
    session.flush()
    if village is not None:
        ledger.append(
            session,
            village.id,
            "staff_change",
            actor=actor,
            ref=f"staff:{username}",
            memo=f"create role {role}",
        )
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(
    session: Session,
    village: Village,
    role: str,
    *,
    label: str = "",
    kiosk: Kiosk | None = None,
    actor: str = "",
) -> tuple[ApiToken, str]:
    """A new bearer token; returned in clear once, stored as a hash."""
    if role not in TOKEN_ROLES:
        raise DomainError("invalid_input", f"role must be one of {', '.join(TOKEN_ROLES)}")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        village_id=village.id,
        token_hash=_token_hash(token),
        role=role,
        label=label,
        kiosk_id=kiosk.id if kiosk else None,
    )
    session.add(row)
    session.flush()
    journal_token(session, row, f"create api token role {role} {label}".strip(), actor)
    return row, token


def create_region_token(
    session: Session, region: Township | District, *, label: str, actor: str = ""
) -> tuple[ApiToken, str]:
    """A new read-only bearer token of a township (township_viewer) or of the district
    (district_viewer), for the finance office's figures; returned in clear once, stored as a hash.

    There are no region admin tokens: what a township or the district changes (opening a village,
    the catalogue) is done by a person on its pages; a machine of the finance office only reads,
    and a leaked reading token cannot change any village. Journaled in the journal of every
    village it can read, as a village's own token is in its village's."""
    label = plain_text(label, "label", max_length=64)
    if not label:
        raise DomainError("token_label_required")
    township = region if isinstance(region, Township) else None
    district = region if isinstance(region, District) else None
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        township_id=township.id if township else None,
        district_id=district.id if district else None,
        token_hash=_token_hash(token),
        role=REGION_TOKEN_ROLES[0] if township else REGION_TOKEN_ROLES[1],
        label=label,
    )
    session.add(row)
    session.flush()
    journal_token(session, row, f"create api token role {row.role} {label}", actor)
    return row, token


def journal_token(session: Session, token: ApiToken, memo: str, actor: str) -> None:
    """A token's issue or revocation, in the journal of each village it reads: its own village, or
    every village of its township or district (today's villages; the scope's own lookup)."""
    if token.village_id is not None:
        village_ids = [token.village_id]
    else:
        found = villages_in(session, township_id=token.township_id, district_id=token.district_id)
        village_ids = [v.id for v in found]
    for village_id in village_ids:
        ledger.append(
            session, village_id, "staff_change", actor=actor, ref=f"token:{token.id}", memo=memo
        )


def authenticate_token(session: Session, token: str) -> ApiToken | None:
    if not token or not token.startswith(TOKEN_PREFIX):
        return None
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(token)))
    return row if row is not None and row.is_active else None
