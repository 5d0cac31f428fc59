"""CSV import of patients: a dry run lists every bad row (row number, field, reason); the
import itself is all or nothing (the caller commits only when no row was refused); importing
the same file twice creates no duplicates (a row matches on `external_id`, else on first
name, last name and date of birth, and updates that patient).

The columns are the patient form's, in words a spreadsheet has; see docs/sample-patients.csv.
Every row goes through the same operations as the pages, so the same checks apply.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.geocoding import zip_time_zone
from scheduler.models import Patient
from scheduler.operations import DomainError
from scheduler.operations.checks import InvalidValues, require_staff
from scheduler.operations.patients import PatientValues, add_weight, create_patient, update_patient

REQUIRED = ("first_name", "last_name", "date_of_birth", "sex", "height_cm", "weight_kg", "address_line", "city",
            "postal_code")
OPTIONAL = ("external_id", "weighed_on", "state", "lat", "lon", "timezone", "phone", "email", "preferred_channel",
            "email_consent", "sms_consent", "iga_status", "risk_renal", "risk_thrombotic", "risk_cardiac",
            "allergies", "notes", "iga_tested_on")
COLUMNS = REQUIRED + OPTIONAL
MAX_ROWS = 20_000
YES, NO = {"yes", "y", "true", "1", "x"}, {"no", "n", "false", "0", ""}
DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y")


@dataclass(frozen=True)
class RowProblem:
    row: int  # the spreadsheet's row number: the header is row 1
    field: str
    reason: str

    def sentence(self) -> str:
        return f"Row {self.row}, {self.field}: {self.reason}"


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    # Nurses only: each new login's temporary password, shown once to whoever imported.
    new_logins: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class ImportRefused(DomainError):
    def __init__(self, report: ImportReport):
        super().__init__(f"{len(report.problems)} problem(s); nothing was imported.")
        self.report = report


def _date(value: str) -> date | None:
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ValueError("not a date: write it as 2026-03-14 or 03/14/2026")


def _number(value: str) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        raise ValueError(f"“{value}” is not a number") from None


def _flag(value: str) -> bool:
    value = value.strip().lower()
    if value in YES:
        return True
    if value in NO:
        return False
    raise ValueError(f"“{value}” is not yes or no")


def read_rows(text: str, required=REQUIRED, known=COLUMNS) -> tuple[list[dict[str, str]], list[RowProblem]]:
    """The rows as dicts of the known columns; a header problem is row 1."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))  # a BOM from a spreadsheet's "CSV UTF-8"
    header = [(name or "").strip().lower() for name in (reader.fieldnames or [])]
    missing = [name for name in required if name not in header]
    unknown = [name for name in header if name and name not in known]
    problems = [RowProblem(1, name, "this column is missing") for name in missing]
    problems += [RowProblem(1, name, f"unknown column (known: {', '.join(known)})") for name in unknown]
    if problems:
        return [], problems
    rows = []
    for raw in reader:
        if len(rows) >= MAX_ROWS:
            return rows, [RowProblem(reader.line_num, "file", f"more than {MAX_ROWS} rows; split the file")]
        rows.append({(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k})
    return rows, []


def _values(row: dict[str, str], agency_zone: str, today: date) -> tuple[PatientValues, float | None, date | None]:
    """What the row says, as the operation's values; ValueError(field, reason) on a bad cell."""
    def cell(name, convert=lambda v: v):
        try:
            return convert(row.get(name, ""))
        except ValueError as exc:
            raise ValueError(name, str(exc)) from None

    born = cell("date_of_birth", lambda v: _date(v) if v else None)
    zone = row.get("timezone") or zip_time_zone(row.get("postal_code", "")) or agency_zone
    values = PatientValues(
        first_name=row["first_name"], last_name=row["last_name"], date_of_birth=born, sex=row["sex"].lower(),
        height_cm=cell("height_cm", _number), address_line=row["address_line"], city=row["city"],
        state=row.get("state", "").upper(), postal_code=row["postal_code"], lat=cell("lat", _number),
        lon=cell("lon", _number), timezone=zone, phone=row.get("phone", ""), email=row.get("email", ""),
        preferred_channel=(row.get("preferred_channel") or "none").lower(),
        email_consent=cell("email_consent", _flag), sms_consent=cell("sms_consent", _flag),
        quiet_start=time(21), quiet_end=time(8), preferred_start=None, preferred_end=None,
        iga_status=(row.get("iga_status") or "unknown").lower(),
        iga_tested_on=cell("iga_tested_on", lambda v: _date(v) if v else None), risk_renal=cell("risk_renal", _flag),
        risk_thrombotic=cell("risk_thrombotic", _flag), risk_cardiac=cell("risk_cardiac", _flag),
        allergies=row.get("allergies", ""), notes=row.get("notes", ""),
    )
    weighed_on = cell("weighed_on", lambda v: _date(v) if v else today)
    return values, cell("weight_kg", _number), weighed_on


class Matcher:
    """Which stored patient a row is: by external id, else by name and date of birth. The keys
    of every patient are read once, not one query per row."""

    def __init__(self, session: Session):
        self.session = session
        self.by_external_id: dict[str, int] = {}
        self.by_identity: dict[tuple, int] = {}
        for pid, external_id, first, last, born in session.execute(select(
                Patient.id, Patient.external_id, Patient.first_name, Patient.last_name, Patient.date_of_birth)):
            self._remember(pid, external_id, first, last, born)

    def _remember(self, pid, external_id, first, last, born) -> None:
        if external_id:
            self.by_external_id[external_id] = pid
        self.by_identity.setdefault((first.lower(), last.lower(), born), pid)

    def find(self, row: dict[str, str], values: PatientValues) -> Patient | None:
        if row.get("external_id"):
            pid = self.by_external_id.get(row["external_id"])
        else:
            pid = self.by_identity.get((values.first_name.lower(), values.last_name.lower(), values.date_of_birth))
        return self.session.get(Patient, pid) if pid else None

    def add(self, patient: Patient) -> None:
        self._remember(patient.id, patient.external_id, patient.first_name, patient.last_name, patient.date_of_birth)


def _refused(report: ImportReport, number: int, exc: DomainError) -> None:
    """The operation's refusal of one row, field by field when it names them."""
    errors = exc.errors if isinstance(exc, InvalidValues) else {"row": str(exc)}
    report.problems += [RowProblem(number, name, reason) for name, reason in errors.items()]


def _finish(session: Session, report: ImportReport, dry_run: bool) -> ImportReport:
    session.flush()
    if report.problems and not dry_run:
        raise ImportRefused(report)  # the caller rolls back: all or nothing
    return report


def import_patients(session: Session, text: str, *, actor, now: datetime, agency_zone: str, geocoder=None,
                    dry_run: bool) -> ImportReport:
    """Check (dry run) or import every row. A refused import raises ImportRefused with every
    problem; the caller rolls back, so nothing of the file stays."""
    require_staff(actor)
    rows, problems = read_rows(text)
    report = ImportReport(problems=problems)
    today = now.astimezone(ZoneInfo(agency_zone)).date()
    seen: dict[str, int] = {}
    matcher = Matcher(session)
    for number, row in enumerate(rows, start=2):
        key = row.get("external_id") or f"{row.get('first_name', '').lower()}|{row.get('last_name', '').lower()}|{row.get('date_of_birth')}"
        if key in seen:
            report.problems.append(RowProblem(number, "external_id" if row.get("external_id") else "first_name",
                                              f"the same patient as row {seen[key]}"))
            continue
        seen[key] = number
        try:
            values, weight_kg, weighed_on = _values(row, agency_zone, today)
        except ValueError as exc:
            name, reason = exc.args
            report.problems.append(RowProblem(number, name, reason))
            continue
        try:
            existing = matcher.find(row, values)
            if existing is None:
                patient = create_patient(session, values, weight_kg=weight_kg, measured_on=weighed_on, actor=actor,
                                         now=now, geocoder=geocoder)
                patient.external_id = row.get("external_id") or None
                matcher.add(patient)
                report.created += 1
            else:
                update_patient(session, existing.id, values, actor=actor, now=now, geocoder=geocoder)
                if all(w.measured_on != weighed_on for w in existing.weights):
                    add_weight(session, existing.id, weight_kg, weighed_on, actor=actor, now=now)
                report.updated += 1
        except DomainError as exc:
            _refused(report, number, exc)
    return _finish(session, report, dry_run)


# Nurses: matched on their login email; a new nurse gets a login with a temporary password,
# shown once to whoever imported, which she changes after her first login.

NURSE_REQUIRED = ("first_name", "last_name", "email", "phone", "home_address", "home_postal_code")
NURSE_OPTIONAL = ("home_city", "home_state", "home_lat", "home_lon", "timezone", "max_visits_per_day", "hours")
NURSE_COLUMNS = NURSE_REQUIRED + NURSE_OPTIONAL
DEFAULT_HOURS = "Mon-Fri 08:00-17:00"
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_hours(text: str) -> tuple[tuple[time | None, time | None], ...]:
    """"Mon-Fri 08:00-17:00; Sat 08:00-12:00" as one (start, end) per weekday, Monday first."""
    hours: list[tuple[time | None, time | None]] = [(None, None)] * 7
    for part in filter(None, (p.strip() for p in (text or DEFAULT_HOURS).split(";"))):
        try:
            days, span = part.split()
            first, _, last = days.lower().partition("-")
            start, _, end = span.partition("-")
            a, b = DAY_NAMES.index(first[:3]), DAY_NAMES.index((last or first)[:3])
            block = (time.fromisoformat(start), time.fromisoformat(end))
        except ValueError:
            raise ValueError(f"“{part}” is not like Mon-Fri 08:00-17:00 (blocks separated by ;)") from None
        for day in range(a, b + 1):
            hours[day] = block
    return tuple(hours)


def _nurse_values(row: dict[str, str], agency_zone: str):
    from scheduler.operations.nurses import NurseValues

    def cell(name, convert):
        try:
            return convert(row.get(name, ""))
        except ValueError as exc:
            raise ValueError(name, str(exc)) from None

    return NurseValues(
        first_name=row["first_name"], last_name=row["last_name"], phone=row["phone"],
        timezone=row.get("timezone") or zip_time_zone(row["home_postal_code"]) or agency_zone,
        home_address=row["home_address"], home_city=row.get("home_city", ""),
        home_state=row.get("home_state", "").upper(), home_postal_code=row["home_postal_code"],
        home_lat=cell("home_lat", _number), home_lon=cell("home_lon", _number),
        max_visits_per_day=cell("max_visits_per_day", lambda v: int(v) if v else 2),
        hours=cell("hours", parse_hours),
    )


def import_nurses(session: Session, text: str, *, actor, now: datetime, agency_zone: str, geocoder=None,
                  dry_run: bool) -> ImportReport:
    """As import_patients, for nurses; ImportRefused lists every problem and nothing stays."""
    import secrets

    from scheduler.models import Nurse, User
    from scheduler.operations.accounts import normalise_email
    from scheduler.operations.nurses import create_nurse, update_nurse

    require_staff(actor)
    rows, problems = read_rows(text, NURSE_REQUIRED, NURSE_COLUMNS)
    report = ImportReport(problems=problems)
    nurse_by_email = dict(session.execute(select(User.email, Nurse.id).join(Nurse, Nurse.user_id == User.id)).all())
    seen: dict[str, int] = {}
    for number, row in enumerate(rows, start=2):
        email = normalise_email(row.get("email", ""))
        if email in seen:
            report.problems.append(RowProblem(number, "email", f"the same nurse as row {seen[email]}"))
            continue
        seen[email] = number
        try:
            values = _nurse_values(row, agency_zone)
        except ValueError as exc:
            report.problems.append(RowProblem(number, *exc.args))
            continue
        try:
            if email in nurse_by_email:
                update_nurse(session, nurse_by_email[email], values, actor=actor, now=now, geocoder=geocoder)
                report.updated += 1
            else:
                password = secrets.token_urlsafe(12)
                nurse = create_nurse(session, values, email=email, full_name=f"{values.first_name} {values.last_name}",
                                     password=password, actor=actor, now=now, geocoder=geocoder)
                nurse_by_email[email] = nurse.id
                report.new_logins.append((email, password))
                report.created += 1
        except DomainError as exc:
            _refused(report, number, exc)
    return _finish(session, report, dry_run)
