"""Earning points (积分评定): the rules catalogue (积分项目), awards and deductions one by one or
in batches, reversals, villagers' own applications (双向积分认证) and award import.
"""

from shop.points.operations import (
    MAX_AWARD,
    award_points,
)

__all__ = [
    "MAX_AWARD",
    "award_points",
]
