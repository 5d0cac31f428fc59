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
    # Public, but only with a valid signature or token, which the matrix never has.
    needs_signature: bool = False

    def expected(self, role: str, ownership: str | None) -> str:
        if self.needs_signature:
            return DENIED
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

# Public endpoints a provider or an emailed link calls: unsigned or forged, refused for all.
SIGNED_PUBLIC = Access(None, needs_signature=True)
# A draw's result: staff, and the nurse of the patient's visits.
DRAW_RESULT = Access(
    frozenset({"admin", "coordinator", "nurse"}),
    object_rule={"admin": _EVERY_EXISTING, "coordinator": _EVERY_EXISTING, "nurse": frozenset({"assigned"})},
)
# The patient's own draw, from the portal.
OWN_DRAW = Access(frozenset({"patient"}), object_rule={"patient": frozenset({"own"})})

# The API (/api/v1): called with the role's bearer token and a JSON body; no token is 401,
# which the matrix counts as LOGIN. A nurse's day: staff any nurse, a nurse only her own.
API_CLINICAL = roles("admin", "coordinator", "nurse")
API_STAFF = roles("admin", "coordinator")
# A list about one patient whose rows name no PHI (reminders, draws): the patient rule, no sentinel to show.
API_PATIENT_LIST = Access(PATIENT_RECORD.roles, object_rule=PATIENT_RECORD.object_rule)
API_NURSE_DAY = Access(
    frozenset({"admin", "coordinator", "nurse"}),
    object_rule={"admin": _EVERY_EXISTING, "coordinator": _EVERY_EXISTING, "nurse": frozenset({"assigned"})},
)


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
    Rule("imports.index", "GET", "/admin/import/", roles("admin", "coordinator")),
    Rule("imports.index", "POST", "/admin/import/", roles("admin", "coordinator")),
    Rule("invitations.send", "POST", "/patients/{patient}/invitation", STAFF_ACTION),
    Rule("invitations.revoke", "POST", "/patients/{patient}/invitation/revoke", STAFF_ACTION),
    Rule("nurses.index", "GET", "/nurses/", roles("admin", "coordinator")),
    Rule("nurses.create", "GET", "/nurses/new", roles("admin", "coordinator")),
    Rule("nurses.create", "POST", "/nurses/new", roles("admin", "coordinator")),
    Rule("nurses.edit", "GET", "/nurses/{nurse}", STAFF_ACTION),
    Rule("nurses.edit", "POST", "/nurses/{nurse}", STAFF_ACTION),
    Rule("nurses.add_absence_page", "POST", "/nurses/{nurse}/absences", STAFF_ACTION),
    Rule("nurses.remove_absence_page", "POST", "/nurses/{nurse}/absences/remove", STAFF_ACTION),
    Rule("audit.index", "GET", "/admin/audit/", roles("admin")),
    Rule("audit.export", "GET", "/admin/audit/export.csv", roles("admin")),
    Rule("orders.unbooked", "GET", "/orders/", roles("admin", "coordinator")),
    Rule("orders.new", "GET", "/orders/new?patient={patient}", STAFF_RECORD),
    Rule("orders.new", "POST", "/orders/new?patient={patient}", STAFF_RECORD),
    Rule("orders.show", "GET", "/orders/{order}", STAFF_RECORD),
    Rule("orders.book", "GET", "/orders/{order}/book", STAFF_RECORD),
    Rule("orders.book", "POST", "/orders/{order}/book", STAFF_RECORD),
    Rule("orders.reasons", "POST", "/orders/{order}/reasons", STAFF_ACTION),
    Rule("orders.edit", "GET", "/orders/{order}/edit", STAFF_RECORD),
    Rule("orders.edit", "POST", "/orders/{order}/edit", STAFF_RECORD),
    Rule("orders.discontinue", "POST", "/orders/{order}/discontinue", STAFF_RECORD),
    Rule("visits.show", "GET", "/visits/{visit}", STAFF_RECORD),
    Rule("visits.reschedule", "POST", "/visits/{visit}/reschedule", STAFF_RECORD),
    Rule("visits.cancel", "POST", "/visits/{visit}/cancel", STAFF_RECORD),
    Rule("visits.undo", "POST", "/visits/{visit}/undo-cancel", STAFF_RECORD),
    Rule("orders.day2", "POST", "/orders/{order}/day2", STAFF_RECORD),
    Rule("orders.split", "POST", "/orders/{order}/split", STAFF_RECORD),
    Rule("visits.replan", "POST", "/visits/{visit}/replan", STAFF_ACTION),
    Rule("calendar.week", "GET", "/calendar/", roles("admin", "coordinator")),
    Rule("replans.new_absence", "GET", "/absences/new", roles("admin", "coordinator")),
    Rule("replans.new_absence", "POST", "/absences/new", roles("admin", "coordinator")),
    Rule("replans.absence", "GET", "/absences/{absence}", STAFF_ACTION),
    Rule("replans.propose", "POST", "/absences/{absence}/replan", STAFF_ACTION),
    Rule("replans.show", "GET", "/replans/{replan}", STAFF_ACTION),
    Rule("replans.route_day_page", "GET", "/nurses/{nurse}/route", API_NURSE_DAY),
    Rule("replans.route_day_page", "POST", "/nurses/{nurse}/route", STAFF_ACTION),
    Rule("replans.show", "POST", "/replans/{replan}", STAFF_ACTION),
    Rule("dashboard.today", "GET", "/dashboard/", roles("admin", "coordinator")),
    Rule("labs.result", "POST", "/labs/draws/{draw}/result", DRAW_RESULT),
    Rule("labs.status", "POST", "/labs/draws/{draw}/status", STAFF_ACTION),
    Rule("portal.home", "GET", "/portal/", roles("patient")),
    Rule("portal.preferences", "POST", "/portal/preferences", roles("patient")),
    Rule("portal.drawn", "POST", "/portal/draws/{draw}/drawn", OWN_DRAW),
    Rule("portal.confirm_drawn", "GET", "/portal/draws/{draw}/drawn", OWN_DRAW),
    Rule("portal.undo_drawn", "POST", "/portal/draws/{draw}/undo", OWN_DRAW),
    Rule("reminders.outbox", "GET", "/admin/outbox", roles("admin")),
    Rule("reminders.retry", "POST", "/reminders/{reminder}/retry", STAFF_ACTION),
    Rule("reminders.sms_webhook", "POST", "/hooks/sms", SIGNED_PUBLIC),
    Rule("reminders.unsubscribe", "GET", "/unsubscribe/forged-token", SIGNED_PUBLIC),
    Rule("invitations.accept", "GET", "/portal/invitation/forged-token", SIGNED_PUBLIC),
    Rule("invitations.accept", "POST", "/portal/invitation/forged-token", SIGNED_PUBLIC),
    Rule("invitations.confirm_email", "GET", "/portal/email/forged-token", SIGNED_PUBLIC),
    Rule("invitations.contact", "GET", "/portal/contact", roles("patient")),
    Rule("invitations.contact", "POST", "/portal/contact", roles("patient")),
    Rule("reminders.unsubscribe", "POST", "/unsubscribe/forged-token", SIGNED_PUBLIC),
    Rule("feeds.link", "GET", "/account/calendar", roles("nurse", "patient")),
    Rule("feeds.new_link", "POST", "/account/calendar", roles("nurse", "patient")),
    Rule("feeds.revoke_link", "POST", "/account/calendar/revoke", roles("nurse", "patient")),
    Rule("feeds.feed_ics", "GET", "/feeds/cal_forged-token.ics", SIGNED_PUBLIC),
    Rule("catalog.index", "GET", "/admin/catalog/", roles("admin")),
    Rule("catalog.index", "POST", "/admin/catalog/", roles("admin")),
    Rule("rounds.day", "GET", "/rounds/", roles("admin", "coordinator", "nurse")),
    Rule("rounds.visit", "GET", "/rounds/visits/{visit}", ROUNDS_VISIT),
    Rule("rounds.print_sheet", "GET", "/rounds/visits/{visit}/print", ROUNDS_VISIT),
    Rule("rounds.supplies", "GET", "/rounds/supplies", roles("admin", "coordinator", "nurse")),
    Rule("rounds.document", "POST", "/rounds/visits/{visit}/vitals", ROUNDS_DOCUMENT),
    # Re-authentication after an idle logout, carrying the entry typed before it: public (the
    # caller has no session by definition); it saves only after the password is checked.
    Rule("rounds.resume", "POST", "/rounds/resume", PUBLIC),
    # The offline worker's script (code, no data) and a fresh form token for entries kept offline.
    Rule("rounds.service_worker", "GET", "/rounds/sw.js", PUBLIC),
    Rule("rounds.token", "GET", "/rounds/token", roles("nurse")),
    Rule("api.openapi", "GET", "/api/v1/openapi.json", PUBLIC),
    Rule("api.products", "GET", "/api/v1/products", API_CLINICAL),
    Rule("api.plan", "POST", "/api/v1/plan", API_CLINICAL),
    Rule("api.create_order_api", "POST", "/api/v1/orders", API_STAFF),
    Rule("api.orders", "GET", "/api/v1/orders", API_STAFF),
    Rule("api.show_order", "GET", "/api/v1/orders/{order}", STAFF_ACTION),
    Rule("api.order_slots", "GET", "/api/v1/orders/{order}/slots", STAFF_ACTION),
    Rule("api.book_visits", "POST", "/api/v1/visits", API_STAFF),
    Rule("api.reschedule", "PATCH", "/api/v1/visits/{visit}", STAFF_ACTION),
    Rule("api.cancel", "POST", "/api/v1/visits/{visit}/cancel", STAFF_ACTION),
    Rule("api.patients", "GET", "/api/v1/patients", API_STAFF),
    Rule("api.create_patient_api", "POST", "/api/v1/patients", API_STAFF),
    Rule("api.patient", "GET", "/api/v1/patients/{patient}", PATIENT_RECORD),
    Rule("api.update_patient_api", "PATCH", "/api/v1/patients/{patient}", STAFF_ACTION),
    Rule("api.visit_event", "POST", "/api/v1/visits/{visit}/events", ROUNDS_DOCUMENT),
    Rule("api.patient_reminders", "GET", "/api/v1/patients/{patient}/reminders", API_PATIENT_LIST),
    Rule("api.patient_labs", "GET", "/api/v1/patients/{patient}/labs", API_PATIENT_LIST),
    Rule("api.lab_result", "POST", "/api/v1/labs/{draw}/result", DRAW_RESULT),
    Rule("api.create_absence", "POST", "/api/v1/nurses/{nurse}/absences", STAFF_ACTION),
    Rule("api.propose_replan", "POST", "/api/v1/absences/{absence}/replans", STAFF_ACTION),
    Rule("api.show_replan", "GET", "/api/v1/replans/{replan}", STAFF_ACTION),
    Rule("api.apply", "POST", "/api/v1/replans/{replan}/apply", STAFF_ACTION),
    Rule("api.day_of_nurse", "GET", "/api/v1/nurses/{nurse}/day?date=2026-11-23", API_NURSE_DAY),
]
