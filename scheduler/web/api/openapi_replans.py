"""The OpenAPI part for absences and re-plans (routes_replans.py), merged into openapi.py."""

from __future__ import annotations

from scheduler.models.nurses import ABSENCE_KINDS
from scheduler.web.api.openapi import (
    DATETIME, IDEMPOTENCY_KEY, INTEGER, STRING, BOOLEAN, nullable, obj, operation, path_id, ref,
)

ROW = obj({
    "visit_id": INTEGER, "patient_id": INTEGER, "order_id": INTEGER, "day_number": INTEGER,
    "from_nurse_id": INTEGER, "from_starts_at": DATETIME, "from_ends_at": DATETIME,
    "to_nurse_id": INTEGER, "to_starts_at": DATETIME, "to_ends_at": DATETIME,
    "added_drive_min": INTEGER, "moved_day": BOOLEAN, "nurse_changed": BOOLEAN, "applied": BOOLEAN,
})

REPLAN_SCHEMAS = {
    "Absence": obj({"id": INTEGER, "nurse_id": INTEGER, "kind": {"enum": list(ABSENCE_KINDS)}, "reason": STRING,
                    "starts_at": DATETIME, "ends_at": DATETIME}),
    "AbsenceCreate": obj({"starts_at": DATETIME, "ends_at": DATETIME, "kind": {"enum": list(ABSENCE_KINDS)},
                          "reason": {"type": "string", "maxLength": 200}}, required=["starts_at", "ends_at", "kind"]),
    "AbsenceRecorded": obj({"absence": ref("Absence"), "affected_visits": {"type": "array", "items": ref("Visit")},
                            "replan_id": {"type": ["integer", "null"]}}),
    "Replan": obj({
        "id": INTEGER, "kind": {"enum": ["absence", "route"]}, "nurse_id": INTEGER,
        "absence_id": {"type": ["integer", "null"]}, "status": {"enum": ["proposed", "applied"]},
        "created_at": DATETIME, "applied_at": nullable(DATETIME),
        "rows": {"type": "array", "items": ROW},
        "unplaced": {"type": "array", "items": obj({"visit_id": INTEGER, "patient_id": INTEGER, "reason": STRING})},
        "solver": {"type": "object"},
    }),
    "ReplanApply": obj({"visit_ids": {"type": "array", "items": INTEGER, "maxItems": 500}}, required=[]),
}

REPLAN_PATHS = {
    "/nurses/{nurse_id}/absences": {"post": operation(
        "Record a nurse's absence; the answer lists her open visits inside it and the re-plan proposed for them",
        "201", ref("AbsenceRecorded"), "400 401 403 404 415 422", body="AbsenceCreate",
        parameters=[path_id("nurse_id"), IDEMPOTENCY_KEY])},
    "/absences/{absence_id}/replans": {"post": operation(
        "A fresh re-plan proposal for the absence's open visits", "201", ref("Replan"), "401 403 404",
        parameters=[path_id("absence_id")])},
    "/replans/{replan_id}": {"get": operation(
        "A re-plan proposal: each visit from nurse and time to nurse and time, with its added drive; the unplaced "
        "with their reasons", "200", ref("Replan"), "401 403 404", parameters=[path_id("replan_id")])},
    "/replans/{replan_id}/apply": {"post": operation(
        "Apply every open row, or those of visit_ids, in one transaction through the booking rules; 409 when "
        "anything changed since the proposal", "200", obj({"visits": {"type": "array", "items": ref("Visit")},
                                                          "replan": ref("Replan")}),
        "400 401 403 404 409 415 422", body="ReplanApply", parameters=[path_id("replan_id")])},
}
