"""Re-plan forms: an absence for a nurse chosen from a list (the calendar's way in), and the
rows of a proposal to apply."""

from __future__ import annotations

from wtforms import SelectField, SelectMultipleField, SubmitField
from wtforms.validators import ValidationError

from scheduler.web.forms import FlaskForm
from scheduler.web.nurses.forms import AbsenceForm


class _NurseSelect(SelectField):
    def pre_validate(self, form):
        if self.data not in {choice.value for choice in self.choices}:
            raise ValidationError("Choose the nurse from the list.")


class NewAbsenceForm(AbsenceForm):
    nurse_id = _NurseSelect("Nurse", coerce=int)


class ApplyForm(FlaskForm):
    """The rows to apply: checkboxes named visit_ids; "Apply all" ignores them."""

    visit_ids = SelectMultipleField(coerce=int, validate_choice=False)
    apply_chosen = SubmitField("Apply the chosen rows")
    apply_all = SubmitField("Apply all rows")


class ProposeForm(FlaskForm):
    submit = SubmitField("Propose a re-plan")


class OptimiseForm(FlaskForm):
    submit = SubmitField("Optimise this day")
