"""Earning points (积分评定): the rules catalogue (积分项目), awards and deductions one by one or
in batches, reversals, villagers' own applications (双向积分认证) and award import.
"""

from shop.points.applications import (
    application_photo,
    application_photo_ids,
    approve_application,
    pending_applications,
    reject_application,
    submit_application,
)
from shop.points.batches import (
    BatchLine,
    BatchPreview,
    apply_batch,
    award_day,
    preview_batch,
    reverse_award,
)
from shop.points.catalog import (
    add_category,
    add_rule,
    get_rule,
    rules_catalog,
    set_rule_active,
)
from shop.points.imports import (
    MEMO,
    NUMBER,
    POINTS,
    RULE,
    ImportLine,
    ImportPreview,
    apply_award_import,
    import_awards,
    preview_award_import,
    row_key,
)
from shop.points.opening import OpeningPreview, apply_opening, import_opening, preview_opening
from shop.points.operations import (
    MAX_AWARD,
    award_points,
)

__all__ = [
    "OpeningPreview",
    "preview_opening",
    "apply_opening",
    "import_opening",
    "MAX_AWARD",
    "award_points",
    "rules_catalog",
    "get_rule",
    "add_category",
    "add_rule",
    "set_rule_active",
    "BatchLine",
    "BatchPreview",
    "preview_batch",
    "award_day",
    "apply_batch",
    "reverse_award",
    "submit_application",
    "application_photo",
    "application_photo_ids",
    "pending_applications",
    "approve_application",
    "reject_application",
    "NUMBER",
    "RULE",
    "POINTS",
    "MEMO",
    "ImportLine",
    "ImportPreview",
    "row_key",
    "preview_award_import",
    "apply_award_import",
    "import_awards",
]
