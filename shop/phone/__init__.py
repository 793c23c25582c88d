"""The villager's phone page (手机查询页, H5): what a household reads and sends from its phone.

A household signs in with its query code (查询码, shop.households.query_codes), never with its
passbook's spend code. This package holds the village's phone settings (public pages on or off,
names masked on them) and the read models the pages show: the household's summary, its history,
the rules with their pictures, the goods, the public notice and ranking with masked names.
"""

from shop.phone.models import PhoneSettings
from shop.phone.operations import mask_name, phone_settings, set_phone_settings

__all__ = ["PhoneSettings", "phone_settings", "set_phone_settings", "mask_name"]
