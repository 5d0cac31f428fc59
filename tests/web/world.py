"""A small world for access tests: one login per role and three patients, each with a
distinctive sentinel in every field that counts as PHI.

  own       the patient login's own record; visited by another nurse
  assigned  visited tomorrow by the nurse login
  other     nobody's: visited by another nurse, no login ("Sentinelname")

A sentinel of a patient the caller may not reach must never appear in a response.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from scheduler.clock import utcnow
from scheduler.models import Absence, LabDraw, Reminder, Replan
from scheduler.operations.api_tokens import issue_token
from tests.factories import PASSWORD, make_nurse, make_order, make_patient, make_user, make_visit

MISSING_ID = 987654


@dataclass
class World:
    emails: dict[str, str] = field(default_factory=dict)  # role -> login email
    objects: dict[str, dict[str, int]] = field(default_factory=dict)  # ownership -> {"patient": id, ...}
    sentinels: dict[str, tuple[str, ...]] = field(default_factory=dict)  # ownership -> PHI strings
    users: dict[str, object] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)  # role -> API bearer token

    def entitled(self, role: str) -> set[str]:
        """The ownerships whose data this role may see."""
        return {"admin": {"own", "assigned", "other"}, "coordinator": {"own", "assigned", "other"},
                "nurse": {"assigned"}, "patient": {"own"}}.get(role, set())

    def url(self, template: str, ownership: str | None) -> str:
        if ownership is None:
            return template
        return template.format(**self.objects[ownership])


def _patient(session, tag: str, n: int, **extra):
    return make_patient(
        session,
        first_name=f"Pfirst{tag}",
        last_name=f"Sentinel{tag}",
        date_of_birth=date(1931, 1, n),
        address_line=f"{n} Sentinelstreet{tag}",
        phone_e164=f"+1201555{n:04d}",
        allergies=f"Sentinelallergy{tag}",
        **extra,
    )


def _follow_up(session, patient, visit, tag: str) -> dict[str, int]:
    """A platelet draw after the visit and a reminder row for it (lab and reminder routes)."""
    draw = LabDraw(patient_id=patient.id, visit_id=visit.id, offset_hours=24, due_at=visit.ends_at + timedelta(days=1))
    session.add(draw)
    session.flush()
    reminder = Reminder(kind="lab_draw", channel="email", patient_id=patient.id, lab_draw_id=draw.id,
                        due_at=draw.due_at, expires_at=draw.due_at, next_attempt_at=draw.due_at,
                        dedupe_key=f"world-{tag}", status="pending", attempts=0)
    session.add(reminder)
    session.flush()
    return {"draw": draw.id, "reminder": reminder.id}


def _replan_objects(session, nurse, visit, tag: int) -> dict[str, int]:
    """An absence of the visit's nurse (weeks later, over none of her visits) and a re-plan
    proposal that moves nothing (absence and re-plan routes)."""
    starts = visit.starts_at + timedelta(days=30 + tag)
    absence = Absence(nurse_id=nurse.id, starts_at=starts, ends_at=starts + timedelta(hours=8), kind="sick", reason="")
    session.add(absence)
    session.flush()
    replan = Replan(kind="absence", nurse_id=nurse.id, absence_id=absence.id, status="proposed", created_at=utcnow(),
                    result={"rows": [], "unplaced": [], "solver": {}})
    session.add(replan)
    session.flush()
    return {"absence": absence.id, "replan": replan.id}


def build_world(session) -> World:
    world = World()
    for role in ("admin", "coordinator", "nurse", "patient"):
        user = make_user(session, role=role, email=f"{role}@example.org", full_name=f"Login {role}")
        world.emails[role] = user.email
        world.users[role] = user
        world.tokens[role] = issue_token(session, user, name="world", now=utcnow())[1]
    my_nurse = make_nurse(session, user=world.users["nurse"])
    other_nurse = make_nurse(session, first_name="Olga")
    tomorrow = utcnow().replace(microsecond=0) + timedelta(days=1)

    patients = {
        "own": _patient(session, "own", 11, user_id=world.users["patient"].id),
        "assigned": _patient(session, "assigned", 12),
        "other": _patient(session, "name", 13),
    }
    for ownership, patient in patients.items():
        nurse = my_nurse if ownership == "assigned" else other_nurse
        order = make_order(session, patient=patient)
        visit = make_visit(session, order=order, nurse=nurse, starts_at=tomorrow + timedelta(days=len(world.objects)))
        world.objects[ownership] = {"patient": patient.id, "visit": visit.id, "order": order.id, "nurse": nurse.id}
        world.objects[ownership].update(_follow_up(session, patient, visit, ownership))
        world.objects[ownership].update(_replan_objects(session, nurse, visit, tag=len(world.objects)))
        world.sentinels[ownership] = (
            patient.last_name, patient.first_name, patient.address_line, patient.phone_e164,
            patient.allergies, patient.date_of_birth.isoformat(),
        )
    world.objects["missing"] = {"patient": MISSING_ID, "visit": MISSING_ID, "order": MISSING_ID, "nurse": MISSING_ID}
    world.objects["missing"].update(draw=MISSING_ID, reminder=MISSING_ID, absence=MISSING_ID, replan=MISSING_ID)
    session.commit()
    return world


def log_in(client, world: World, role: str) -> None:
    if role == "anonymous":
        return
    response = client.post("/login", data={"email": world.emails[role], "password": PASSWORD})
    assert response.status_code == 302, f"login as {role} failed"
