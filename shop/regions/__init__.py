"""Where a shop stands: the region tree district (区/县) -> township (镇/乡) -> village (村) ->
villager group (组), the villages' kiosks (兑换机), the first run that opens a village on an empty
database and opening (开通) one more from a township or the district. Every village is the scope
of one shop and of one hash chain; a township or a district is a set of villages.

The first run and opening a village (shop.regions.setup) are imported from there: they make the
first admin too, and staff needs the region models, so this package does not import them.
"""

from shop.regions.operations import (
    add_group,
    add_kiosk,
    clean_groups,
    create_district,
    create_kiosk,
    create_township,
    create_village,
    get_district,
    get_kiosk,
    get_township,
    get_village,
    list_districts,
    list_kiosks,
    list_townships,
    list_villages,
    move_village,
    region_for,
    rename_region,
    rename_village,
    retire_kiosk,
    shop_title,
    village_groups,
    villages_in,
)

__all__ = [
    "create_district",
    "create_township",
    "get_district",
    "get_township",
    "list_districts",
    "list_townships",
    "region_for",
    "rename_region",
    "villages_in",
    "create_village",
    "get_village",
    "list_villages",
    "move_village",
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
]
