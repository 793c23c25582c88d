"""A believable demo village: 60 households in 3 villager groups, the six categories of rules,
12 goods with pictures, and a few months of awards and redemptions, all through the services."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from shop import clock, households, points, redemptions, regions, stock
from shop.households import roster
from shop.points.models import Rule, RuleCategory
from shop.redemptions import dayclose
from shop.redemptions.models import Redemption
from shop.regions.models import Village
from shop.sheets import Column, Sheet, to_csv

VILLAGE = ("NK-SJK", "三江口村")
GROUPS = ["第一村民小组", "第二村民小组", "第三村民小组"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高谢钟曾邱"
GIVEN = [
    "建国",
    "秀英",
    "桂兰",
    "志强",
    "玉珍",
    "国华",
    "德明",
    "春梅",
    "金生",
    "冬生",
    "海燕",
    "长根",
    "水生",
    "凤英",
    "文华",
    "永福",
    "小红",
    "荣华",
    "明辉",
    "丽萍",
    "新民",
    "淑珍",
    "火根",
    "满堂",
]

# (code, 中文, English, [(item, item in English, points), ...])
CATEGORIES = [
    (
        "filial",
        "积孝",
        "Filial care",
        [
            ("赡养照顾老人", "Caring for elderly parents", 10),
            ("陪老人看病", "Taking an elder to the doctor", 5),
            ("被评为好媳妇好儿女", "Named a model son or daughter", 20),
            ("不赡养老人", "Neglecting elderly parents", -20),
        ],
    ),
    (
        "kindness",
        "积善",
        "Kindness",
        [
            ("帮扶困难户", "Helping a household in need", 10),
            ("参加志愿服务一次", "Volunteering once", 5),
            ("见义勇为", "Brave act for others", 30),
            ("邻里纠纷主动调解", "Settling a neighbours' dispute", 5),
        ],
    ),
    (
        "honesty",
        "积信",
        "Honesty",
        [
            ("按时缴纳医保", "Paying health insurance on time", 5),
            ("安装反诈APP", "Installing the anti-fraud app", 3),
            ("拾金不昧", "Returning lost money", 10),
            ("失信被通报", "Publicly named for bad faith", -15),
        ],
    ),
    (
        "diligence",
        "积勤",
        "Diligence",
        [
            ("参加村里义务劳动", "Joining village work day", 5),
            ("参加技能培训", "Attending skills training", 5),
            ("发展产业带动就业", "Creating local jobs", 20),
        ],
    ),
    (
        "thrift",
        "积俭",
        "Thrift",
        [
            ("红白喜事简办", "Simple weddings and funerals", 10),
            ("不大操大办", "No lavish banquets", 5),
            ("大操大办", "Lavish banquet", -10),
        ],
    ),
    (
        "clean",
        "积美",
        "Clean environment",
        [
            ("庭院整洁", "Tidy courtyard", 5),
            ("垃圾分类做得好", "Sorting waste well", 3),
            ("评为美丽庭院", "Named a beautiful courtyard", 15),
            ("乱倒垃圾", "Dumping rubbish", -5),
            ("参加防溺水宣传", "Drowning-prevention campaign", 3),
            ("按时接种疫苗", "Vaccination on time", 3),
        ],
    ),
]

# (sku, 名称, English, unit, points, stock, barcode)
GOODS = [
    ("XYY-2KG", "洗衣液", "Laundry liquid", "瓶", 30, 40, "6901234500011"),
    ("FZ-1", "肥皂", "Soap", "块", 5, 120, "6901234500028"),
    ("XFS-400", "洗发水", "Shampoo", "瓶", 25, 30, "6901234500035"),
    ("MYL-500", "沐浴露", "Shower gel", "瓶", 25, 24, "6901234500042"),
    ("XJJ-500", "洗洁精", "Dish soap", "瓶", 10, 50, "6901234500059"),
    ("YG-1", "牙膏", "Toothpaste", "支", 8, 60, "6901234500066"),
    ("MJ-1", "毛巾", "Towel", "条", 10, 40, "6901234500073"),
    ("ZJ-10", "卷纸", "Toilet paper", "提", 20, 30, "6901234500080"),
    ("Y-500", "食盐", "Salt", "袋", 3, 80, "6901234500097"),
    ("JY-5L", "食用油", "Cooking oil", "桶", 80, 12, "6901234500103"),
    ("DM-5KG", "大米", "Rice", "袋", 50, 20, "6901234500110"),
    ("SZ-1", "扫帚", "Broom", "把", 15, 3, "6901234500127"),
]


def is_empty(session: Session) -> bool:
    return not session.scalar(select(func.count(Village.id)))


def seed_demo(session: Session, instance: Path, *, seed: int = 7, kiosk_code: str = "K01") -> dict:
    """Seed the demo village; write demo-passbooks.csv into the instance folder."""
    rng = random.Random(seed)
    actor = "demo"
    village = regions.create_village(
        session, *VILLAGE, county="南康区", township="横寨乡", groups=GROUPS, is_demo=True
    )
    kiosk = regions.create_kiosk(session, village, kiosk_code, "村委会积分超市 1号机")

    rules: list[Rule] = []
    for order, (code, name, name_en, items) in enumerate(CATEGORIES):
        cat = RuleCategory(
            village_id=village.id, code=code, name=name, name_en=name_en, sort_order=order
        )
        session.add(cat)
        session.flush()
        for item, item_en, pts in items:
            rule = Rule(category_id=cat.id, name=item, name_en=item_en, points=pts)
            session.add(rule)
            rules.append(rule)
    session.flush()

    goods = []
    for order, (sku, name, name_en, unit, pts, qty, barcode) in enumerate(GOODS):
        product = stock.create_product(
            session,
            village,
            sku,
            name,
            pts,
            actor=actor,
            unit=unit,
            name_en=name_en,
            picture=f"goods/{sku}.svg",
            barcode=barcode,
            min_level=max(2, qty // 5),
            reorder_level=qty,
            sort_order=order,
        )
        stock.receive_stock(
            session, product, qty, actor=actor, source="区财政预算", memo="首批入库"
        )
        goods.append(product)

    rows = []
    used_names = set()
    for i in range(60):
        group = GROUPS[i // 20]
        while True:
            name = rng.choice(SURNAMES) + rng.choice(GIVEN)
            if name not in used_names:
                used_names.add(name)
                break
        number = f"{i // 20 + 1:02d}-{i % 20 + 1:03d}"
        household = households.create_household(
            session, village, number, name, group_name=group, members=rng.randint(1, 6), actor=actor
        )
        _, code = households.issue_passbook(session, household, actor=actor)
        rows.append([household, code])

    positive = [r for r in rules if r.points > 0]
    negative = [r for r in rules if r.points < 0]
    today = dt.datetime.now(dt.UTC).replace(hour=2, minute=0, second=0, microsecond=0)
    start = today - dt.timedelta(days=120)
    shop_days: list[dt.datetime] = []
    for month in range(4):
        award_day = start + dt.timedelta(days=30 * month)
        for n, (household, _) in enumerate(rows):
            for k in range(rng.randint(1, 4)):
                rule = rng.choice(positive)
                points.award_points(
                    session,
                    household,
                    rule=rule,
                    actor="panel:demo",
                    memo=f"{month + 1}月评定",
                    at=award_day + dt.timedelta(minutes=n * 5 + k),
                )
            if rng.random() < 0.08:
                # A deduction applies at any balance, even below zero.
                points.award_points(
                    session,
                    household,
                    rule=rng.choice(negative),
                    actor="panel:demo",
                    memo=f"{month + 1}月评定",
                    at=award_day + dt.timedelta(minutes=n * 5 + 4),
                )
        if month in (1, 3):  # 一季一兑换: the shop opened in these months
            shop_day = award_day + dt.timedelta(days=10)
            shop_days.append(shop_day)
            for n, (household, _) in enumerate(rng.sample(rows, 25)):
                session.refresh(household)
                basket = {}
                budget = household.balance * rng.uniform(0.3, 0.8)
                for product in rng.sample(goods, 4):
                    if product.points <= budget and product.on_hand > 2:
                        basket[product.sku] = 1
                        budget -= product.points
                if basket:
                    redemptions.redeem(
                        session,
                        household,
                        basket,
                        kiosk=kiosk,
                        idempotency_key=f"demo-{month}-{n}-{household.id}",
                        at=shop_day + dt.timedelta(minutes=n * 7),
                    )
    # The history is history: its receipts came out of the printer and its days were closed by
    # the clerk, so the reprint queue and the day close show only what a clerk must do today.
    session.execute(
        update(Redemption)
        .where(Redemption.village_id == village.id)
        .values(print_state="printed")
        .execution_options(synchronize_session=False)
    )
    for day in sorted({clock.local(d).date() for d in shop_days}):
        if day < clock.today():
            dayclose.close_day(session, kiosk, day, actor="clerk:demo", clerk="演示记账员")
    # One household paused, one passbook reported lost, so every kiosk screen can be tried.
    paused = rows[-1][0]
    households.set_household_status(session, paused, "inactive", actor=actor)
    lost_household, lost_code = rows[-2]
    rows.append([lost_household, lost_code, "lost"])
    _, new_code = households.reissue_passbook(session, lost_household, actor=actor, reason="lost")
    rows[-3][1] = new_code

    roster.reindex_missing(session)  # search by name and pinyin initials in the back-office
    instance.mkdir(parents=True, exist_ok=True)
    out = instance / "demo-passbooks.csv"
    sheet = Sheet(
        "demo-passbooks",
        [
            Column("户号"),
            Column("户主"),
            Column("村民小组"),
            Column("存折二维码"),
            Column("积分余额", "int"),
            Column("说明"),
        ],
    )
    for row in rows:
        household, code = row[0], row[1]
        session.refresh(household)
        note = {"lost": "已挂失的旧存折"}.get(row[2] if len(row) > 2 else "", "")
        if household.status != "active":
            note = "暂停兑换"
        sheet.add(
            household.number,
            household.head_name,
            household.group_name,
            code,
            household.balance,
            note,
        )
    out.write_bytes(to_csv(sheet))
    return {"village": village, "kiosk": kiosk, "csv": out, "households": 60}
