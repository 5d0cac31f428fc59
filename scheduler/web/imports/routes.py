"""The import page: upload a CSV of patients, check it (dry run), then import it all or nothing."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from scheduler.web.forms import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField

from scheduler.clock import utcnow
from scheduler.operations.imports import ImportRefused, import_nurses, import_patients
from scheduler.web.access import allow
from scheduler.web.database import get_session
from scheduler.web.formtools import geocoder
from scheduler.web.helpers import choices

bp = Blueprint("imports", __name__, url_prefix="/admin/import")

MAX_CSV_BYTES = 5 * 1024 * 1024  # some 20,000 patients


class ImportForm(FlaskForm):
    kind = SelectField("Import", choices=choices([("patients", "Patients"), ("nurses", "Nurses")]), default="patients")
    csv_file = FileField("File (CSV, UTF-8)", validators=[FileRequired(message="Choose a CSV file.")])


OPERATIONS = {"patients": import_patients, "nurses": import_nurses}


@bp.route("/", methods=["GET", "POST"])
@allow("admin", "coordinator")
def index():
    form, report, status = ImportForm(), None, 200
    if form.validate_on_submit():
        data = form.csv_file.data.read(MAX_CSV_BYTES + 1)
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = None
            form.csv_file.errors.append("The file is not UTF-8 text: save it from the spreadsheet as “CSV UTF-8”.")
        if len(data) > MAX_CSV_BYTES:
            text = None
            form.csv_file.errors.append("The file is larger than 5 MB: split it into several files.")
        if text is not None:
            db, dry_run = get_session(), "import" not in request.form
            try:
                report = OPERATIONS[form.kind.data](db, text, actor=current_user, now=utcnow(), dry_run=dry_run,
                                                    agency_zone=current_app.config["AGENCY_TIMEZONE"],
                                                    geocoder=geocoder())
            except ImportRefused as exc:
                report = exc.report
            if dry_run or report.problems:
                db.rollback()
            else:
                db.commit()
                flash(f"Imported: {report.created} new {form.kind.data}, {report.updated} updated.")
                if form.kind.data == "patients":
                    return redirect(url_for("patients.index"))
                # New nurses' temporary passwords: shown on this page once, never stored in clear.
            status = 422 if report.problems else 200
        else:
            status = 422
    elif form.is_submitted():
        status = 422
    return render_template("imports/index.html", form=form, report=report,
                           checked="import" not in request.form, kind=form.kind.data or "patients"), status
