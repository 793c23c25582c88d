"""Scope (管辖范围): the villages a caller may read and change, enforced on every ORM statement.

One mechanism for every page, export, API call and command. A unit of work carries a `Scope` in
`session.info["scope"]` (the edge sets it from the caller: a staff member's village at sign-in, an
API token's village, the kiosk device's village). While it is set:

- **Every load is confined.** A `do_orm_execute` hook adds `with_loader_criteria` to every ORM
  SELECT, UPDATE and DELETE, for every table: rows that carry a `village_id` are filtered on it,
  `villages` on its id, and child rows without one reach their village through their parent
  (a receipt line through its receipt, a points entry through its household, ...). So
  `session.get(Household, id_of_another_village)` is None, a list shows only the caller's rows,
  a sum counts only them, and a guarded `UPDATE ... WHERE id = :id` of another village's row
  changes nothing. Lazy loads inherit the criteria.
- **Every write is confined.** A `before_flush` hook refuses (`DomainError("not_found")`, a 404 at
  the edge) a new, changed or deleted row of another village, and a new row that points at a
  parent the caller cannot see (a receipt line for another village's goods).

A scope is a set of village ids, so a township or the district is the same mechanism with more
ids (`Scope.of(...)`, computed from a staff member's place by `for_staff`, from an API token's by
`for_token`, both by `for_region`). The rows of the region tree itself (districts, townships, and
staff and tokens that work for one) are keyed in the same number space below zero, so the same
criterion confines them: a township's staff see their township's row, staff and tokens, never the
district's; a village's staff see neither. A new village is a write into its
township: only a caller holding that township (or the operator) can open one.

A district's catalogue of rules (区县统一积分项目) is read by everyone of the district (its
townships' and villages' staff too) and changed by the district's members only: its rows are
keyed by `catalogue_key` (a third range below zero), which every scope of the district holds
(`catalogues`), while a write to them needs the district's own key.

`Scope.everything()` (or no scope at all) is the operator's: the command line, migrations and
the sign-in lookups that establish who the caller is.

Raw SQL (`text()`, the PostgreSQL redemption function, the chain's head) is not filtered: it is
only ever given ids of rows already loaded through a scoped session. A new table must be listed
in `_REACH` below unless it has a `village_id` of its own; `tests/shop/test_scope.py` fails until
it is.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import event, func, select
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from shop.base import Base
from shop.errors import DomainError
from shop.households.models import Household, HouseholdSearch, Passbook, ScanEvent
from shop.ledger.models import Journal, LedgerHead, PointsEntry, StockMove
from shop.points.models import (
    AwardRequest,
    DistrictRule,
    DistrictRuleCategory,
    PointsApplication,
    Rule,
    RuleCategory,
)
from shop.redemptions.models import (
    DayClose,
    HouseholdLimitUsage,
    LimitCharge,
    PrintJob,
    ProductLimit,
    Redemption,
    RedemptionLine,
    RedemptionWindow,
    VoidBooking,
)
from shop.regions.models import District, Kiosk, Township, Village
from shop.staff.models import REGION_ROLES, ApiToken, StaffUser
from shop.stock.models import Product, ReceivingDoc, ReceivingLine, Stocktake, StocktakeLine
from shop.transparency.models import RankingMark, RankingTotal, YearEndPolicy

# Townships and districts are rows of the tree, not of a village: their rows are keyed in the same
# number space as village ids, below zero (a township -id, a district -(DISTRICT_KEY + id)), so
# one criterion `scope_village IN (:keys)` confines them too.
DISTRICT_KEY = 1_000_000_000


def township_key(township_id: int) -> int:
    return -int(township_id)


def district_key(district_id: int) -> int:
    return -(DISTRICT_KEY + int(district_id))


def catalogue_key(district_id: int) -> int:
    """The key of a district's catalogue of rules: read by the whole district, written by the
    district's members only (they hold district_key)."""
    return -(2 * DISTRICT_KEY + int(district_id))


