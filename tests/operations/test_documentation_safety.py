"""Issue 14 in the infusion record: safe titration and plausible documentation."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from scheduler.operations import documentation as docs
from tests.rounds_support import make_planned_visit, nurse_login

T0 = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)


def at(minutes):
    return T0 + timedelta(minutes=minutes)


@pytest.fixture
def visit(session):
    """Octagam 10 %, 80 kg at risk: 48 mL/hr for 30 min, 96 for 30 min, then 158; 800 mL."""
    user, nurse = nurse_login(session)
    visit = make_planned_visit(session, starts_at=at(-30), nurse=nurse)
    docs.start_infusion(session, visit.id, at(0), actor=user, now=at(1))
    return session, user, visit


def test_resume_after_a_reaction_is_refused_above_the_last_tolerated_rate(visit):
    session, user, visit = visit
    docs.record_rate_change(session, visit.id, "step_up", at(30), Decimal(96), actor=user, now=at(31))
    docs.record_rate_change(session, visit.id, "step_up", at(60), Decimal(158), actor=user, now=at(61))
    docs.record_rate_change(session, visit.id, "pause", at(70), None, "chills, rigors", actor=user, now=at(71))
    with pytest.raises(docs.DocumentationError, match="no more than 96 mL/hr") as refused:
        docs.record_rate_change(session, visit.id, "resume", at(100), Decimal(158), actor=user, now=at(101))
    assert refused.value.field == "rate_ml_per_hr"
    docs.record_rate_change(session, visit.id, "resume", at(100), Decimal(96), actor=user, now=at(101))
    # The climb back starts again at the step interval, counted from the resume.
    with pytest.raises(docs.DocumentationError, match="Say why you step up early"):
        docs.record_rate_change(session, visit.id, "step_up", at(110), Decimal(158), actor=user, now=at(111))
    docs.record_rate_change(session, visit.id, "step_up", at(130), Decimal(158), actor=user, now=at(131))


def test_step_up_before_the_step_interval_needs_a_reason_which_is_kept(visit):
    session, user, visit = visit
    with pytest.raises(docs.DocumentationError, match="steps up at 09:30") as refused:
        docs.record_rate_change(session, visit.id, "step_up", at(0), Decimal(96), actor=user, now=at(1))
    assert refused.value.field == "reason"
    change = docs.record_rate_change(session, visit.id, "step_up", at(5), Decimal(96), "tolerating well; prescriber's order",
                                     actor=user, now=at(6))
    assert change.reason == "tolerating well; prescriber's order"
