"""The calendar-link page's two buttons."""

from __future__ import annotations

from scheduler.web.forms import FlaskForm
from wtforms import SubmitField


class NewFeedForm(FlaskForm):
    submit = SubmitField("Create my calendar link")


class RevokeFeedForm(FlaskForm):
    submit = SubmitField("Turn off my calendar link")
