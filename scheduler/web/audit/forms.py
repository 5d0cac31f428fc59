"""The audit log filter (a GET form: filtering changes nothing, so no CSRF token)."""

from scheduler.web.forms import FlaskForm
from wtforms import DateField, IntegerField, StringField, SubmitField
from wtforms.validators import NumberRange, Optional, Regexp, ValidationError


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    patient_id = IntegerField("Patient id", validators=[Optional(), NumberRange(min=1, max=2**31 - 1)])
    actor_user_id = IntegerField("User id", validators=[Optional(), NumberRange(min=1, max=2**31 - 1)])
    action = StringField(
        "Action",
        validators=[Optional(), Regexp(r"^[a-z_]{1,40}$", message="An action is lower-case letters and _, e.g. read.")],
    )
    date_from = DateField("From (agency date)", validators=[Optional()])
    date_to = DateField("To (agency date, inclusive)", validators=[Optional()])
    submit = SubmitField("Filter")

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("The end date is before the start date.")