@dataclass(frozen=True)
class Scope:
    """The villages one caller may see, and the townships and districts whose rows (names, their
    staff) it may see, and the districts whose catalogue of rules it reads. `villages is None`
    means everything."""

    villages: frozenset[int] | None
    townships: frozenset[int] = frozenset()
    districts: frozenset[int] = frozenset()
    catalogues: frozenset[int] = frozenset()

    @classmethod
    def everything(cls) -> Scope:
        return cls(None)

    @classmethod
    def of(
        cls,
        village_ids: Iterable[int],
        *,
        townships: Iterable[int] = (),
        districts: Iterable[int] = (),
        catalogues: Iterable[int] = (),
    ) -> Scope:
        return cls(
            frozenset(int(v) for v in village_ids),
            frozenset(int(t) for t in townships),
            frozenset(int(d) for d in districts),
            frozenset(int(c) for c in catalogues),
        )

    @property
    def is_everything(self) -> bool:
        return self.villages is None

    def allows(self, village_id: int | None) -> bool:
        return self.villages is None or village_id in self.villages

    def keys(self) -> tuple[int, ...]:
        """Every key the criterion admits: village ids, township, district and catalogue keys."""
        return tuple(
            sorted(
                {*(self.villages or ()), *map(township_key, self.townships)}
                | set(map(district_key, self.districts))
                | set(map(catalogue_key, self.catalogues))
            )
        )

    def allows_key(self, key: int | None) -> bool:
        return self.villages is None or (key is not None and key in self.keys())

    def narrowed(self, village_id: int) -> Scope:
        """One village of this scope (a township's or district's member looking at one village's
        pages): that village's rows only, and the catalogue of rules it takes from."""
        if not self.allows(village_id):
            return Scope.of([])
        return Scope.of([village_id], catalogues=self.catalogues)


def bind(session: Session, scope: Scope | None) -> Session:
    """Confine this session's statements to `scope` (None or everything: no confinement)."""
    if scope is None or scope.is_everything:
        session.info.pop("scope", None)
    else:
        session.info["scope"] = scope
    return session


def of_session(session: Session) -> Scope:
    return session.info.get("scope") or Scope.everything()


def admit_new_village(session: Session, village: Village) -> None:
    """A caller who opened a village in a township they hold holds the new village too (its
    chain head, kiosks and first admin are written next in the same unit of work)."""
    scope: Scope | None = session.info.get("scope")
    if scope is None or scope.allows(village.id):
        return
    if not scope.allows_key(township_key(village.township_id)):
        raise DomainError("not_found", "township")
    session.info["scope"] = Scope(
        scope.villages | {village.id}, scope.townships, scope.districts, scope.catalogues
    )


def for_region(
    session: Session, *, township_id: int | None = None, district_id: int | None = None
) -> Scope:
    """A township's scope (its villages and its own rows) or a district's (every village and
    township of the district, and its own rows), with the district's catalogue of rules to read;
    nothing when neither is given."""
    if district_id is not None:
        townships = list(
            session.scalars(select(Township.id).where(Township.district_id == district_id))
        )
        districts = [district_id]
    elif township_id is not None:
        townships, districts = [township_id], []
    else:
        return Scope.of([])
    villages = (
        session.scalars(select(Village.id).where(Village.township_id.in_(townships)))
        if townships
        else []
    )
    catalogues = districts or session.scalars(
        select(Township.district_id).where(Township.id == township_id)
    )
    return Scope.of(villages, townships=townships, districts=districts, catalogues=catalogues)


def for_staff(session: Session, user: StaffUser) -> Scope:
    """A staff member's scope, computed from where they work: a village role, their village; a
    township role, every village of the township (and the township's own rows); a district role,
    every village and township of the district. Staff made without any place (the command line's
    first admin) work in the first village, as the back-office always treated them. A region
    role without its region sees nothing. Everyone reads their district's catalogue of rules."""
    if user.role in REGION_ROLES:
        if user.role.startswith("district"):
            return for_region(session, district_id=user.district_id)
        return for_region(session, township_id=user.township_id)
    first = select(Village.id).order_by(Village.id).limit(1)
    village_id = user.village_id or session.scalar(first)
    if village_id is None:
        return Scope.of([])
    district = select(Township.district_id).join(Village, Village.township_id == Township.id)
    return Scope.of(
        [village_id], catalogues=session.scalars(district.where(Village.id == village_id))
    )


