"""Passbook (积分存折) and staff badge codes: opaque, versioned, short.

Format, version 1 (documented in docs/CODES.md)::

    JF1 XXXXXXXXXXXXXXXXXXXX C
    |   |                    `- check character: Luhn mod 32 over everything before it
    |   `- 20 Crockford base32 characters = 100 random bits (the secret)
    `- prefix: JF1 passbook version 1, JB1 staff badge version 1,
               CX1 query code (查询码: the phone page's read-and-apply code) version 1

24 characters, all in the QR alphanumeric set, so a QR of version 2 at error correction M
holds it and worn paper still scans. The database keeps only SHA-256 of the whole code, so a
copied database cannot mint passbooks. Scanners and typing errors are forgiven the way Crockford
intends: lower case, O for 0, I and L for 1.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
PASSBOOK_PREFIX = "JF1"
BADGE_PREFIX = "JB1"
# A household's query code opens its phone page (read and apply, never spend); a kiosk or the
# API that meets one refuses it as query_code_cannot_redeem (shop.households.lookup_passbook).
QUERY_PREFIX = "CX1"
PREFIXES = (PASSBOOK_PREFIX, BADGE_PREFIX, QUERY_PREFIX)
KINDS = {PASSBOOK_PREFIX: "passbook", BADGE_PREFIX: "badge", QUERY_PREFIX: "query"}
SECRET_CHARS = 20
CODE_LENGTH = len(PASSBOOK_PREFIX) + SECRET_CHARS + 1
_FORGIVE = str.maketrans({"O": "0", "I": "1", "L": "1"})


def _check_char(body: str) -> str:
    """Luhn mod N (N = 32): catches every single-character error and most swaps."""
    factor, total = 2, 0
    for ch in reversed(body):
        addend = factor * _VALUE[ch]
        factor = 1 if factor == 2 else 2
        total += addend // 32 + addend % 32
    return ALPHABET[(32 - total % 32) % 32]


def new_code(prefix: str = PASSBOOK_PREFIX) -> str:
    body = prefix + "".join(secrets.choice(ALPHABET) for _ in range(SECRET_CHARS))
    return body + _check_char(body)


def normalize(raw: str) -> str | None:
    """The canonical code for what a scanner or a person produced, or None if it is no code.

    None means: not our format, or damaged (the check character disagrees).
    """
    text = "".join(raw.split()).replace("-", "").upper()
    if len(text) != CODE_LENGTH or text[:3] not in PREFIXES:
        return None
    text = text[:3] + text[3:].translate(_FORGIVE)
    if any(ch not in _VALUE for ch in text[3:]):
        return None
    if not hmac.compare_digest(_check_char(text[:-1]), text[-1]):
        return None
    return text


def kind_of(code: str) -> str:
    """'passbook', 'badge' or 'query' for a normalized code."""
    return KINDS[code[:3]]


def code_hash(code: str) -> str:
    """What the database stores: SHA-256 hex of the normalized code."""
    return hashlib.sha256(code.encode("ascii")).hexdigest()
