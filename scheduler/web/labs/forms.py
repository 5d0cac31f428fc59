"""Forms for lab draws: a platelet result, a draw marked done or cancelled."""

from __future__ import annotations

from scheduler.web.forms import FlaskForm
from wtforms import DecimalField, SelectField, SubmitField
from wtforms.validators import InputRequired, NumberRange

from scheduler.web.helpers import choices


class ResultForm(FlaskForm):
    platelets = DecimalField("Platelets (x10^9/L)", places=1,
                             validators=[InputRequired(), NumberRange(min=0, max=2000)])
    submit = SubmitField("Record result")


class DrawStatusForm(FlaskForm):
    status = SelectField("Mark as", choices=choices([("done", "Blood drawn"), ("cancelled", "Cancelled")]),
                         validators=[InputRequired()])
    submit = SubmitField("Save")
