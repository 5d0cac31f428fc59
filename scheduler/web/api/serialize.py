"""Rows as the API's JSON: integer ids, UTC ISO-8601 times with offset, units in names.

Each function here has a matching schema in openapi.py; the property test checks every
response against it.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from scheduler.clinical.remaining import clock
from scheduler.geocoding import SOURCE_LABELS
from scheduler.web.api.common import iso


def _time(value) -> str | None:
    return None if value is None else value.strftime("%H:%M")


def patient_json(patient) -> dict:
    return {
        "id": patient.id,
        "first_name": patient.first_name,
        "last_name": patient.last_name,
        "date_of_birth": patient.date_of_birth.isoformat(),
        "sex": patient.sex,
        "height_cm": patient.height_cm,
        "address_line": patient.address_line,
        "city": patient.city,
        "state": patient.state,
        "postal_code": patient.postal_code,
        "lat": patient.lat,
        "lon": patient.lon,
        "coordinates_source": patient.coordinates_source,
        "coordinates_source_label": SOURCE_LABELS.get(patient.coordinates_source, patient.coordinates_source),
        "timezone": patient.timezone,
        "phone_e164": patient.phone_e164,
        "email": patient.email,
        "preferred_channel": patient.preferred_channel,
        "email_consent": patient.email_consent_at is not None,
        "sms_consent": patient.sms_consent_at is not None,
        "quiet_start": _time(patient.quiet_start),
        "quiet_end": _time(patient.quiet_end),
        "preferred_start": _time(patient.preferred_start),
        "preferred_end": _time(patient.preferred_end),
        "iga_status": patient.iga_status,
        "iga_tested_on": patient.iga_tested_on.isoformat() if patient.iga_tested_on else None,
        "risk_renal": patient.risk_renal,
        "risk_thrombotic": patient.risk_thrombotic,
        "risk_cardiac": patient.risk_cardiac,
        "allergies": patient.allergies,
        "notes": patient.notes,
        "weights": [{"weight_kg": w.weight_kg, "measured_on": w.measured_on.isoformat()}
                    for w in sorted(patient.weights, key=lambda w: w.measured_on)],
        "created_at": iso(patient.created_at),
    }


def patient_summary_json(patient) -> dict:
    return {"id": patient.id, "first_name": patient.first_name, "last_name": patient.last_name,
            "date_of_birth": patient.date_of_birth.isoformat(), "city": patient.city}


def course_day_json(day) -> dict:
    """One day of a course: booked (its active visit), cancelled (the last cancelled visit)
    or unbooked (no visit)."""
    return {"day_number": day.day_number, "state": day.state,
            "visit": None if day.visit is None else visit_json(day.visit)}


def order_json(order) -> dict:
    return {
        "id": order.id,
        "patient_id": order.patient_id,
        "product_id": order.product_id,
        "indication": order.indication,
        "dose_g_per_kg": order.dose_g_per_kg,
        "days": order.days,
        "weight_policy": order.weight_policy,
        "rounding_g": order.rounding_g,
        "premedication": order.premedication,
        "first_infusion": order.first_infusion,
        "product_switch": order.product_switch,
        "earliest_start": order.earliest_start.isoformat(),
        "window_days": order.window_days,
        "prescriber": order.prescriber,
        "prescriber_override_reason": order.prescriber_override_reason,
        "long_session_reason": order.long_session_reason,
        "iga_ack_reason": order.iga_ack_reason,
        "day2_platelet_threshold": order.day2_platelet_threshold,
        "day2_decision": order.day2_decision,
        "draw_place": order.draw_place,
        "status": order.status,
        "created_at": iso(order.created_at),
    }


def visit_json(visit) -> dict:
    return {
        "id": visit.id,
        "order_id": visit.order_id,
        "patient_id": visit.patient_id,
        "nurse_id": visit.nurse_id,
        "day_number": visit.day_number,
        "starts_at": iso(visit.starts_at),
        "ends_at": iso(visit.ends_at),
        "status": visit.status,
        "cancel_reason": visit.cancel_reason,
        "travel_before_min": visit.travel_before_min,
        "travel_after_min": visit.travel_after_min,
        "catalog_version": visit.catalog_version,
        "version": visit.version,
    }


def visit_card_json(card) -> dict:
    """A visit of the nurse's day (operations.rounds.VisitCard): the day of the plan stored at
    booking, its ramp on the clock from the planned infusion start (after the pre-infusion
    checks, as the nurse's visit page anchors it before the infusion starts), the flags that
    change what she does, and the lots to take."""
    visit, day = card.visit, card.day
    body = visit_json(visit)
    body.update(patient=patient_summary_json(visit.patient), plan_day=day, flags=list(card.flags),
                lots=[{"lot_number": lot.lot_number, "size_g": float(lot.size_g), "count": lot.count,
                       "expiry_date": lot.expiry_date.isoformat()} for lot in card.lots],
                stock_shortage=card.shortage, ramp=[])
    if day is not None:
        anchor = visit.starts_at + timedelta(minutes=day["pre_infusion_min"])
        body["ramp"] = [
            {"at": iso(clock(anchor, Decimal(str(step["start_min"])))), "rate_ml_per_hr": step["rate_ml_per_hr"],
             "volume_ml": step["volume_ml"], "cumulative_ml": step["cumulative_ml"]}
            for step in day["steps"]
        ]
    return body


def slot_json(slot) -> dict:
    return {
        "nurse_id": slot.nurse_id,
        "nurse_name": slot.nurse_name,
        "starts_at": [iso(s) for s in slot.starts_at],
        "ends_at": [iso(e) for e in slot.ends_at],
        "travel_before_min": slot.travel_before_min,
        "travel_after_min": slot.travel_after_min,
        "added_travel_min": slot.added_travel_min,
    }
