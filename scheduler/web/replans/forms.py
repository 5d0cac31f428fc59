"""Re-plan forms: an absence for a nurse chosen from a list (the calendar's way in), and the
rows of a proposal to apply."""

from __future__ import annotations

from wtforms import SelectField
from wtforms.validators import ValidationError

from scheduler.web.nurses.forms import AbsenceForm


class _NurseSelect(SelectField):
    def pre_validate(self, form):
        if self.data not in {choice.value for choice in self.choices}:
            raise ValidationError("Choose the nurse from the list.")


class NewAbsenceForm(AbsenceForm):
    nurse_id = _NurseSelect("Nurse", coerce=int)
