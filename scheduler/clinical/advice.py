"""The patient's preparation advice for a visit, as the organisation's protocol file words it.

Read from the `[patient_advice]` table of the protocol file; an organisation file without
one keeps the shipped advice, so replacing the ramp rules never silences the reminders.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from scheduler.clinical._toml import Table, read_toml

SHIPPED_PROTOCOL_PATH = Path(__file__).resolve().parent.parent / "data" / "protocol.toml"
_FIELDS = {"source", "hydration", "clothing", "premedication", "sms_preparation", "sms_premedication"}


@dataclass(frozen=True)
class PatientAdvice:
    source: str
    hydration: str
    clothing: str
    premedication: str  # only when the order has premedication; names no medicine
    sms_preparation: str  # hydration and clothing, short, for text messages
    sms_premedication: str


def read_patient_advice(table: Table) -> PatientAdvice:
    table.only(_FIELDS)
    return PatientAdvice(*(table.text(name) for name in ("source", "hydration", "clothing", "premedication",
                                                         "sms_preparation", "sms_premedication")))


@cache
def shipped_patient_advice() -> PatientAdvice:
    _raw, data = read_toml(SHIPPED_PROTOCOL_PATH)
    return read_patient_advice(Table(data, SHIPPED_PROTOCOL_PATH).sub("patient_advice"))


def advice_of(protocol) -> PatientAdvice:
    return protocol.patient_advice or shipped_patient_advice()
