"""Invitation forms: the coordinator's send and revoke buttons, the patient's password form."""

from __future__ import annotations

from scheduler.web.forms import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import EqualTo, InputRequired, Optional

from scheduler.auth.passwords import MIN_PASSWORD_LENGTH
from scheduler.web.helpers import choices


class InviteForm(FlaskForm):
    channel = SelectField("Send the invitation by", choices=choices([("email", "Email"), ("sms", "Text message")]),
                          validate_choice=False)
    submit = SubmitField("Send invitation")


class RevokeForm(FlaskForm):
    submit = SubmitField("Revoke invitation")


class AcceptForm(FlaskForm):
    email = EmailField("Your email (you log in with it)", validators=[InputRequired(message="Enter your email.")])
    password = PasswordField(f"Choose a password (at least {MIN_PASSWORD_LENGTH} characters)",
                             validators=[InputRequired(message="Choose a password.")])
    confirm = PasswordField("The same password again", validators=[
        InputRequired(message="Type the password again."), EqualTo("password", message="The two passwords differ.")])
    submit = SubmitField("Set my password")


class ContactForm(FlaskForm):
    phone = StringField("Mobile phone", validators=[Optional()])
    email = EmailField("Email", validators=[Optional()])
    submit = SubmitField("Save my contact details")
