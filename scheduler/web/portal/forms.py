"""The patient's own settings: how to be reminded, and when not to be."""

from __future__ import annotations

from scheduler.web.forms import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, SubmitField, TimeField
from wtforms.validators import AnyOf, InputRequired

from scheduler.web.helpers import choices

CHANNEL_LABELS = [("email", "Email"), ("sms", "Text message"), ("both", "Email and text message"),
                  ("none", "No reminders")]


class PreferencesForm(FlaskForm):
    preferred_channel = SelectField("Remind me by", choices=choices(CHANNEL_LABELS), validators=[InputRequired()])
    email_consent = BooleanField("I agree to receive reminders by email")
    sms_consent = BooleanField("I agree to receive reminders by text message")
    morning_reminder = BooleanField("Also remind me on the morning of a visit")
    quiet_start = TimeField("No messages from", validators=[InputRequired()])
    quiet_end = TimeField("until", validators=[InputRequired()])
    submit = SubmitField("Save")


class DrawnForm(FlaskForm):
    """Sent only by the confirmation page: a stray click on the list cannot mark a draw."""

    confirm = HiddenField(validators=[AnyOf(["yes"], message="Please confirm on the confirmation page.")])
    submit = SubmitField("Yes, my blood was drawn")


class UndoDrawnForm(FlaskForm):
    submit = SubmitField("Undo: my blood was not drawn")
