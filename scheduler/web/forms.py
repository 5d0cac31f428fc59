"""The app's form base class, and the one rule about characters that every text input obeys.

Every form of the app derives from `scheduler.web.forms.FlaskForm` (Flask-WTF's, plus this
rule); `tests/web/test_input_characters.py` fails for a form that does not. Blueprints import
it under the usual name, so a form added to an existing forms module gets it without doing
anything:

    from scheduler.web.forms import FlaskForm

The rules: no integer beyond a 32-bit database column (a forged hidden id would otherwise
overflow the driver: a 500), and no control character (NUL, escape, backspace, ...) and no lone UTF-16 surrogate in
any field. A line break is allowed only in a text area, and a tab anywhere (pasted from a
spreadsheet). Such characters are never typed on purpose: they break CSV exports, log lines,
e-mail headers and PostgreSQL (which refuses NUL in text). The JSON API applies the same rule
through `forbidden_character` (scheduler/web/api/common.py).
"""

from __future__ import annotations

import re

from flask_wtf import FlaskForm as _FlaskForm
from wtforms import TextAreaField
from wtforms.validators import ValidationError

# C0 and C1 control characters (Unicode category Cc) and surrogates (Cs).
_SINGLE_LINE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\ud800-\udfff]")
_MULTI_LINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def forbidden_character(text: str, *, multiline: bool = False) -> str | None:
    """A sentence about the first forbidden character in `text`, or None if there is none."""
    found = (_MULTI_LINE if multiline else _SINGLE_LINE).search(text)
    if found is None:
        return None
    if found.group() in "\r\n":
        return "Use a single line here: a line break cannot be saved in this field."
    return (f"This contains an invisible control character (U+{ord(found.group()):04X}) that cannot be saved; "
            "remove it and send again.")


def no_control_characters(form, field) -> None:
    """A field validator; the base class adds it to every field."""
    multiline = isinstance(field, TextAreaField)
    for raw in field.raw_data or ():
        if isinstance(raw, str):
            problem = forbidden_character(raw, multiline=multiline)
            if problem:
                raise ValidationError(problem)


# Every integer column is a 32-bit integer: a larger number typed or forged into any integer
# field (a hidden id included) is refused here instead of overflowing the database driver.
MAX_INTEGER = 2**31 - 1


def within_database_integers(form, field) -> None:
    """A field validator; the base class adds it to every field."""
    if isinstance(field.data, int) and not isinstance(field.data, bool) and abs(field.data) > MAX_INTEGER:
        raise ValidationError("That number is too large.")


class FlaskForm(_FlaskForm):
    """Flask-WTF's form, refusing control characters and impossible integers in every field."""

    def validate(self, extra_validators=None):
        extra = {name: [no_control_characters, within_database_integers, *(extra_validators or {}).get(name, ())]
                 for name in self._fields}
        return super().validate(extra_validators=extra)
