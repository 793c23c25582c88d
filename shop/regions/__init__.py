"""Where a shop stands: villages (村) with their villager groups, their kiosks (兑换机), the first
run that opens a village on an empty database; later the townships and district above them.
Every village is the scope of one shop and of one hash chain.
"""

from shop.regions.operations import (
    add_group,
    add_kiosk,
    clean_groups,
    create_kiosk,
    create_village,
    get_kiosk,
    get_village,
    list_kiosks,
    list_villages,
    rename_village,
    retire_kiosk,
    shop_title,
    village_groups,
)
from shop.regions.setup import FirstRun, KioskPlan, first_run, needs_first_run

__all__ = [
    "create_village",
    "get_village",
    "list_villages",
    "rename_village",
    "village_groups",
    "add_group",
    "clean_groups",
    "create_kiosk",
    "add_kiosk",
    "get_kiosk",
    "list_kiosks",
    "retire_kiosk",
    "shop_title",
    "FirstRun",
    "KioskPlan",
    "first_run",
    "needs_first_run",
]
