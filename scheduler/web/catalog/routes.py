"""The catalog for the pharmacist/admin: every value with its source, and the organisation's
protocol file checked or installed from the browser."""

from __future__ import annotations

import os
import tempfile

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from scheduler.web.forms import FlaskForm
from flask_wtf.file import FileField, FileRequired

from scheduler.clinical import CatalogError, load_catalog
from scheduler.clock import utcnow
from scheduler.web.database import get_session
from scheduler.operations import audit
from scheduler.operations.catalog import install_protocol, sync_products
from scheduler.web.access import allow
from scheduler.web.helpers import catalog

bp = Blueprint("catalog", __name__, url_prefix="/admin/catalog")

MAX_PROTOCOL_BYTES = 256 * 1024  # a protocol file is a few kB of TOML


class ProtocolForm(FlaskForm):
    protocol_file = FileField("Protocol file (TOML)", validators=[FileRequired(message="Choose a file.")])


@bp.route("/", methods=["GET", "POST"])
@allow("admin")
def index():
    form = ProtocolForm()
    checked, status = None, 200
    if form.validate_on_submit():
        data = form.protocol_file.data.read(MAX_PROTOCOL_BYTES + 1)
        if len(data) > MAX_PROTOCOL_BYTES:
            form.protocol_file.errors.append("The file is larger than a protocol file can be (256 kB).")
            return _render(form, checked, 422)
        with tempfile.NamedTemporaryFile("wb", suffix=".toml", delete=False) as tmp:
            tmp.write(data)
        try:
            # The uploaded name stands in for the temporary path in every message.
            name = os.path.basename(form.protocol_file.data.filename or "uploaded file")
            try:
                checked = load_catalog(tmp.name)
            except CatalogError as exc:
                form.protocol_file.errors.append(str(exc).replace(tmp.name, name))
                return _render(form, None, 422)
            if "install" in request.form:
                install_protocol(tmp.name, current_app.config["PROTOCOL_FILE"])
                db = get_session()
                sync_products(db, current_app.extensions["catalog_source"].get())
                audit.record(db, actor=current_user, action="install", object_type="protocol",
                             object_id=checked.version, now=utcnow(), details={"file": name})
                db.commit()
                flash(f"Protocol “{checked.protocol.name}” installed: catalog {checked.version}. Booked visits keep their plans.")
                return redirect(url_for("catalog.index"))
        finally:
            os.unlink(tmp.name)
    elif form.is_submitted():
        status = 422
    return _render(form, checked, status)


def _render(form, checked, status):
    source = current_app.extensions["catalog_source"]
    return render_template("catalog/index.html", catalog=catalog(), form=form, checked=checked,
                           protocol_path=source.protocol_path, last_error=source.last_error), status
