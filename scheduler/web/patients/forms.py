"""Patient forms. They parse what was typed (numbers, dates, times) and require what must
be there; ranges and the rules between fields are the operation's (operations/patients.py),
so they hold whichever way a patient is saved."""

from __future__ import annotations

from dataclasses import fields

from scheduler.web.forms import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FloatField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import Email, InputRequired, Optional

from scheduler.models import Patient
from scheduler.operations.patients import PatientValues
from scheduler.web.formtools import state_choices, time_zone_field
from scheduler.web.helpers import choices

REQUIRED = [InputRequired(message="This field is required.")]

SEX_CHOICES = choices([("female", "Female"), ("male", "Male")])
CHANNEL_CHOICES = choices([("none", "No reminders"), ("email", "Email"), ("sms", "Text message (SMS)"),
                                   ("both", "Email and text message")])
IGA_CHOICES = choices([("unknown", "Unknown"), ("normal", "Normal"), ("deficient", "Deficient"),
                               ("deficient_with_antibodies", "Deficient, with anti-IgA antibodies")])


class PatientForm(FlaskForm):
    first_name = StringField("First name", validators=REQUIRED)
    last_name = StringField("Last name", validators=REQUIRED)
    date_of_birth = DateField("Date of birth", validators=REQUIRED)
    sex = SelectField("Sex (for dosing-weight formulas)", choices=SEX_CHOICES, validate_choice=False)
    height_cm = FloatField("Height (cm)", validators=REQUIRED)

    address_line = StringField("Street address", validators=REQUIRED)
    city = StringField("City", validators=REQUIRED)
    state = SelectField("State", choices=state_choices(), validate_choice=False)
    postal_code = StringField("ZIP code", validators=REQUIRED)
    lat = FloatField("Latitude (optional)", validators=[Optional()])
    lon = FloatField("Longitude (optional)", validators=[Optional()])
    timezone = time_zone_field()

    phone = StringField("Phone", validators=[Optional()])
    email = EmailField("Email", validators=[Optional(), Email(message="This is not a valid email address.",
                                                              check_deliverability=False)])
    preferred_channel = SelectField("Reminders by", choices=CHANNEL_CHOICES, validate_choice=False)
    email_consent = BooleanField("Patient consents to reminders by email")
    sms_consent = BooleanField("Patient consents to reminders by text message")
    quiet_start = TimeField("No reminders from", validators=REQUIRED)
    quiet_end = TimeField("No reminders until", validators=REQUIRED)
    preferred_start = TimeField("Preferred visit start, from", validators=[Optional()])
    preferred_end = TimeField("Preferred visit start, until", validators=[Optional()])

    iga_status = SelectField("IgA status", choices=IGA_CHOICES, validate_choice=False)
    iga_tested_on = DateField("IgA tested on", validators=[Optional()])
    risk_renal = BooleanField("Renal risk (dysfunction, diabetes, nephrotoxic drugs)")
    risk_thrombotic = BooleanField("Thrombosis risk")
    risk_cardiac = BooleanField("Cardiac risk (volume overload)")
    allergies = TextAreaField("Allergies")
    notes = TextAreaField("Notes")
    submit = SubmitField("Save patient")

    def values(self) -> PatientValues:
        return PatientValues(**{f.name: self[f.name].data for f in fields(PatientValues)})

    @staticmethod
    def data_of(patient: Patient) -> dict:
        """The form's fields filled from a stored patient."""
        data = {f.name: getattr(patient, f.name, None) for f in fields(PatientValues)}
        data.update(phone=patient.phone_e164 or "", email=patient.email or "",
                    email_consent=patient.email_consent_at is not None,
                    sms_consent=patient.sms_consent_at is not None)
        return data


class NewPatientForm(PatientForm):
    """A new patient comes with a first weight: no infusion can be planned without one."""

    weight_kg = FloatField("Weight (kg)", validators=REQUIRED)
    measured_on = DateField("Weighed on", validators=REQUIRED)


class WeightForm(FlaskForm):
    weight_kg = FloatField("Weight (kg)", validators=REQUIRED)
    measured_on = DateField("Weighed on", validators=REQUIRED)
    submit = SubmitField("Add weight")


class PatientSearchForm(FlaskForm):
    """A GET form: searching changes nothing, so no CSRF token."""

    class Meta:
        csrf = False

    q = StringField("Name, city or date of birth", validators=[Optional()])
    page = IntegerField("Page", validators=[Optional()])
