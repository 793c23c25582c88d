"""Domain errors: a stable `code` the UI and API map to a screen or a status, and the message a
villager or clerk reads, written in Chinese and marked for the catalogues (English lives in
translations/en). The edges translate it (kiosk.i18n.error_text). Tests assert the code, never the
wording."""

from __future__ import annotations

from shop.words import N_

# code -> (HTTP status for the JSON API, the message in Chinese)
MESSAGES: dict[str, tuple[int, str]] = {
    "unknown_code": (404, N_("这张卡认不出来，请找管理员。")),
    "damaged_code": (422, N_("没扫清楚，请再扫一次。")),
    "scanner_layout": (
        422,
        N_("扫码枪的键盘设置不对：请把扫码枪设成美式键盘（US），结尾设成回车。"),
    ),
    "passbook_revoked": (410, N_("这本积分存折已挂失，请找管理员。")),
    "passbook_void": (410, N_("这本积分存折已作废，请找管理员。")),
    "household_inactive": (409, N_("这户暂停兑换，请找管理员。")),
    "household_locked": (423, N_("密码错太多次，已锁定，请找管理员。")),
    "unknown_household": (404, N_("没有这一户。")),
    "insufficient_points": (409, N_("积分不够。")),
    "out_of_stock": (409, N_("这件商品没货了。")),
    "invalid_quantity": (422, N_("数量不对。")),
    "empty_basket": (422, N_("还没有选商品。")),
    "unknown_product": (404, N_("没有这件商品。")),
    "product_inactive": (409, N_("这件商品已下架。")),
    "unknown_rule": (404, N_("没有这个积分项目。")),
    "rule_retired": (409, N_("这个积分项目已停用。")),
    "invalid_points": (422, N_("分值不对。")),
    "idempotency_conflict": (409, N_("同一个请求号用在了不同的内容上，已拒绝。")),
    "unknown_receipt": (404, N_("没有这张小票。")),
    "already_voided": (409, N_("这张小票已经作废了。")),
    "reason_required": (422, N_("请写明原因。")),
    "unknown_kiosk": (404, N_("没有这台兑换机。")),
    "unknown_village": (404, N_("没有这个村。")),
    # Something that is there already, each naming what (not one 已经有了，不能重复).
    "household_number_taken": (409, N_("这个户号已经有了，请换一个户号。")),
    "sku_taken": (409, N_("这个商品编号已经有了，请换一个编号。")),
    "barcode_taken": (409, N_("这个条码已经用在本村另一件商品上了。")),
    "category_code_taken": (409, N_("这个类别编号已经有了，请换一个编号。")),
    "username_taken": (409, N_("这个用户名已经有人用了，请换一个。")),
    "district_code_taken": (409, N_("这个区县编号已经有了，请换一个编号。")),
    "township_code_taken": (409, N_("这个乡镇编号已经有了，请换一个编号。")),
    "township_name_taken": (409, N_("这个区县里已经有同名的乡镇了。")),
    "village_code_taken": (409, N_("这个村编号已经有了，请换一个编号。")),
    "kiosk_code_taken": (409, N_("这个机器编号已经有兑换机在用了，请换一个。")),
    "receipt_prefix_taken": (409, N_("这个小票前缀已经有别的兑换机在用了，请换一个。")),
    "year_end_applied": (409, N_("这一年的年终处理已经做过了，不能再改。")),
    "already_reversed": (409, N_("这一笔已经冲正过了，不能再冲正。")),
    "visitor_recorded": (409, N_("这张小票已经记下是谁来兑换的，不能改成别人。")),
    # Only for what a machine sends (a malformed JSON body, a key or option the page makes, a
    # caller's mistake): what a person types or chooses has its own code saying what to do.
    "invalid_input": (422, N_("填写的内容不对。")),
    "invalid_characters": (
        422,
        N_("填写的内容里有不能用的特殊字符（如换行、制表符），请重新输入。"),
    ),
    "database_unavailable": (503, N_("系统暂时连不上，请稍后再试。")),
    # A full disk or a read-only instance (shop/db.py): nothing was written.
    "storage_unavailable": (503, N_("系统暂时不能用，请找管理员。")),
    # Another long job (an import) held the database past the wait (shop/db.py).
    "database_busy": (503, N_("系统正忙，请稍等一下再试。")),
    # Stock, windows, limits and day close (shop/receiving, stocktake, limits, dayclose).
    "outside_window": (409, N_("现在不是兑换时间，请在兑换期内再来。")),
    "limit_reached": (409, N_("这件商品本期每户限兑的数量已经用完了。")),
    "day_closed": (409, N_("今天已经日结，不能再兑换。")),
    "stocktake_open": (409, N_("已经有一个盘点在进行中。")),
    "stocktake_closed": (409, N_("这次盘点已经结束，不能再改。")),
    "unknown_stocktake": (404, N_("没有这次盘点。")),
    "invalid_picture": (422, N_("图片无法识别。")),
    # Recorded entries and their review (shop/points/review/).
    "photo_too_large": (413, N_("照片太大了（每张最多12MB）。请换一张或重新拍照。")),
    "too_many_photos": (422, N_("照片最多4张。")),
    "outside_groups": (403, N_("这一户不在您负责的村民小组，不能记分。")),
    "already_decided": (409, N_("这一条已经审核过了。")),
    "objection_open": (409, N_("这一条有未处理的异议，请先处理异议。")),
    "invalid_review_policy": (
        422,
        N_("哪些积分要审核，只能选：全部要审核、只有扣分要审核、都不用审核。"),
    ),
    "invalid_notice_days": (422, N_("公示天数要填0到60之间的数字，0就是不公示。")),
    "unknown_batch": (404, N_("找不到这一批录入，可能不是本村的。请回到审核页面再看。")),
    "unknown_photo": (404, N_("找不到这张照片。")),
    "approved_and_rejected": (422, N_("同一户不能既勾选通过又勾选退回，请只选一样。")),
    "line_not_in_batch": (409, N_("勾选的户不在这一批录入里，请刷新页面后重新审核。")),
    "unknown_review_line": (404, N_("找不到这一条录入，可能不是本村的。")),
    "unknown_objection": (404, N_("找不到这条异议，可能不是本村的。")),
    # Going live: villages, kiosks and the first run (shop/regions).
    "invalid_code": (422, N_("编号只能用字母、数字和短横线，不能有空格或汉字。")),
    "name_required": (422, N_("请填写名称。")),
    "demo_mix": (409, N_("演示村和正式村不能放在同一个数据库里。正式开通请用新的数据库。")),
    "already_set_up": (409, N_("这个系统已经开通过了。")),
    "kiosk_required": (422, N_("至少要有一台兑换机。")),
    "kiosk_retired": (409, N_("这台兑换机已停用，不能再兑换。")),
    "source_required": (422, N_("请写明期初积分从哪里来（例如：纸质积分存折）。")),
    "pin_required": (403, N_("这户设了密码，请输入户密码。")),
    "wrong_pin": (403, N_("户密码不对。")),
    # The kiosk's voice (shop/voice): a village's own recordings.
    "unknown_clip": (404, N_("没有这段语音。")),
    "voice_empty": (422, N_("没有收到录音，请再录一次。")),
    "voice_not_audio": (
        415,
        N_("这不是录音文件。请上传 MP3、WAV、OGG、WebM 或 M4A 格式的录音，或在本页直接录音。"),
    ),
    "voice_too_large": (
        413,
        N_("录音文件太大了（最多1MB，约一分钟）。一句话录几秒就够了，请录短一点。"),
    ),
    "voice_too_short": (422, N_("录音太短了，听不到声音。请再录一次。")),
    "last_admin": (409, N_("这是最后一位管理员，不能停用或改成别的角色。请先添加另一位管理员。")),
    "import_too_large": (
        413,
        N_("文件太大或行数太多（最多两万行），请分成几个文件导入。"),
    ),
    # What a form left out or got wrong, each with its own words (not one "填写的内容不对").
    "nothing_chosen": (422, N_("请先勾选农户。")),
    "too_many_chosen": (422, N_("一次选的户太多了，请分几次做。")),
    # A field left empty says which (not one 请把必填的内容填完整).
    "username_required": (422, N_("请填写用户名。")),
    "household_number_required": (422, N_("请填写户号。")),
    "head_name_required": (422, N_("请填写户主姓名。")),
    "invalid_member_count": (422, N_("人口要写1或更大的整数。")),
    "member_name_required": (422, N_("请填写家庭成员的姓名。")),
    "category_code_required": (422, N_("请填写类别编号。")),
    "category_name_required": (422, N_("请填写类别名称。")),
    "rule_name_required": (422, N_("请填写积分项目的名称。")),
    "activity_date_required": (422, N_("请填写活动日期。")),
    "product_name_required": (422, N_("请填写商品名称。")),
    "invalid_household_number": (
        422,
        N_("户号只能用汉字、字母、数字和 - _ . / # ( )，最多32个字，不能有空格。"),
    ),
    "day_not_begun": (422, N_("这一天还没到，不能日结。")),
    "file_has_bad_rows": (422, N_("文件里有问题的行，没有导入：请改好后重新上传。")),
    "password_too_short": (422, N_("密码至少要8位。")),
    "wrong_password": (422, N_("原来的密码不对。")),
    "passwords_differ": (422, N_("两次输入的新密码不一样。")),
    "invalid_staff_pin": (422, N_("工作证密码要4到8位数字。")),
    "invalid_household_pin": (422, N_("户密码要4到6位数字。")),
    "no_household_pin": (409, N_("这户没有设密码。")),
    "badge_needs_pin": (422, N_("发工作证要同时设一个密码。")),
    "cannot_disable_self": (409, N_("不能停用自己的账号。")),
    "invalid_dates": (422, N_("日期不对：结束日期不能早于开始日期。")),
    "unreadable_file": (422, N_("这个文件打不开。请上传 CSV 或 XLSX（Excel）文件。")),
    "year_end_not_due": (409, N_("还没到年终处理的执行日期。")),
    "year_end_not_announced": (409, N_("这一年的年终处理还没有公布，请先公布。")),
    # A kiosk whose clock went backwards (shop/redemptions/dayclose.py check_clock).
    "clock_behind": (409, N_("兑换机的时间不对，请工作人员检查时间。")),
    # The phone page (kiosk/phone): the household's query code (查询码) reads, never spends.
    "query_code_cannot_redeem": (
        403,
        N_("这是手机查询码，只能在手机上看积分，不能兑换。兑换请扫积分存折。"),
    ),
    "query_code_revoked": (410, N_("这个查询码已经停用了，请找村里要新的查询码。")),
    "phone_signed_out": (401, N_("请用手机扫一下存折卡上的查询码再看。")),
    "too_many_tries": (429, N_("试的次数太多了，请过十分钟再试。")),
    "phone_pages_off": (404, N_("本村没有开放这个页面。")),
    "phone_page_stale": (400, N_("这一页打开太久了，请回到首页再试一次。")),
    # Families (shop/households/family.py): members, the head, 分户 and 合户.
    "invalid_phone": (422, N_("手机号只能写数字，例如 13800138000。")),
    "member_is_head": (409, N_("户主不能直接移出。请先办户主变更，选出新户主。")),
    "head_required": (422, N_("分出去的新户要选一位户主，户主要在分出去的人里。")),
    "split_needs_member": (422, N_("请勾选要分出去的家庭成员。")),
    "head_cannot_leave": (409, N_("原户的户主不能分出去。要分出去，请先办户主变更。")),
    "split_too_many_points": (409, N_("转给新户的积分不能超过这户现有的积分。")),
    "household_merged": (409, N_("这户已经并入另一户，不能再办理。")),
    "merge_same": (422, N_("不能把一户并入它自己。")),
    "pending_points": (
        409,
        N_("这户还有待审核或公示中的积分。请等这些积分处理完，再分户或合户。"),
    ),
    "household_changed": (409, N_("这户的积分刚刚变了，请重新确认一次。")),
    # Activities (shop/points/activities.py): 活动, 报名, 签到.
    "activity_needs_award": (422, N_("活动要选一个加分的积分项目。")),
    "invalid_capacity": (422, N_("人数上限要写1到300之间的数字，不限就不填。")),
    "activity_closed": (409, N_("这个活动已经结束或取消了。")),
    "activity_full": (409, N_("这个活动报名已满。")),
    "not_signed_up": (409, N_("这户没有报名这个活动。")),
    "already_attended": (409, N_("这户已经签到，不能取消报名。")),
    # The district's catalogue of rules (shop/points/district_catalog.py): 区县统一积分项目.
    "invalid_points_range": (
        422,
        N_("可调范围不对：最低分不能高于分值，最高分不能低于分值，范围也不能跨过0分。"),
    ),
    "points_outside_range": (422, N_("这个项目的分值要在区县规定的范围之内。")),
    "district_rule_retired": (409, N_("这个项目区县已经停用，本村不能再启用或调分。")),
    "not_district_rule": (409, N_("这是本村自己的项目，不是区县统一的项目，不能在这里调分。")),
    # What a person typed or chose, each refusal in its own words (issue 15).
    "text_too_long": (422, N_("写的字太多了，请删短一些再保存。")),
    "number_too_large": (422, N_("数字太大了，请检查是不是多写了几位。")),
    "invalid_date": (422, N_("日期格式不对，请写成2026-12-01这样。")),
    "reload_page": (422, N_("这一页缺了内容，可能打开太久了。请刷新页面，再做一次。")),
    # Stock (shop/stock): products and deliveries.
    "sku_required": (422, N_("请填写商品编号。")),
    "invalid_stock_level": (422, N_("最低库存、建议库存和排序要写0或更大的整数。")),
    "invalid_value_yuan": (
        422,
        N_("价值要写成多少元，例如 1234.50：不能是负数，最多两位小数。"),
    ),
    "source_kind_required": (422, N_("请选这批货从哪里来：区财政预算、村企结对或捐赠。")),
    "partner_name_required": (422, N_("请填写结对企业的名称。")),
    "unknown_delivery": (404, N_("没有这张入库单。")),
    # Redemption periods, limits and printing (shop/redemptions).
    "invalid_window_days": (422, N_("兑换期要写1到90天。")),
    "invalid_limit_period": (422, N_("请选限兑的周期：每月、每季度或每年。")),
    "print_job_not_pending": (409, N_("这张小票已经送去打印了，请刷新页面看看。")),
    "receipt_not_voided": (409, N_("这张小票没有作废，没有作废单可以打印。")),
    # Points (shop/points): applications, opening balances, corrections.
    "unknown_application": (404, N_("没有这条申请。")),
    "opening_columns_missing": (
        422,
        N_("文件里要有“户号”和“期初积分”两列。请按模板改好后重新上传。"),
    ),
    "not_an_award": (409, N_("这一条不是加分或扣分，不能这样更正。")),
    "choose_household": (422, N_("这一条记了好几户，请选要更正的是哪一户。")),
    # Notices, rankings and the year-end (shop/transparency); the region API's month and year.
    "unknown_time_zone": (422, N_("没有这个时区，请写成 Asia/Shanghai 这样的名字。")),
    "invalid_month": (422, N_("没有这个月份，请写成2026-12这样。")),
    "invalid_year": (422, N_("年份不对，请写四位数的年份，例如2026。")),
    "invalid_year_end_policy": (422, N_("年终处理只能选积分保留、积分清零或封顶结转。")),
    "cap_required": (422, N_("选封顶结转时要写封顶分数（0或更大的整数）。")),
    "cap_not_for_policy": (422, N_("只有封顶结转才写封顶分数，请去掉封顶分数。")),
    "year_end_too_late": (
        409,
        N_("执行日期要在今天以后：先公布，让村民有时间把积分用掉。"),
    ),
    # Families (shop/households): relations, the head, who came.
    "invalid_relation": (422, N_("请从列表里选与户主关系。换户主请办户主变更。")),
    "new_head_not_member": (422, N_("新户主要从这户的其他家庭成员里选。")),
    "member_may_not_redeem": (409, N_("这个人不是这户的，或者不能代这户兑换。")),
    # A village's shop box on the district's database (shop/regions/shop_access.py).
    "needs_postgresql": (409, N_("这一项只能在 PostgreSQL 数据库上用。")),
    "invalid_login_name": (422, N_("登录名只能用小写字母、数字和下划线（_）。")),
    "db_password_too_short": (422, N_("数据库密码至少要12位。")),
    # API tokens of a township or the district (shop/staff/operations.py, kiosk/api/region.py).
    "token_for_region": (
        403,
        N_("这个令牌是乡镇或区县的，只能读取各村的汇总数字，不能查询或办理某一个村的事。"),
    ),
    "token_for_village": (403, N_("这个令牌是一个村的，只能用在本村，不能读取乡镇或区县的汇总。")),
    "token_label_required": (422, N_("请写明这个令牌给谁用，例如：区财政所。")),
    # Scope (shop/scope.py): another village's row, by id in a URL, a form or JSON.
    "not_found": (404, N_("没有找到")),
}


