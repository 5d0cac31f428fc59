"""The OpenAPI 3.1 document of /api/v1, written by hand next to the views it describes.

tests/web/api/test_openapi.py fails when a route is missing here or a path here has no
route, and the property-based run checks every response against these schemas. Bounds
come from the operations' own constants, so the document cannot drift from the rules.
"""

from __future__ import annotations

from scheduler.operations.orders import (
    DAYS_RANGE, DOSE_G_PER_KG_RANGE, DRAW_PLACES, INDICATIONS, MAX_PREMEDICATION, MAX_PRESCRIBER, WEIGHT_POLICIES, WINDOW_DAYS_RANGE,
)
from scheduler.web.api.common import MAX_ID, MAX_PER_PAGE

STRING, INTEGER, BOOLEAN, NUMBER = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}, {"type": "number"}
DATE = {"type": "string", "format": "date"}
ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
DATETIME = {"type": "string", "format": "date-time"}
NULLABLE_STRING = {"type": ["string", "null"]}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties: dict, required=None, *, extra=True) -> dict:
    schema = {"type": "object", "properties": properties, "required": list(properties if required is None else required)}
    if not extra:
        schema["additionalProperties"] = False
    return schema


def nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


def paged(item: dict) -> dict:
    return obj({"items": {"type": "array", "items": item}, "page": INTEGER, "per_page": INTEGER,
                "total": INTEGER, "pages": INTEGER})