def for_token(session: Session, token: ApiToken) -> Scope:
    """An API token's scope, by the same rule as staff: a village's token its village; a
    township's or the district's token every village of its region, computed at each call (a
    village moved to another township leaves the old township's tokens at once)."""
    if token.village_id is not None:
        return Scope.of([token.village_id])
    return for_region(session, township_id=token.township_id, district_id=token.district_id)


# How each table reaches its village: a column of its own, or (child rows) its parent's.
# name of the attribute that holds the village id, or (foreign key attribute, parent class).
_OWN = "own"
_REGION = "region"  # rows of the tree, keyed below zero (township_key, district_key)
_CATALOGUE = "catalogue"  # a district's catalogue of rules (catalogue_key)
_REACH: dict[type, object] = {
    Village: "id",
    District: _REGION,
    Township: _REGION,
    DistrictRuleCategory: _CATALOGUE,
    DistrictRule: _CATALOGUE,
    Kiosk: _OWN,
    Household: _OWN,
    Passbook: _OWN,
    HouseholdSearch: _OWN,
    LedgerHead: _OWN,
    Journal: _OWN,
    RuleCategory: _OWN,
    PointsApplication: _OWN,
    Redemption: _OWN,
    AwardRequest: _OWN,
    RedemptionWindow: _OWN,
    DayClose: _OWN,
    StaffUser: _REGION,
    ApiToken: _REGION,
    Product: _OWN,
    ReceivingDoc: _OWN,
    Stocktake: _OWN,
    YearEndPolicy: _OWN,
    RankingTotal: _OWN,
    RankingMark: _OWN,
    Rule: ("category_id", RuleCategory),
    PointsEntry: ("household_id", Household),
    StockMove: ("product_id", Product),
    ScanEvent: ("kiosk_id", Kiosk),
    RedemptionLine: ("redemption_id", Redemption),
    PrintJob: ("redemption_id", Redemption),
    LimitCharge: ("redemption_id", Redemption),
    VoidBooking: ("redemption_id", Redemption),
    ProductLimit: ("product_id", Product),
    HouseholdLimitUsage: ("household_id", Household),
    ReceivingLine: ("doc_id", ReceivingDoc),
    StocktakeLine: ("stocktake_id", Stocktake),
}

# Every mapped class gets `scope_village`: the SQL expression of the village its rows belong to.
# The criteria below is one lambda over that attribute, so SQLAlchemy caches one statement shape
# per query and binds the village ids as parameters.
_SCOPE_ATTR = "scope_village"


def _region_expression(cls):
    if cls is District:
        return -(DISTRICT_KEY + District.id)
    if cls is Township:
        return -Township.id
    # Staff and API tokens: a village's by their village, a township's or district's by its key.
    return func.coalesce(cls.village_id, -cls.township_id, -(DISTRICT_KEY + cls.district_id))


def _install_scope_expressions() -> None:
    # A table with a village_id of its own needs no entry: it is confined on that column.
    for mapper in Base.registry.mappers:
        if mapper.class_ not in _REACH and "village_id" in mapper.columns:
            _REACH[mapper.class_] = _OWN
    for cls, how in _REACH.items():
        if how == _OWN:
            expr = cls.village_id
        elif how == _REGION:
            expr = _region_expression(cls)
        elif how == _CATALOGUE:
            expr = -(2 * DISTRICT_KEY + cls.district_id)
        elif isinstance(how, str):
            expr = getattr(cls, how)
        else:
            fk, parent = how
            expr = (
                select(parent.village_id)
                .where(parent.id == getattr(cls, fk))
                .correlate_except(parent)
                .scalar_subquery()
            )
        setattr(cls, _SCOPE_ATTR, expr)
    # The lambda is first called with the base class itself to learn the statement's shape.
    setattr(Base, _SCOPE_ATTR, Village.id)