# insufficient_points that knows the price and the balance: how many points are still missing.
SHORT_OF_POINTS = N_("积分不够，还差%(short)s分。")


class DomainError(Exception):
    """A refusal the shop's users understand. `code` is stable; messages are translated."""

    def __init__(
        self, code: str, detail: str | None = None, *, shown: bool = False, **context: object
    ) -> None:
        """`shown=True` marks the detail as the village's own data for the person who typed it
        (a household number such as GJG-001): the edges show it as it is. Unmarked, a detail is
        shown only when it does not read like the log's words (kiosk.i18n.detail_for_people)."""
        if code not in MESSAGES:
            raise ValueError(f"unknown domain error code {code!r}")
        self.code = code
        self.detail = detail
        self.shown = shown
        self.context = context
        super().__init__(f"{code}: {detail}" if detail else code)

    @property
    def status(self) -> int:
        return MESSAGES[self.code][0]

    @property
    def text(self) -> str:
        """The message in Chinese: the catalogues' key, translated where it is shown."""
        short = self.shortfall
        if short is not None:
            return SHORT_OF_POINTS % {"short": short}
        return MESSAGES[self.code][1]

    @property
    def shortfall(self) -> int | None:
        """For a refusal for too few points that says the price (`need`) and the balance
        (`have`, below zero after a deduction): how many points are missing (还差N分)."""
        need, have = self.context.get("need"), self.context.get("have")
        if self.code != "insufficient_points" or not isinstance(need, int):
            return None
        if not isinstance(have, int) or need <= have:
            return None
        return need - have
