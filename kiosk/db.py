"""The app's database binding: one engine, a write session factory and a read-only one."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

from flask import Flask, current_app
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from shop.db import make_engine, read_engine, session_factory, unit_of_work


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


@contextlib.contextmanager
def writing() -> Iterator[Session]:
    """A request's write transaction: committed when the block ends, rolled back on error."""
    with unit_of_work(get_db().writer) as session:
        yield session


@contextlib.contextmanager
def reading() -> Iterator[Session]:
    with unit_of_work(get_db().reader) as session:
        yield session