ORDER_STATE = {"enum": ["to_book", "partly_booked", "booked", "in_progress", "completed", "discontinued"]}
SOURCED_NUMBER = nullable(obj({"value": NUMBER, "source": STRING}))
SCHEMAS = {
    "Error": obj({"error": obj({
        "code": STRING, "message": STRING,
        "fields": {"type": "object", "additionalProperties": STRING},
        "rule": STRING,
        "conflicts": {"type": "array", "items": obj({"rule": STRING, "message": STRING,
                                                     "visit_id": {"type": ["integer", "null"]}})},
    }, required=["code", "message", "fields"])}),
    "Product": obj({
        "id": STRING, "name": STRING, "manufacturer": STRING, "catalog_version": STRING,
        "concentration_mg_per_ml": SOURCED_NUMBER,
        "vial_sizes_g": nullable(obj({"value": {"type": "array", "items": NUMBER}, "source": STRING})),
        "indications": {"type": "array", "items": obj({
            "indication": STRING, "plannable": BOOLEAN, "missing_for_planning": {"type": "array", "items": STRING},
            "initial_rate_mg_per_kg_min": SOURCED_NUMBER, "max_rate_mg_per_kg_min": SOURCED_NUMBER,
            "at_risk_max_rate_mg_per_kg_min": SOURCED_NUMBER, "note": NULLABLE_STRING,
        })},
        "note": NULLABLE_STRING,
    }),
    "PlanRequest": obj({
        "product_id": {"type": "string", "maxLength": 40}, "indication": {"type": "string", "maxLength": 20},
        "weight_kg": NUMBER, "dose_g_per_kg": NUMBER, "days": {"type": "integer", "minimum": 1, "maximum": 31},
        "height_cm": NUMBER, "sex": {"enum": ["f", "m"]}, "age_years": NUMBER,
        "weight_policy": {"enum": ["actual", "adjusted"]}, "at_risk": BOOLEAN,
        "iga_deficient_with_antibodies": BOOLEAN, "first_infusion": BOOLEAN, "product_switch": BOOLEAN,
        "rounding": {"type": "string", "maxLength": 10, "description": "'exact', or round the daily dose to N grams"},
        "pump_resolution_ml_per_hr": {"enum": ["1", "0.1"]},
        "prescriber_override_reason": {"type": "string", "maxLength": 1000,
                                       "description": "Needed to plan outside the label (population, course total or length)"},
    }, required=["product_id", "indication", "weight_kg", "dose_g_per_kg"]),
    "Plan": obj({
        "product": STRING, "product_name": STRING, "indication": STRING, "weight_kg": NUMBER,
        "dosing_weight_kg": NUMBER, "rate_basis": STRING, "dose_g_per_kg": NUMBER, "course_days": INTEGER, "total_dose_g": NUMBER,
        "concentration_mg_per_ml": NUMBER, "cap": {"type": "object"}, "catalog_version": STRING,
        "days": {"type": "array", "items": ref("PlanDay")},
        "warnings": {"type": "array", "items": obj({"code": STRING, "message": STRING})},
    }),
    "PlanDay": obj({
        "day": INTEGER, "dose_g": NUMBER, "volume_ml": NUMBER, "volume_ml_per_kg": NUMBER, "vials": {"type": "array"},
        "steps": {"type": "array", "items": obj({
            "start_min": NUMBER, "end_min": NUMBER, "rate_mg_per_kg_min": NUMBER, "rate_ml_per_hr": NUMBER,
            "volume_ml": NUMBER, "cumulative_ml": NUMBER, "source": STRING,
        })},
        "pre_infusion_min": INTEGER, "infusion_min": NUMBER, "observation_min": INTEGER, "visit_min": NUMBER,
    }),
    "OrderCreate": obj({
        "patient_id": ID, "product_id": {"type": "string", "maxLength": 40},
        "indication": {"enum": list(INDICATIONS)},
        "dose_g_per_kg": {"type": "number", "minimum": DOSE_G_PER_KG_RANGE[0], "maximum": DOSE_G_PER_KG_RANGE[1]},
        "days": {"type": "integer", "minimum": DAYS_RANGE[0], "maximum": DAYS_RANGE[1]},
        "weight_policy": {"enum": list(WEIGHT_POLICIES)}, "rounding_g": {"enum": [None, 5, 10]},
        "premedication": {"type": "string", "maxLength": MAX_PREMEDICATION},
        "first_infusion": BOOLEAN, "product_switch": BOOLEAN, "earliest_start": DATE,
        "window_days": {"type": "integer", "minimum": WINDOW_DAYS_RANGE[0], "maximum": WINDOW_DAYS_RANGE[1]},
        "prescriber": {"type": "string", "maxLength": MAX_PRESCRIBER},
        "prescriber_override_reason": {"type": "string", "maxLength": 1000},
        "long_session_reason": {"type": "string", "maxLength": 1000},
        "iga_ack_reason": {"type": "string", "maxLength": 1000},
        "day2_platelet_threshold": {"type": ["integer", "null"], "minimum": 1, "maximum": 1000},
        "draw_place": {"enum": list(DRAW_PLACES)},
    }, required=["patient_id", "product_id", "indication", "dose_g_per_kg", "days", "earliest_start"]),
    "Order": obj({
        "id": INTEGER, "patient_id": INTEGER, "product_id": STRING, "indication": STRING, "dose_g_per_kg": NUMBER,
        "days": INTEGER, "weight_policy": STRING, "rounding_g": {"type": ["number", "null"]},
        "premedication": STRING, "first_infusion": BOOLEAN, "product_switch": BOOLEAN, "earliest_start": DATE,
        "window_days": INTEGER, "prescriber": STRING, "draw_place": {"enum": list(DRAW_PLACES)}, "status": STRING,
        "created_at": DATETIME,
    }),
    "OrderDetail": {"allOf": [ref("Order"), obj({
        "state": ORDER_STATE,
        "visits": {"type": "array", "items": ref("Visit")},
        "course_days": {"type": "array", "items": obj({
            "day_number": INTEGER, "state": {"enum": ["booked", "cancelled", "unbooked"]},
            "visit": nullable(ref("Visit"))})},
        "plan": nullable(ref("Plan")),
        "plan_error": nullable(obj({"code": STRING, "message": STRING})),
    })]},
    "Slot": obj({
        "nurse_id": INTEGER, "nurse_name": STRING, "starts_at": {"type": "array", "items": DATETIME},
        "ends_at": {"type": "array", "items": DATETIME}, "travel_before_min": INTEGER,
        "travel_after_min": INTEGER, "added_travel_min": INTEGER,
    }),
    "Visit": obj({
        "id": INTEGER, "order_id": INTEGER, "patient_id": INTEGER, "nurse_id": INTEGER, "day_number": INTEGER,
        "starts_at": DATETIME, "ends_at": DATETIME, "status": {"enum": ["booked", "in_progress", "completed", "cancelled"]},
        "cancel_reason": STRING, "travel_before_min": INTEGER, "travel_after_min": INTEGER,
        "catalog_version": STRING, "version": INTEGER,
    }),
    "Visits": obj({"visits": {"type": "array", "items": ref("Visit")}}),
    "VisitCreate": obj({"order_id": ID, "nurse_id": ID, "start": DATETIME,
                        "days": {"type": "array", "items": {"type": "integer", "minimum": 1}, "minItems": 1,
                                 "maxItems": 31, "description": "Only these days of the course (default: all)"}},
                       required=["order_id", "nurse_id", "start"]),
    "OrderListItem": {"allOf": [ref("Order"), obj({"state": ORDER_STATE,
                                                   "open_days": {"type": "array", "items": INTEGER}})]},
    "VisitReschedule": obj({"start": DATETIME, "nurse_id": ID, "scope": {"enum": ["one", "rest"]}},
                           required=["start"]),
    "VisitCancel": obj({"reason": {"type": "string", "minLength": 1, "maxLength": 1000},
                        "scope": {"enum": ["one", "rest"]}}, required=["reason"]),
    "NurseDay": obj({
        "nurse_id": INTEGER, "date": DATE, "timezone": STRING, "generated_at": DATETIME,
        "visits": {"type": "array", "items": {"allOf": [ref("Visit"), obj({
            "patient": obj({"id": INTEGER, "first_name": STRING, "last_name": STRING, "date_of_birth": DATE,
                            "city": STRING}),
            "plan_day": nullable(ref("PlanDay")),
            "flags": {"type": "array", "items": STRING},
            "lots": {"type": "array", "items": obj({"lot_number": STRING, "size_g": NUMBER, "count": INTEGER,
                                                    "expiry_date": DATE})},
            "stock_shortage": NULLABLE_STRING,
            "ramp": {"type": "array", "items": obj({"at": DATETIME, "rate_ml_per_hr": NUMBER, "volume_ml": NUMBER,
                                                    "cumulative_ml": NUMBER})},
        })]}},
    }),
}
TIME = {"type": ["string", "null"], "pattern": "^[0-2][0-9]:[0-5][0-9]$"}
PATIENT_FIELDS = {
    "first_name": STRING, "last_name": STRING, "date_of_birth": DATE, "sex": STRING, "height_cm": NUMBER,
    "address_line": STRING, "city": STRING, "state": STRING, "postal_code": STRING, "lat": NUMBER, "lon": NUMBER,
    "timezone": STRING, "phone": STRING, "email": STRING, "preferred_channel": STRING, "email_consent": BOOLEAN, "sms_consent": BOOLEAN,
    "quiet_start": TIME, "quiet_end": TIME, "preferred_start": TIME, "preferred_end": TIME, "iga_status": STRING,
    "iga_tested_on": {"type": ["string", "null"], "format": "date"},
    "risk_renal": BOOLEAN, "risk_thrombotic": BOOLEAN, "risk_cardiac": BOOLEAN, "allergies": STRING, "notes": STRING,
}
SCHEMAS.update({
    "PatientSummary": obj({"id": INTEGER, "first_name": STRING, "last_name": STRING, "date_of_birth": DATE,
                           "city": STRING}),
    "Patient": obj({
        "id": INTEGER, "first_name": STRING, "last_name": STRING, "date_of_birth": DATE, "sex": STRING,
        "height_cm": {"type": ["number", "null"]}, "address_line": STRING, "city": STRING, "state": STRING,
        "postal_code": STRING, "lat": NUMBER, "lon": NUMBER,
        "coordinates_source": {"enum": ["entered", "zip_centre", "geocoder"]}, "coordinates_source_label": STRING,
        "timezone": STRING, "phone_e164": NULLABLE_STRING, "email": NULLABLE_STRING,
        "preferred_channel": STRING, "email_consent": BOOLEAN, "sms_consent": BOOLEAN, "quiet_start": TIME,
        "quiet_end": TIME, "preferred_start": TIME, "preferred_end": TIME, "iga_status": STRING,
        "iga_tested_on": {"type": ["string", "null"], "format": "date"}, "risk_renal": BOOLEAN,
        "risk_thrombotic": BOOLEAN, "risk_cardiac": BOOLEAN, "allergies": STRING,
        "notes": STRING, "weights": {"type": "array", "items": obj({"weight_kg": NUMBER, "measured_on": DATE})},
        "created_at": DATETIME,
    }),
    "PatientCreate": {**obj({**PATIENT_FIELDS, "weight_kg": NUMBER, "measured_on": DATE},
                            required=["first_name", "last_name", "date_of_birth", "weight_kg", "measured_on"],
                            extra=False),
                      "description": "The operation checks every value and names each bad field (422). "
                                     "Leave lat and lon out to have the address placed (ZIP centre offline, or the "
                                     "configured geocoding service); the answer says where they came from."},
    "PatientPatch": obj(PATIENT_FIELDS, required=[], extra=False),
    "VisitEvent": obj({
        "type": {"enum": ["start", "vitals", "rate_change", "end"]}, "at": DATETIME,
        "phase": {"enum": ["baseline", "before_increase", "during", "end", "post_observation"]},
        "systolic_mmhg": INTEGER, "diastolic_mmhg": INTEGER, "pulse_bpm": INTEGER, "respiratory_rate": INTEGER,
        "spo2_pct": INTEGER, "temperature_c": NUMBER,
        "kind": {"enum": ["step_up", "slow_down", "pause", "resume"]}, "rate_ml_per_hr": NUMBER,
        "reason": {"type": "string", "maxLength": 4000}, "total_volume_ml": NUMBER,
    }, required=["type", "at"]),
    "VisitEventResult": obj({"type": STRING, "id": INTEGER, "visit_id": INTEGER, "at": DATETIME,
                             "flags": {"type": "object", "additionalProperties": STRING}}),
    "Reminder": obj({
        "id": INTEGER, "kind": STRING, "channel": STRING, "visit_id": {"type": ["integer", "null"]},
        "lab_draw_id": {"type": ["integer", "null"]}, "due_at": DATETIME, "expires_at": DATETIME, "status": STRING,
        "attempts": INTEGER, "sent_at": {"anyOf": [DATETIME, {"type": "null"}]},
    }),
    "LabDraw": obj({
        "id": INTEGER, "patient_id": INTEGER, "visit_id": INTEGER, "test": STRING, "offset_hours": INTEGER,
        "due_at": DATETIME, "status": STRING, "done_at": {"anyOf": [DATETIME, {"type": "null"}]},
        "result": nullable(obj({"platelets_10e9_per_l": NUMBER, "unit": STRING, "resulted_at": DATETIME})),
    }),
    "LabResult": obj({"platelets_10e9_per_l": {"type": "number", "minimum": 0, "maximum": 2000}}),
})

