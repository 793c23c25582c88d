"""Staff (工作人员): users with a role, sign-in and lockout, badges, and API tokens."""

from shop.staff.operations import (
    REGION_ROLES,
    REGION_TOKEN_ROLES,
    ROLES,
    TOKEN_PREFIX,
    TOKEN_ROLES,
    authenticate_token,
    check_secret,
    create_api_token,
    create_region_token,
    create_staff,
    hash_secret,
)

__all__ = [
    "ROLES",
    "REGION_ROLES",
    "REGION_TOKEN_ROLES",
    "TOKEN_ROLES",
    "TOKEN_PREFIX",
    "hash_secret",
    "check_secret",
    "create_staff",
    "create_api_token",
    "create_region_token",
    "authenticate_token",
]
