"""`flask` commands: accounts and demo data."""

from sqlalchemy import func, select

from scheduler.db import Base
from scheduler.models import User
from scheduler.operations.accounts import authenticate
from scheduler.clock import utcnow

NEW_PASSWORD = "a long enough passphrase"


def test_users_create_prompts_for_the_password_and_never_prints_it(runner, session):
    result = runner.invoke(
        args=["users", "create", "--email", "New.Coord@Example.org", "--role", "coordinator"],
        input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert NEW_PASSWORD not in result.output
    assert "new.coord@example.org" in result.output
    assert authenticate(session, "new.coord@example.org", NEW_PASSWORD, now=utcnow()).role == "coordinator"


def test_users_create_refuses_a_short_password(runner, session):
    result = runner.invoke(
        args=["users", "create", "--email", "a@example.org", "--role", "nurse"], input="short\nshort\n"
    )
    assert result.exit_code != 0
    assert "at least 12 characters" in result.output
    assert session.scalar(select(func.count()).select_from(User)) == 0


def test_users_create_refuses_a_duplicate_email(runner):
    args = ["users", "create", "--email", "dup@example.org", "--role", "nurse", "--password", NEW_PASSWORD]
    assert runner.invoke(args=args).exit_code == 0
    result = runner.invoke(args=args)
    assert result.exit_code != 0
    assert "already exists" in result.output


def _row_counts(session) -> dict[str, int]:
    counts = {t.name: session.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables}
    session.rollback()  # end the read transaction: on SQLite it holds the write lock
    return counts


def test_seed_demo_twice_gives_the_same_row_counts(runner, session):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    counts = _row_counts(session)
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    assert _row_counts(session) == counts
    assert "coordinator@demo.example" in second.output


def test_seed_demo_has_the_variety_the_demo_needs(runner, session):
    from scheduler.models import Nurse, Patient, Visit

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    patients = session.scalars(select(Patient)).all()
    weights = [p.latest_weight.weight_kg for p in patients]
    assert len(session.scalars(select(Nurse)).all()) == 3
    assert len(patients) == 12
    assert min(weights) <= 18 and max(weights) >= 140
    assert any(p.iga_status == "deficient_with_antibodies" for p in patients)
    assert sum(p.at_risk for p in patients) >= 2
    assert any(p.email is None for p in patients)
    assert len({p.timezone for p in patients}) >= 2
    visits = session.scalars(select(Visit)).all()
    assert visits and all(v.ends_at > v.starts_at and v.plan["days"] for v in visits)


def test_seed_demo_if_empty_leaves_an_existing_database_alone(runner, session):
    assert runner.invoke(args=["users", "create", "--email", "x@example.org", "--role", "admin", "--password", NEW_PASSWORD]).exit_code == 0
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0
    assert session.scalar(select(func.count()).select_from(User)) == 1
