"""The app's database binding: one engine, a write session factory and a read-only one."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

from flask import Flask, current_app, g, has_request_context
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from shop.db import make_engine, read_engine, session_factory, unit_of_work
from shop.scope import Scope


@dataclass
class Database:
    engine: Engine
    writer: sessionmaker[Session]
    reader: sessionmaker[Session]

    @classmethod
    def connect(cls, url: str) -> Database:
        engine = make_engine(url)
        return cls(engine, session_factory(engine), session_factory(read_engine(engine)))

    def ping(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except Exception:
            return False


def init_app(app: Flask) -> None:
    app.extensions["kiosk_db"] = Database.connect(app.config["DATABASE_URL"])


def get_db() -> Database:
    return current_app.extensions["kiosk_db"]


def set_scope(scope: Scope | None) -> None:
    """The request's caller is known (staff sign-in, API token, the kiosk device): every unit of
    work for the rest of this request is confined to its villages (shop/scope.py)."""
    g.scope = scope


def request_scope() -> Scope | None:
    """The scope this request established; None outside a request or before the caller is known
    (the command line, and the sign-in lookups that find out who the caller is)."""
    return g.get("scope") if has_request_context() else None


def device_scope() -> Scope | None:
    """The kiosk screens' scope: the village of this box's kiosk (config DEVICE), looked up once.
    None while the device is not registered (its screens then refuse to redeem: unknown_kiosk)."""
    app = current_app
    cached = app.extensions.get("kiosk_device_scope")
    if cached is not None:
        return cached
    from sqlalchemy import select

    from shop.models import Kiosk

    with unit_of_work(get_db().reader) as session:
        village_id = session.scalar(
            select(Kiosk.village_id).where(Kiosk.code == app.config["DEVICE"])
        )
    if village_id is None:
        return None
    scope = Scope.of([village_id])
    app.extensions["kiosk_device_scope"] = scope
    return scope


@contextlib.contextmanager
def writing(scope: Scope | None = None) -> Iterator[Session]:
    """A request's write transaction: committed when the block ends, rolled back on error."""
    with unit_of_work(get_db().writer, scope or request_scope()) as session:
        yield session


@contextlib.contextmanager
def reading(scope: Scope | None = None) -> Iterator[Session]:
    with unit_of_work(get_db().reader, scope or request_scope()) as session:
        yield session