_installed_for = 0  # how many mapped classes the expressions were made for


def _ensure_installed() -> None:
    """(Again) when a model module was imported after this one."""
    global _installed_for
    count = len(Base.registry.mappers)
    if count != _installed_for:
        _install_scope_expressions()
        _installed_for = count


_ensure_installed()


def reach_of_tables() -> dict[str, tuple[str, str | None]]:
    """How each table reaches its village, as table names (for the database's own row-level
    security, shop/regions/shop_access.py): ("own", None) a village_id column; ("id", None) the
    villages table; ("region", None) a row of the tree or its staff; (fk column, parent table)."""
    _ensure_installed()
    out: dict[str, tuple[str, str | None]] = {}
    for cls, how in _REACH.items():
        name = cls.__tablename__
        if how == _OWN:
            out[name] = ("own", None)
        elif how in (_REGION, _CATALOGUE):
            out[name] = (how, None)
        elif isinstance(how, str):
            out[name] = ("id", None)
        else:
            fk, parent = how
            out[name] = (
                cls.__table__.c[getattr(cls, fk).property.columns[0].name].name,
                parent.__tablename__,
            )
    return out


def unscoped_tables() -> set[str]:
    """Mapped tables that no rule confines (must be empty; tests/shop/test_scope.py)."""
    _ensure_installed()
    return {m.class_.__tablename__ for m in Base.registry.mappers if m.class_ not in _REACH}


@event.listens_for(Session, "do_orm_execute")
def _confine_statement(state: ORMExecuteState) -> None:
    scope: Scope | None = state.session.info.get("scope")
    if scope is None or state.is_column_load:
        return
    if not (state.is_select or state.is_update or state.is_delete):
        return
    _ensure_installed()
    ids = scope.keys()
    state.statement = state.statement.options(
        with_loader_criteria(Base, lambda cls: cls.scope_village.in_(ids), include_aliases=True)
    )


def _village_of(session: Session, obj) -> tuple[bool, int | None]:
    """(known, village id) of a row about to be written; known is False for a pending parent."""
    how = _REACH.get(type(obj))
    if how == "id":
        # A new village is opened in a township: the caller must hold that township.
        if obj.id is None or obj in session.new:
            return True, township_key(obj.township_id) if obj.township_id else None
        return True, obj.id
    if how is None:
        return False, None
    if how == _REGION:
        return True, _region_key(obj)
    if how == _CATALOGUE:
        # Read by the whole district; written by those who hold the district itself.
        return True, district_key(obj.district_id) if obj.district_id is not None else None
    if how == _OWN:
        vid = obj.village_id
        if vid is None:
            village = getattr(obj, "village", None)
            vid = village.id if village is not None else None
        return vid is not None, vid
    fk, parent_cls = how
    parent_id = getattr(obj, fk)
    if parent_id is None:
        return False, None  # a parent in this same flush: checked as a row of its own
    with session.no_autoflush:
        parent = session.get(parent_cls, parent_id)
    if parent is None:
        return True, None  # not visible to this scope
    return _village_of(session, parent)


def _region_key(obj) -> int | None:
    if isinstance(obj, District):
        return district_key(obj.id) if obj.id is not None else None
    if isinstance(obj, Township):
        if obj.id is None:
            return district_key(obj.district_id) if obj.district_id else None
        return township_key(obj.id)
    if obj.village_id is not None:
        return obj.village_id
    if obj.township_id is not None:
        return township_key(obj.township_id)
    if obj.district_id is not None:
        return district_key(obj.district_id)
    return None


@event.listens_for(Session, "before_flush")
def _refuse_writes_outside(session: Session, _context, _instances) -> None:
    scope: Scope | None = session.info.get("scope")
    if scope is None:
        return
    for obj in (*session.new, *session.dirty, *session.deleted):
        known, vid = _village_of(session, obj)
        if known and not scope.allows_key(vid):
            raise DomainError("not_found", type(obj).__tablename__)
