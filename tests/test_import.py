"""CSV import of patients: dry run lists every bad row (row, field, reason), the import is all
or nothing, and importing the same file twice creates no duplicates."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import func, select

from scheduler.models import Patient, PatientWeight
from tests.factories import make_user

SAMPLE = Path(__file__).resolve().parent.parent / "docs" / "sample-patients.csv"
HEADER = SAMPLE.read_text().splitlines()[0]


@pytest.fixture(autouse=True)
def fixed_now():
    with time_machine.travel(datetime(2026, 11, 16, 15, 0, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def admin(session):
    user = make_user(session, role="admin", email="admin@agency.example")
    session.commit()
    return user


def _patients(session) -> int:
    session.rollback()
    count = session.scalar(select(func.count()).select_from(Patient))
    session.rollback()  # SQLite: a reader holds the write lock until its transaction ends
    return count


def test_dry_run_checks_every_row_and_changes_nothing(runner, session, admin):
    result = runner.invoke(args=["import", "patients", str(SAMPLE), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "every row is fine; 3 new patient(s)" in result.output
    assert _patients(session) == 0


def test_import_places_addresses_and_a_second_import_creates_no_duplicates(runner, session, admin):
    first = runner.invoke(args=["import", "patients", str(SAMPLE)])
    assert first.exit_code == 0, first.output
    assert "3 new patient(s), 0 updated" in first.output
    second = runner.invoke(args=["import", "patients", str(SAMPLE)])
    assert "0 new patient(s), 3 updated" in second.output
    assert _patients(session) == 3
    by_id = {p.external_id: p for p in session.scalars(select(Patient))}
    maria, james, tom = by_id["MRN-1001"], by_id["MRN-1002"], by_id["MRN-1003"]
    assert (maria.coordinates_source, maria.state, maria.timezone) == ("zip_centre", "IL", "America/Chicago")
    assert (tom.lat, tom.coordinates_source, tom.timezone) == (41.8311, "entered", "America/Detroit")
    assert james.date_of_birth.isoformat() == "1955-07-02" and james.phone_e164 == "+18475550142"
    assert session.scalar(select(func.count()).select_from(PatientWeight)) == 3


def test_without_external_id_a_row_matches_on_name_and_date_of_birth(runner, session, admin, tmp_path):
    lines = SAMPLE.read_text().splitlines()
    no_ids = tmp_path / "no-ids.csv"
    no_ids.write_text("\n".join([lines[0]] + [",".join([""] + line.split(",")[1:]) for line in lines[1:]]) + "\n")
    assert runner.invoke(args=["import", "patients", str(no_ids)]).exit_code == 0
    again = runner.invoke(args=["import", "patients", str(no_ids)])
    assert "0 new patient(s), 3 updated" in again.output
    assert _patients(session) == 3


def test_bad_rows_are_listed_with_row_field_and_reason_and_nothing_is_imported(runner, session, admin, tmp_path):
    good = SAMPLE.read_text().splitlines()[1]
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join([
        HEADER,
        good,
        "MRN-2,Ann,Bad,1970-13-40,female,160,60,2026-10-01,1 Main St,Niles,MI,49120,,,,,,none,no,no,normal,no,no,no,,",
        "MRN-3,Bo,Zip,1970-01-01,male,180,80,2026-10-01,1 Main St,Nowhere,,00000,,,,,,none,no,no,normal,no,no,no,,",
        "MRN-4,Cy,Tall,1970-01-01,male,999,80,2026-10-01,1 Main St,Niles,MI,49120,,,,,,sms,no,maybe,normal,no,no,no,,",
        "MRN-1001,Maria,Again,1968-03-14,female,162,72,2026-10-01,1 Main St,Niles,MI,49120,,,,,,none,no,no,normal,no,no,no,,",
    ]) + "\n")
    result = runner.invoke(args=["import", "patients", str(bad)])
    assert result.exit_code != 0
    for line in ("Row 3, date_of_birth: not a date", "Row 4, postal_code: ZIP code 00000 is not in the ZIP data",
                 "Row 5, sms_consent: “maybe” is not yes or no", "Row 6, external_id: the same patient as row 2",
                 "nothing was imported"):
        assert line in result.output, result.output
    assert _patients(session) == 0  # the good row is not imported either
    dry = runner.invoke(args=["import", "patients", str(bad), "--dry-run"])
    assert dry.exit_code != 0 and "Row 3, date_of_birth" in dry.output


def test_a_height_out_of_range_is_said_for_its_row(runner, session, admin, tmp_path):
    bad = tmp_path / "tall.csv"
    bad.write_text(HEADER + "\nMRN-4,Cy,Tall,1970-01-01,male,999,80,2026-10-01,1 Main St,Niles,MI,49120,,,,,,none,no,no,normal,no,no,no,,\n")
    result = runner.invoke(args=["import", "patients", str(bad)])
    assert "Row 2, height_cm: The height must be between 40 and 250 cm." in result.output


def test_a_missing_or_unknown_column_is_row_1(runner, session, admin, tmp_path):
    bad = tmp_path / "columns.csv"
    bad.write_text("first_name,last_name,shoe_size\nAnn,Lee,9\n")
    result = runner.invoke(args=["import", "patients", str(bad)])
    assert "Row 1, date_of_birth: this column is missing" in result.output
    assert "Row 1, shoe_size: unknown column" in result.output


def _upload(client, text: str, button: str):
    import io

    return client.post("/admin/import/", data={"csv_file": (io.BytesIO(text.encode()), "patients.csv"), button: "1"},
                       content_type="multipart/form-data")


def test_the_upload_page_checks_then_imports(app, session, admin):
    from tests.factories import PASSWORD

    client = app.test_client()
    assert client.post("/login", data={"email": admin.email, "password": PASSWORD}).status_code == 302
    checked = _upload(client, SAMPLE.read_text(), "check")
    assert checked.status_code == 200 and "Every row is fine: 3 new patients" in checked.get_data(as_text=True)
    assert _patients(session) == 0
    bad = _upload(client, HEADER + "\nMRN-9,Ann,Bad,1970-13-40,female,160,60,,1 Main St,Niles,MI,49120" + ",," * 7 + "\n",
                  "import")
    body = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "<td>2</td><td>date_of_birth</td>" in body and "nothing was imported" in body
    imported = _upload(client, SAMPLE.read_text(), "import")
    assert imported.status_code == 302 and _patients(session) == 3
    not_csv = _upload(client, "\xff\xfe", "check")
    assert not_csv.status_code == 422


NURSES = SAMPLE.parent / "sample-nurses.csv"


def test_nurses_import_with_logins_shown_once_and_a_second_import_updates(runner, session, admin):
    from scheduler.models import Nurse

    dry = runner.invoke(args=["import", "nurses", str(NURSES), "--dry-run"])
    assert dry.exit_code == 0 and "every row is fine; 3 new nurse(s)" in dry.output, dry.output
    first = runner.invoke(args=["import", "nurses", str(NURSES)])
    assert first.exit_code == 0, first.output
    passwords = dict(line.split("  temporary password: ") for line in first.output.splitlines() if "temporary" in line)
    assert len(passwords) == 3
    again = runner.invoke(args=["import", "nurses", str(NURSES)])
    assert "0 new nurse(s), 3 updated" in again.output and "temporary" not in again.output
    session.rollback()
    nurses = {n.first_name: n for n in session.scalars(select(Nurse))}
    session.rollback()
    assert len(nurses) == 3
    beth, carl = nurses["Beth"], nurses["Carl"]
    assert (beth.home_coordinates_source, beth.home_state, beth.timezone) == ("zip_centre", "WI", "America/Chicago")
    assert [(h.weekday, h.start_time.isoformat(), h.end_time.isoformat()) for h in beth.working_hours] == [
        (0, "08:00:00", "18:00:00"), (1, "08:00:00", "18:00:00"), (2, "08:00:00", "18:00:00"),
        (3, "08:00:00", "18:00:00"), (5, "08:00:00", "12:00:00")]
    assert (carl.home_lat, carl.home_coordinates_source, carl.max_visits_per_day) == (41.6764, "entered", 3)
    assert len(carl.working_hours) == 5  # the default, Monday to Friday


def test_bad_nurse_rows_are_listed_and_nothing_is_imported(runner, session, admin, tmp_path):
    from scheduler.models import Nurse

    header = NURSES.read_text().splitlines()[0]
    bad = tmp_path / "nurses.csv"
    bad.write_text("\n".join([
        header,
        NURSES.read_text().splitlines()[1],
        "Dee,Bad,dee@agency.example,12,1 Main St,Chicago,IL,60607,,,,9,Mon-Fri 08:00-17:00",
        "Eve,Odd,eve@agency.example,(773) 555-0100,1 Main St,Chicago,IL,60607,,,,2,weekdays",
    ]) + "\n")
    result = runner.invoke(args=["import", "nurses", str(bad)])
    assert result.exit_code != 0
    for line in ("Row 3, phone: This is not a valid phone number", "Row 3, max_visits_per_day: The maximum visits",
                 "Row 4, hours: “weekdays” is not like Mon-Fri 08:00-17:00"):
        assert line in result.output, result.output
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Nurse)) == 0
    session.rollback()


def test_the_upload_page_imports_nurses_and_shows_their_temporary_passwords_once(app, session, admin):
    import io

    from tests.factories import PASSWORD

    client = app.test_client()
    assert client.post("/login", data={"email": admin.email, "password": PASSWORD}).status_code == 302
    response = client.post("/admin/import/", data={"kind": "nurses", "import": "1",
                                                   "csv_file": (io.BytesIO(NURSES.read_bytes()), "nurses.csv")},
                           content_type="multipart/form-data")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "ana.ruiz@agency.example" in body and "Temporary password" in body
