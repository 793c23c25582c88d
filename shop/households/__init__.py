"""Households (户) and what identifies them: passbooks (积分存折) and their codes, household
PINs, query codes for the phone page (查询码), the roster (名册) and its import, passbook cards
and statements (积分明细).
"""

from shop.households.operations import (
    REISSUE_REASONS,
    REVOKE_REASONS,
    Scan,
    card_scanned,
    create_household,
    get_household,
    issue_passbook,
    lookup_passbook,
    recent_entries,
    reissue_passbook,
    reprintable_code,
    revoke_passbook,
    revoke_status,
    set_household_status,
)
from shop.households.query_codes import (
    active_query_code,
    issue_query_code,
    lookup_query_code,
    revoke_query_code,
)

__all__ = [
    "create_household",
    "set_household_status",
    "issue_passbook",
    "revoke_passbook",
    "revoke_status",
    "REVOKE_REASONS",
    "REISSUE_REASONS",
    "reissue_passbook",
    "reprintable_code",
    "card_scanned",
    "Scan",
    "lookup_passbook",
    "get_household",
    "recent_entries",
    "active_query_code",
    "issue_query_code",
    "revoke_query_code",
    "lookup_query_code",
]