ERROR_TEXT = {
    "400": "Malformed JSON, JSON nested more than 32 levels deep, or a body that is not an object",
    "401": "No valid bearer token",
    "403": "The token's owner has a role that may not call this",
    "404": "No such object, or one the caller may not reach",
    "409": "A scheduling conflict (with its rule and visit), or the same Idempotency-Key still in progress",
    "413": "The body is larger than the server accepts (MAX_REQUEST_BYTES)",
    "415": "The body is not sent as application/json",
    "422": "Invalid fields (control characters included), a refused rule, or a clinical hard stop",
    "429": "Too many refused tokens from this address; see Retry-After",
}
PAGE_PARAMETERS = [
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
    {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE}},
]
IDEMPOTENCY_KEY = {"name": "Idempotency-Key", "in": "header", "required": False,
                   "schema": {"type": "string", "minLength": 1, "maxLength": 200},
                   "description": "A retry with the same key returns the first answer; never a second creation."}


def path_id(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": ID}


def operation(summary: str, ok: str, schema: dict, errors: str, *, body: str | None = None, parameters=(),
              public: bool = False) -> dict:
    responses = {ok: {"description": "Success", "content": {"application/json": {"schema": schema}}}}
    # Any call with a token may meet the per-address limit on refused tokens; any body the size limit.
    for code in sorted({*errors.split(), *(["413"] if body else []), *([] if public else ["429"])}):
        responses[code] = {"description": ERROR_TEXT[code],
                           "content": {"application/json": {"schema": ref("Error")}}}
    op = {"summary": summary, "responses": responses, "parameters": list(parameters)}
    if body:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": ref(body)}}}
    if public:
        op["security"] = []
    return op


PATHS = {
    "/openapi.json": {"get": operation("This document", "200", {"type": "object"}, "", public=True)},
    "/products": {"get": operation("The sourced product catalog", "200", paged(ref("Product")), "401 403 422",
                                   parameters=PAGE_PARAMETERS)},
    "/plan": {"post": operation("The clinical plan for given inputs (the `flask plan --json` shape)", "200",
                                ref("Plan"), "400 401 403 415 422", body="PlanRequest")},
    "/orders": {"get": operation(
        "Orders with their state (to_book, partly_booked, booked, in_progress, completed, discontinued)", "200",
        paged(ref("OrderListItem")), "401 403 422",
        parameters=[{"name": "state", "in": "query", "schema": ORDER_STATE},
                    {"name": "product_id", "in": "query", "schema": {"type": "string"}},
                    {"name": "patient_id", "in": "query", "schema": ID}, *PAGE_PARAMETERS]),
                "post": operation("Create a therapy order (checked against the clinical core)", "201", ref("Order"),
                                  "400 401 403 404 409 415 422", body="OrderCreate", parameters=[IDEMPOTENCY_KEY])},
    "/orders/{order_id}": {"get": operation("An order with its visits and plan per day", "200", ref("OrderDetail"),
                                            "401 403 404", parameters=[path_id("order_id")])},
    "/orders/{order_id}/slots": {"get": operation(
        "Booking suggestions for the order's course", "200", paged(ref("Slot")), "401 403 404 422",
        parameters=[path_id("order_id"), {"name": "from", "in": "query", "schema": DATETIME},
                    {"name": "to", "in": "query", "schema": DATETIME},
                    {"name": "days", "in": "query", "schema": {"type": "string", "pattern": "^[0-9]+(,[0-9]+)*$"},
                     "description": "Only these days of the course, e.g. 2 or 2,3 (default: the days still open)"},
                    *PAGE_PARAMETERS])},
    "/visits": {"post": operation("Book every day of an order's course with one nurse", "201", ref("Visits"),
                                  "400 401 403 404 409 415 422", body="VisitCreate", parameters=[IDEMPOTENCY_KEY])},
    "/visits/{visit_id}": {"patch": operation("Reschedule a visit (or it and the rest of its course)", "200",
                                              ref("Visits"), "400 401 403 404 409 415 422", body="VisitReschedule",
                                              parameters=[path_id("visit_id")])},
    "/visits/{visit_id}/cancel": {"post": operation("Cancel a visit (or it and the rest of its course)", "200",
                                                    ref("Visits"), "400 401 403 404 415 422", body="VisitCancel",
                                                    parameters=[path_id("visit_id")])},
    "/patients": {
        "get": operation("Search patients (name, city, or date of birth)", "200", paged(ref("PatientSummary")),
                         "401 403 422", parameters=[{"name": "q", "in": "query", "schema": {"type": "string"}},
                                                    *PAGE_PARAMETERS]),
        "post": operation("Register a patient with a first weight", "201", ref("Patient"),
                          "400 401 403 409 415 422", body="PatientCreate", parameters=[IDEMPOTENCY_KEY]),
    },
    "/patients/{patient_id}": {
        "get": operation("One patient (a nurse: patients of her visits; a patient: himself)", "200", ref("Patient"),
                         "401 403 404", parameters=[path_id("patient_id")]),
        "patch": operation("Change some of a patient's fields", "200", ref("Patient"), "400 401 403 404 415 422",
                           body="PatientPatch", parameters=[path_id("patient_id")]),
    },
    "/patients/{patient_id}/reminders": {"get": operation(
        "The patient's reminders (what is due and how it went; no message text)", "200", paged(ref("Reminder")),
        "401 403 404 422", parameters=[path_id("patient_id"), *PAGE_PARAMETERS])},
    "/patients/{patient_id}/labs": {"get": operation(
        "The patient's platelet draws with their results", "200", paged(ref("LabDraw")), "401 403 404 422",
        parameters=[path_id("patient_id"), *PAGE_PARAMETERS])},
    "/labs/{draw_id}/result": {"post": operation(
        "Enter a draw's platelet count (ends its reminders)", "201", ref("LabDraw"), "400 401 403 404 409 415 422",
        body="LabResult", parameters=[path_id("draw_id"), IDEMPOTENCY_KEY])},
    "/visits/{visit_id}/events": {"post": operation(
        "Document the infusion: start, vitals, rate change, end (the visit's nurse only)", "201",
        ref("VisitEventResult"), "400 401 403 404 409 415 422", body="VisitEvent",
        parameters=[path_id("visit_id"), IDEMPOTENCY_KEY])},
    "/nurses/{nurse_id}/day": {"get": operation(
        "A nurse's visits on a local date, each with its stored ramp", "200", ref("NurseDay"), "401 403 404 422",
        parameters=[path_id("nurse_id"), {"name": "date", "in": "query", "required": True, "schema": DATE}])},
}


def document(product_ids=()) -> dict:
    """The document; with the catalog's product ids, product_id is described as their enum
    (the catalog is the organisation's, so the list is read when the document is asked for)."""
    schemas = SCHEMAS
    if product_ids:
        schemas = {**SCHEMAS}
        for name in ("PlanRequest", "OrderCreate"):
            schemas[name] = {**SCHEMAS[name], "properties": {**SCHEMAS[name]["properties"],
                                                            "product_id": {"enum": sorted(product_ids)}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Infusion Scheduler API", "version": "1",
                 "description": "Times are UTC ISO-8601 with offset; ids are integers; lists are paged. "
                                "Errors: {\"error\": {\"code\", \"message\", \"fields\"}}."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}],
        "paths": PATHS,
        "components": {"schemas": schemas,
                       "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
    }


# Absences and re-plans document themselves in their own module (issue 17).
from scheduler.web.api.openapi_replans import REPLAN_PATHS, REPLAN_SCHEMAS  # noqa: E402

SCHEMAS.update(REPLAN_SCHEMAS)
PATHS.update(REPLAN_PATHS)
