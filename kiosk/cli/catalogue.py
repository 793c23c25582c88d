"""`kiosk region rules …`: the district's catalogue of rules (区县统一积分项目) from the command
line, over the same services as the district's page (shop.points.district_catalog). What the
district changes reaches every village of the district in the same transaction."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from kiosk.cli.common import fail
from kiosk.cli.regions import region_group
from kiosk.db import get_db
from shop import regions
from shop.db import unit_of_work
from shop.errors import DomainError
from shop.points import district_catalog as dc
from shop.points import district_edits

ACTOR = "cli"


@region_group.group("rules")
def rules_group():
    """The district's catalogue of rules (区县统一积分项目)."""


@rules_group.command("list")
@click.argument("district_code")
@with_appcontext
def rules_list(district_code):
    """Each category and item: id, points, the range villages may set, retired or not."""
    with unit_of_work(get_db().reader) as session:
        try:
            district = regions.get_district(session, district_code)
        except DomainError as exc:
            raise fail(exc) from exc
        for cat, rules in dc.district_catalogue(session, district.id):
            click.echo(f"{cat.code}\t{cat.name}")
            for r in rules:
                state = "" if r.is_active else "\tretired"
                span = f"{r.points_min:+d}..{r.points_max:+d}"
                click.echo(f"  #{r.id}\t{r.points:+d}\t{span}\t{r.name}{state}")


@rules_group.command("category")
@click.argument("district_code")
@click.argument("code")
@click.argument("name")
@click.option("--name-en", default="")
@with_appcontext
def rules_category(district_code, code, name, name_en):
    """Add a category (e.g. filial 积孝)."""
    with unit_of_work(get_db().writer) as session:
        try:
            district = regions.get_district(session, district_code)
            dc.add_district_category(session, district, code, name, name_en=name_en, actor=ACTOR)
        except DomainError as exc:
            raise fail(exc) from exc
    click.echo(f"category {code} {name} added to {district_code}")


@rules_group.command("add")
@click.argument("district_code")
@click.argument("category_code")
@click.argument("name")
@click.argument("points", type=int)
@click.argument("points_min", type=int)
@click.argument("points_max", type=int)
@click.option("--name-en", default="")
@with_appcontext
def rules_add(district_code, category_code, name, points, points_min, points_max, name_en):
    """Add an item, switched on in every village of the district. Negative points: -5 -8 -3."""
    with unit_of_work(get_db().writer) as session:
        try:
            district = regions.get_district(session, district_code)
            cats = [c for c, _r in dc.district_catalogue(session, district.id)]
            category = next((c for c in cats if c.code == category_code), None)
            if category is None:
                raise DomainError("unknown_rule", category_code)
            rule = dc.add_district_rule(
                session, category, name, points, points_min, points_max,
                name_en=name_en, actor=ACTOR,
            )  # fmt: skip
            villages = len(dc.villages_of(session, district.id))
        except DomainError as exc:
            raise fail(exc) from exc
    click.echo(f"item #{rule.id} {name} {points:+d} sent to {villages} villages")


@rules_group.command("set")
@click.argument("district_code")
@click.argument("rule_id", type=int)
@click.argument("points", type=int)
@click.argument("points_min", type=int)
@click.argument("points_max", type=int)
@with_appcontext
def rules_set(district_code, rule_id, points, points_min, points_max):
    """New points and range: villages that kept the district's points follow, the others are
    clamped into the range."""
    with unit_of_work(get_db().writer) as session:
        try:
            district = regions.get_district(session, district_code)
            rule = dc.get_district_rule(session, district.id, rule_id)
            dc.change_district_rule(session, rule, points, points_min, points_max, actor=ACTOR)
        except DomainError as exc:
            raise fail(exc) from exc
    click.echo(f"item #{rule_id} now {points:+d} ({points_min:+d}..{points_max:+d})")


@rules_group.command("retire")
@click.argument("district_code")
@click.argument("rule_id", type=int)
@with_appcontext
def rules_retire(district_code, rule_id):
    """Retire an item in every village of the district (never deleted)."""
    with unit_of_work(get_db().writer) as session:
        try:
            district = regions.get_district(session, district_code)
            dc.retire_district_rule(
                session, dc.get_district_rule(session, district.id, rule_id), actor=ACTOR
            )
        except DomainError as exc:
            raise fail(exc) from exc
    click.echo(f"item #{rule_id} retired")


@rules_group.command("rename")
@click.argument("district_code")
@click.argument("rule_id", type=int)
@click.argument("name")
@click.option("--name-en", default="")
@with_appcontext
def rules_rename(district_code, rule_id, name, name_en):
    """Rename an item (and its English name) in every village of the district."""
    with unit_of_work(get_db().writer) as session:
        try:
            district = regions.get_district(session, district_code)
            rule = dc.get_district_rule(session, district.id, rule_id)
            district_edits.rename_district_rule(session, rule, name, name_en, actor=ACTOR)
        except DomainError as exc:
            raise fail(exc) from exc
    click.echo(f"item #{rule_id} now {name}")


@rules_group.command("rename-category")
@click.argument("district_code")
@click.argument("code")
@click.argument("name")
@click.option("--name-en", default="")
@with_appcontext
def rules_rename_category(district_code, code, name, name_en):
    """Rename a category, in every village whose heading is the district's."""
    with unit_of_work(get_db().writer) as session:
        try:
            district = regions.get_district(session, district_code)
            cats = [c for c, _r in dc.district_catalogue(session, district.id)]
            category = next((c for c in cats if c.code == code), None)
            if category is None:
                raise DomainError("unknown_rule", code)
            district_edits.rename_district_category(session, category, name, name_en, actor=ACTOR)
        except DomainError as exc:
            raise fail(exc) from exc
    click.echo(f"category {code} now {name}")


@rules_group.command("restore")
@click.argument("district_code")
@click.argument("rule_id", type=int)
@with_appcontext
def rules_restore(district_code, rule_id):
    """Bring a retired item back in every village (off where the village had switched it off)."""
    with unit_of_work(get_db().writer) as session:
        try:
            district = regions.get_district(session, district_code)
            rule = dc.get_district_rule(session, district.id, rule_id)
            on = district_edits.restore_district_rule(session, rule, actor=ACTOR)
        except DomainError as exc:
            raise fail(exc) from exc
    click.echo(f"item #{rule_id} restored, switched on in {on} villages")
