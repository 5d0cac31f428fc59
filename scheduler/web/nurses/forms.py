"""Nurse forms. They parse and require; ranges and the rules between fields are the
operation's (operations/nurses.py)."""

from __future__ import annotations

from scheduler.web.forms import FlaskForm
from wtforms import (
    DateTimeLocalField,
    EmailField,
    FloatField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
    TimeField,
)
from wtforms.validators import Email, InputRequired, NumberRange, Optional
from wtforms.widgets import HiddenInput

from scheduler.auth.passwords import MIN_PASSWORD_LENGTH
from scheduler.models import Nurse
from scheduler.operations.nurses import WEEKDAYS, NurseValues
from scheduler.web.converters import MAX_DB_ID
from scheduler.web.formtools import state_choices, time_zone_field
from scheduler.web.helpers import choices

REQUIRED = [InputRequired(message="This field is required.")]
DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class NurseForm(FlaskForm):
    first_name = StringField("First name", validators=REQUIRED)
    last_name = StringField("Last name", validators=REQUIRED)
    phone = StringField("Phone", validators=REQUIRED)
    timezone = time_zone_field()
    home_address = StringField("Home street address (start and end of her day)", validators=REQUIRED)
    home_city = StringField("City", validators=[Optional()])
    home_state = SelectField("State", choices=state_choices(), validate_choice=False)
    home_postal_code = StringField("ZIP code", validators=[Optional()])
    home_lat = FloatField("Home latitude (optional)", validators=[Optional()])
    home_lon = FloatField("Home longitude (optional)", validators=[Optional()])
    max_visits_per_day = IntegerField("Maximum visits per day", validators=REQUIRED)
    submit = SubmitField("Save nurse")

    def values(self) -> NurseValues:
        return NurseValues(
            first_name=self.first_name.data, last_name=self.last_name.data, phone=self.phone.data,
            timezone=self.timezone.data, home_address=self.home_address.data, home_lat=self.home_lat.data,
            home_lon=self.home_lon.data, max_visits_per_day=self.max_visits_per_day.data,
            home_city=self.home_city.data or "", home_state=self.home_state.data or "",
            home_postal_code=self.home_postal_code.data or "",
            hours=tuple((self[f"start_{d}"].data, self[f"end_{d}"].data) for d in range(len(WEEKDAYS))),
        )

    def hour_fields(self):
        """(weekday name, start field, end field) for the template's hours table."""
        return [(name, self[f"start_{d}"], self[f"end_{d}"]) for d, name in enumerate(WEEKDAYS)]

    @staticmethod
    def data_of(nurse: Nurse) -> dict:
        data = {name: getattr(nurse, name) for name in
                ("first_name", "last_name", "timezone", "home_address", "home_city", "home_state", "home_postal_code",
                 "home_lat", "home_lon", "max_visits_per_day")}
        data["phone"] = nurse.phone_e164
        for block in nurse.working_hours:
            data[f"start_{block.weekday}"] = block.start_time
            data[f"end_{block.weekday}"] = block.end_time
        return data


# One start and end per weekday; both blank is a day off.
for _day, _name in enumerate(WEEKDAYS):
    setattr(NurseForm, f"start_{_day}", TimeField(f"{_name} start", validators=[Optional()]))
    setattr(NurseForm, f"end_{_day}", TimeField(f"{_name} end", validators=[Optional()]))


class NewNurseForm(NurseForm):
    """A new nurse gets her login: she changes the temporary password after her first login."""

    email = EmailField("Login email", validators=[*REQUIRED, Email(message="This is not a valid email address.",
                                                                    check_deliverability=False)])
    full_name = StringField("Full name on the account", validators=REQUIRED)
    password = PasswordField(f"Temporary password (at least {MIN_PASSWORD_LENGTH} characters)", validators=REQUIRED)


class AbsenceForm(FlaskForm):
    starts_local = DateTimeLocalField("Absent from", format=DATETIME_LOCAL, validators=REQUIRED)
    ends_local = DateTimeLocalField("Absent until", format=DATETIME_LOCAL, validators=REQUIRED)
    # The operation says which kinds exist; the select's own "Not a valid choice" says less.
    kind = SelectField("Kind", choices=choices([("sick", "Sick"), ("leave", "Leave"), ("training", "Training")]),
                       validate_choice=False)
    reason = StringField("Note", validators=[Optional()])
    submit = SubmitField("Record absence")


class RemoveAbsenceForm(FlaskForm):
    # Bounded like every id in a URL: a forged huge number is "nothing named", not a database error.
    absence_id = IntegerField(widget=HiddenInput(), validators=[*REQUIRED, NumberRange(min=1, max=MAX_DB_ID)])
    submit = SubmitField("Remove")
