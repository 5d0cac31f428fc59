"""The route policy table: every endpoint and method, who may call it, and on which objects.

ONE LINE PER ROUTE AND METHOD. When you add a route, add its line here; the matrix test in
test_route_policy.py fails until you do. The URL may hold placeholders for the world's
objects ({patient}, {visit}, {order}); the test fills them with the object that is the
caller's own, assigned to her, someone else's, or missing, and checks each cell.

Access kinds:
  PUBLIC          everyone, logged in or not
  SIGNED_IN       any logged-in role; anonymous callers are sent to log in
  roles(...)      only these roles (others 403; anonymous sent to log in)
  PATIENT_RECORD  a page of one patient's data: admin and coordinator reach every patient,
                  a nurse only patients of her visits (near in time), a patient only his own;
                  everyone else gets 404 with no data of the patient
  VISIT_RECORD    the same rule for one visit

`shows_object=True` (the default for record kinds) also checks that an allowed call shows
the object's sentinel, so a page that shows nothing cannot pass the leak check vacuously.
"""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("anonymous", "admin", "coordinator", "nurse", "patient")
OWNERSHIPS = ("own", "assigned", "other", "missing")

OK, DENIED, LOGIN = "ok", "denied", "login"


@dataclass(frozen=True)
class Access:
    roles: frozenset[str] | None  # None: public
    # For object routes: which ownership each role may reach (admin/coordinator: all).
    object_rule: dict[str, frozenset[str]] | None = None
    shows_object: bool = False

    def expected(self, role: str, ownership: str | None) -> str:
        if self.roles is None:
            return OK
        if role == "anonymous":
            return LOGIN
        if role not in self.roles:
            return DENIED
        if self.object_rule is None or ownership is None:
            return OK
        return OK if ownership in self.object_rule.get(role, frozenset()) else DENIED


def roles(*names: str) -> Access:
    return Access(frozenset(names))


PUBLIC = Access(None)
SIGNED_IN = roles("admin", "coordinator", "nurse", "patient")
_EVERY_EXISTING = frozenset({"own", "assigned", "other"})
PATIENT_RECORD = Access(
    SIGNED_IN.roles,
    object_rule={
        "admin": _EVERY_EXISTING,
        "coordinator": _EVERY_EXISTING,
        "nurse": frozenset({"assigned"}),
        "patient": frozenset({"own"}),
    },
    shows_object=True,
)
VISIT_RECORD = PATIENT_RECORD
# A staff page about one existing object that shows no patient data (a nurse), or a POST
# that redirects: staff reach every one, a missing id is 404, other roles are refused.
STAFF_ACTION = Access(
    frozenset({"admin", "coordinator"}),
    object_rule={"admin": _EVERY_EXISTING, "coordinator": _EVERY_EXISTING},
)
# Coordinator pages about one patient's order or visit: staff only, every existing object.
STAFF_RECORD = Access(
    frozenset({"admin", "coordinator"}),
    object_rule={"admin": _EVERY_EXISTING, "coordinator": _EVERY_EXISTING},
    shows_object=True,
)

# The nurse's visit page: her own visits only; coordinators and admins read every one.
ROUNDS_VISIT = Access(
    frozenset({"admin", "coordinator", "nurse"}),
    object_rule={"admin": _EVERY_EXISTING, "coordinator": _EVERY_EXISTING, "nurse": frozenset({"assigned"})},
    shows_object=True,
)
# Documentation posts: only the visit's own nurse; coordinators read but never write it.
ROUNDS_DOCUMENT = Access(frozenset({"nurse"}), object_rule={"nurse": frozenset({"assigned"})})


@dataclass(frozen=True)
class Rule:
    endpoint: str
    method: str
    url: str
    access: Access


TABLE: list[Rule] = [
    Rule("static", "GET", "/static/style.css", PUBLIC),
    Rule("auth.login", "GET", "/login", PUBLIC),
    Rule("auth.login", "POST", "/login", PUBLIC),
    Rule("auth.logout", "POST", "/logout", SIGNED_IN),
    Rule("auth.change_password_page", "GET", "/account/password", SIGNED_IN),
    Rule("auth.change_password_page", "POST", "/account/password", SIGNED_IN),
    Rule("main.index", "GET", "/", SIGNED_IN),
    Rule("patients.summary", "GET", "/patients/{patient}", PATIENT_RECORD),
    Rule("patients.index", "GET", "/patients/", roles("admin", "coordinator")),
    Rule("patients.create", "GET", "/patients/new", roles("admin", "coordinator")),
    Rule("patients.create", "POST", "/patients/new", roles("admin", "coordinator")),
    Rule("patients.edit", "GET", "/patients/{patient}/edit", STAFF_RECORD),
    Rule("patients.edit", "POST", "/patients/{patient}/edit", STAFF_ACTION),
    Rule("patients.add_weight_page", "POST", "/patients/{patient}/weights", STAFF_RECORD),
    Rule("nurses.index", "GET", "/nurses/", roles("admin", "coordinator")),
    Rule("nurses.create", "GET", "/nurses/new", roles("admin", "coordinator")),
    Rule("nurses.create", "POST", "/nurses/new", roles("admin", "coordinator")),
    Rule("nurses.edit", "GET", "/nurses/{nurse}", STAFF_ACTION),
    Rule("nurses.edit", "POST", "/nurses/{nurse}", STAFF_ACTION),
    Rule("nurses.add_time_off_page", "POST", "/nurses/{nurse}/time-off", STAFF_ACTION),
    Rule("nurses.remove_time_off_page", "POST", "/nurses/{nurse}/time-off/remove", STAFF_ACTION),
    Rule("audit.index", "GET", "/admin/audit/", roles("admin")),
    Rule("audit.export", "GET", "/admin/audit/export.csv", roles("admin")),
    Rule("rounds.day", "GET", "/rounds/", roles("admin", "coordinator", "nurse")),
    Rule("rounds.visit", "GET", "/rounds/visits/{visit}", ROUNDS_VISIT),
    Rule("rounds.document", "POST", "/rounds/visits/{visit}/vitals", ROUNDS_DOCUMENT),
]
