"""Documentation forms. Times are typed as the patient's local wall-clock time; the view turns
them into aware datetimes. Range rules live in the operations (one place, clear messages);
the forms only check that a number is a number."""

from __future__ import annotations

from scheduler.operations.documentation import MIN_DOSE_SHARE_PCT
from decimal import Decimal

from scheduler.web.forms import FlaskForm
from wtforms import (
    DateTimeLocalField, DecimalField, EmailField, HiddenField, IntegerField, PasswordField, SelectField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from scheduler.clinical.vitals import PLAUSIBLE
from scheduler.web.helpers import choices

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
PHASES = choices([("baseline", "Baseline (before the start)"), ("before_increase", "Before a rate increase"),
                  ("during", "During the infusion"), ("end", "At the end"),
                  ("post_observation", "After the observation")])
RATE_KINDS = choices([("step_up", "Step up as planned"), ("slow_down", "Slow down (reaction)"),
                      ("pause", "Pause (reaction)"), ("resume", "Resume after a pause")])
SEVERITIES = choices([("mild", "Mild"), ("moderate", "Moderate"), ("severe", "Severe / anaphylaxis")])
TEMPERATURE_UNITS = choices([("C", "°C"), ("F", "°F")])
TENTH = Decimal("0.1")


def celsius(value: Decimal, unit: str) -> Decimal:
    """Temperatures are stored in °C; a reading in °F is converted to the tenth of a degree."""
    return ((value - 32) * 5 / 9).quantize(TENTH) if unit == "F" else value


def fahrenheit(value_c) -> Decimal:
    return (Decimal(str(value_c)) * 9 / 5 + 32).quantize(TENTH)
# Far beyond any vial count of one visit; only keeps absurd numbers away from the database.
MAX_VIALS = 100


def finite(form, field):
    """DecimalField accepts NaN and Infinity, which no comparison can handle."""
    if isinstance(field.data, Decimal) and not field.data.is_finite():
        raise ValidationError("Enter a number.")


def when(label: str) -> DateTimeLocalField:
    return DateTimeLocalField(label, format=LOCAL_FORMAT, validators=[InputRequired(message="Enter the date and time.")])


def optional_int(label: str) -> IntegerField:
    return IntegerField(label, validators=[Optional()])


class StartForm(FlaskForm):
    at = when("Infusion started at")


class VitalsForm(FlaskForm):
    phase = SelectField("Moment", choices=PHASES, default="baseline")
    taken_at = when("Taken at")
    systolic_mmhg = optional_int("Systolic BP (mmHg)")
    diastolic_mmhg = optional_int("Diastolic BP (mmHg)")
    pulse_bpm = optional_int("Pulse (/min)")
    # Beyond 0-1000 in either unit is no reading at all (and would overflow the conversion).
    temperature = DecimalField("Temperature", places=1, validators=[
        Optional(), finite, NumberRange(min=0, max=1000, message="That is not a temperature; check the reading.")],
                               render_kw={"inputmode": "decimal"})
    temperature_unit = SelectField("Temperature unit", choices=TEMPERATURE_UNITS, default="C")
    respiratory_rate = optional_int("Respiratory rate (/min)")
    spo2_pct = optional_int("SpO2 (%)")

    VALUES = ("systolic_mmhg", "diastolic_mmhg", "pulse_bpm", "respiratory_rate", "spo2_pct")

    def values(self) -> dict:
        typed = self.temperature.data
        return {**{name: self[name].data for name in self.VALUES},
                "temperature_c": celsius(typed, self.temperature_unit.data) if typed is not None else None}

    def error_for(self, name: str, message: str) -> tuple[str, str]:
        """Where an operation's message about a value goes, in the unit the nurse typed."""
        if name != "temperature_c":
            return name, message
        typed, unit = self.temperature.data, self.temperature_unit.data
        _label, _unit, low_c, high_c = PLAUSIBLE["temperature_c"]
        if unit == "F":
            low, high = fahrenheit(low_c).quantize(1), fahrenheit(high_c).quantize(1)
            return "temperature", f"Temperature {typed} °F is not possible; check the reading (accepted {low}–{high} °F)."
        if typed is not None and fahrenheit(low_c) <= typed <= fahrenheit(high_c):
            message += " Did you mean °F? Choose °F as the unit."
        return "temperature", message


class RateForm(FlaskForm):
    kind = SelectField("Change", choices=RATE_KINDS, default="step_up")
    at = when("At")
    rate_ml_per_hr = DecimalField("New rate (mL/hr; empty for a pause)", validators=[Optional(), finite])
    reason = TextAreaField("Why (required to slow down, pause or step up early)", validators=[Length(max=2000)])


class ReactionForm(FlaskForm):
    """The reaction is picked from the organisation's list (choices set by the view from the
    protocol file); what was done is required, since the record must show the response."""

    at = when("At")
    reaction_type = SelectField("Reaction", choices=[], validators=[DataRequired(message="Choose the reaction.")])
    severity = SelectField("Severity", choices=SEVERITIES, default="mild")
    action_taken = TextAreaField("Action taken (rate, medications, who was called)", validators=[
        DataRequired(message="Say what was done: the rate change, medications given, who was called."),
        Length(max=2000)])


class LotForm(FlaskForm):
    lot_id = SelectField("Lot", coerce=int, validate_choice=False,
                         validators=[NumberRange(min=1, max=2**31 - 1, message="Choose a lot.")])
    vials_used = IntegerField("Vials used", validators=[InputRequired(message="Enter the number of vials."),
                                                        NumberRange(min=1, max=MAX_VIALS)])
    waste_ml = DecimalField("Unused volume discarded (mL)", default=Decimal(0), validators=[Optional(), finite])


class EndForm(FlaskForm):
    at = when("Infusion ended at")
    total_volume_ml = DecimalField("Volume infused (mL, from the pump)",
                                   validators=[InputRequired(message="Enter the volume infused."), finite])
    reason = TextAreaField(f"Why the dose is incomplete (required below {MIN_DOSE_SHARE_PCT:f} % of the planned volume)",
                           validators=[Length(max=2000)])


class ObservationForm(FlaskForm):
    at = when("Observation ended at")


class SignForm(FlaskForm):
    pass


class AmendForm(FlaskForm):
    text = TextAreaField("Correction", validators=[DataRequired(message="Write the correction."), Length(max=4000)])


class CompleteForm(FlaskForm):
    pass


# An entry carried through re-authentication: the largest form has 9 fields; texts are capped
# by the operations at 4,000 characters.
MAX_CARRIED_FIELDS = 20
MAX_CARRIED_CHARS = 4000


class ResumeForm(FlaskForm):
    """The password again after an idle logout; the entry typed before it rides along."""

    email = EmailField("Email", validators=[DataRequired(message="Enter your email."), Length(max=254)],
                       render_kw={"autocomplete": "username"})
    password = PasswordField("Password", validators=[DataRequired(message="Enter your password."), Length(max=1024)],
                             render_kw={"autocomplete": "current-password", "autofocus": True})
    resume_to = HiddenField()
