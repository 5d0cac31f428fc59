"""The request's database session: opened on first use in a request, closed at its end.

Flask-bound, so it lives under web/; the worker and the commands open their own sessions
from `scheduler.db.make_sessionmaker`.
"""

from __future__ import annotations

from flask import current_app, g
from sqlalchemy.orm import Session

from scheduler.db import make_engine, make_sessionmaker


def init_app(app) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["db_engine"] = engine
    app.extensions["db_sessionmaker"] = make_sessionmaker(engine)
    app.teardown_appcontext(_close_session)


def get_session() -> Session:
    """The request's session; the view that changes data commits it once."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["db_sessionmaker"]()
    return g.db_session


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
