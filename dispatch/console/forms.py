"""The console's forms (every one carries a CSRF token through Flask-WTF)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import FloatField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional


class TransitionForm(FlaskForm):
    action = HiddenField(validators=[DataRequired()])
    version = IntegerField(validators=[Optional()])
    note = StringField(validators=[Optional(), Length(max=500)])


class HandoverForm(FlaskForm):
    to_user = SelectField(coerce=int)
    reason = StringField(validators=[DataRequired(), Length(max=500)])
    version = IntegerField(validators=[Optional()])


class NoteForm(FlaskForm):
    text = TextAreaField(validators=[DataRequired(), Length(max=2000)])


class MessageForm(FlaskForm):
    body = TextAreaField(validators=[DataRequired(), Length(max=300)])


class PinForm(FlaskForm):
    lat = FloatField(validators=[InputRequired(), NumberRange(-90, 90)])
    lon = FloatField(validators=[InputRequired(), NumberRange(-180, 180)])
    version = IntegerField(validators=[Optional()])


class LeaveForm(FlaskForm):
    #: datetime-local, read in the configured zone.
    until = StringField(validators=[DataRequired()])
    #: 0 or empty: nobody. roster.set_leave checks it belongs to the organisation.
    substitute = IntegerField(validators=[Optional()])


class DutyForm(FlaskForm):
    status = StringField(validators=[AnyOf(["on_duty", "off_duty"])])


class SubstituteForm(FlaskForm):
    substitute = IntegerField(validators=[Optional()])


class PositionForm(FlaskForm):
    lat = FloatField(validators=[InputRequired(), NumberRange(-90, 90)])
    lon = FloatField(validators=[InputRequired(), NumberRange(-180, 180)])
