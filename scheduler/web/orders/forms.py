"""Therapy order and booking forms."""

from __future__ import annotations

from scheduler.web.forms import FlaskForm
from wtforms import BooleanField, DateField, DecimalField, HiddenField, IntegerField, SelectField, StringField, TextAreaField, TimeField
from scheduler.web.helpers import choices
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

INDICATIONS = choices([("itp", "Immune thrombocytopenia (ITP)"), ("pi", "Primary immunodeficiency (PI)")])
ROUNDING = choices([("exact", "Exact dose"), ("5", "Round to 5 g"), ("10", "Round to 10 g")])
WEIGHT_POLICIES = choices([("actual", "Actual body weight"), ("adjusted", "Adjusted body weight (obesity)")])

DRAW_PLACES = choices([("lab", "At a lab (the patient goes)"), ("home", "At home (a nurse draws the blood)")])

SCOPES = choices([("one", "This visit only"), ("rest", "This and the later days of the course")])


class OrderForm(FlaskForm):
    indication = SelectField("Indication", choices=INDICATIONS, default="itp")
    product_id = SelectField("Product", validators=[DataRequired()])
    dose_g_per_kg = DecimalField("Dose per day (g/kg)", places=3, validators=[InputRequired(), NumberRange(min=0.05, max=2)])
    days = IntegerField("Number of days", default=2, validators=[InputRequired(), NumberRange(min=1, max=10)])
    weight_policy = SelectField("Dosing weight", choices=WEIGHT_POLICIES, default="actual")
    rounding = SelectField("Dose rounding", choices=ROUNDING, default="exact")
    premedication = TextAreaField("Premedication", validators=[Length(max=2000)])
    first_infusion = BooleanField("First infusion of IVIG")
    product_switch = BooleanField("Switch from another IVIG product")
    earliest_start = DateField("Start date", validators=[InputRequired(message="Enter the start date.")])
    window_days = IntegerField("Allowed window (± days)", default=4, validators=[InputRequired(), NumberRange(min=0, max=14)])
    prescriber = StringField("Prescriber", validators=[Length(max=200)])
    draw_place = SelectField("Follow-up blood tests", choices=DRAW_PLACES, default="lab")
    prescriber_override_reason = TextAreaField(
        "Prescriber's override (outside the label)", validators=[Length(max=1000)],
        description="Only when the prescriber orders outside the label (age, daily dose, course total or length): "
                    "who decided and why.")
    iga_ack_reason = TextAreaField(
        "IgA result not known: clinician's acknowledgement", validators=[Length(max=1000)],
        description="Only when serum IgA has not been measured: the clinician who accepts the first infusion without it, and why.")
    long_session_reason = TextAreaField(
        "Reason to book a day longer than the session limit", validators=[Length(max=1000)],
        description="Instead of splitting the course; shown on the nurse's card.")
    day2_platelet_threshold = IntegerField(
        "Platelet check before day 2: threshold (x10^9/L)", validators=[Optional(), NumberRange(min=1, max=1000)],
        description="Leave empty for no check. Gamunex-C and Privigen ITP labels allow withholding day 2 "
                    "after an adequate platelet rise at 24 hours.")
    draw_place = SelectField("Follow-up blood tests", choices=DRAW_PLACES, default="lab")


class OrderReasonsForm(FlaskForm):
    """Reasons recorded on a saved order: an override, an IgA acknowledgement, a long day."""

    prescriber_override_reason = OrderForm.prescriber_override_reason
    iga_ack_reason = OrderForm.iga_ack_reason
    long_session_reason = OrderForm.long_session_reason
    draw_place = OrderForm.draw_place


class SplitForm(FlaskForm):
    """Spread the course over more days so each visit fits the session limit (issue 14)."""

    days = IntegerField("Split over (days)", validators=[InputRequired(message="Enter the number of days."),
                                                         NumberRange(min=2, max=10)])


class Day2Form(FlaskForm):
    """Give or withhold day 2 after the platelet check (issue 14)."""

    decision = SelectField("Day 2", choices=choices([("give", "Give day 2"), ("withhold", "Withhold day 2 (cancel it)")]),
                           default="give")
    reason = TextAreaField("Reason", validators=[DataRequired(message="Give the reason for the decision."),
                                                 Length(max=1000)])


class BookForm(FlaskForm):
    """Book the whole course: the first day's date and local start time, and the nurse."""

    nurse_id = SelectField("Nurse", coerce=int, validators=[DataRequired()])
    start_date = DateField("First day", validators=[InputRequired(message="Enter the first day.")])
    start_time = TimeField("Start time (patient's local time)", validators=[InputRequired(message="Enter the start time.")])
    # Only these days of the course, "2" or "2,3" (a cancelled or unbooked day booked again);
    # empty: every day still open.
    days = HiddenField()


class RescheduleForm(BookForm):
    scope = SelectField("Move", choices=SCOPES, default="one")
    start_date = DateField("New date", validators=[InputRequired(message="Enter the new date.")])


class ReplanForm(FlaskForm):
    """One action: re-plan the course from the patient as he now is (issue 14)."""


class CancelForm(FlaskForm):
    scope = SelectField("Cancel", choices=SCOPES, default="one")
    # "1" once the coordinator has seen what the cancellation will cancel and confirmed.
    confirm = HiddenField()
    reason = TextAreaField("Reason", validators=[DataRequired(message="Give a reason for the cancellation."), Length(max=1000)])



class DiscontinueForm(FlaskForm):
    reason = TextAreaField("Why is the order stopped?", validators=[
        DataRequired(message="Give a reason for discontinuing the order."), Length(max=1000)])
