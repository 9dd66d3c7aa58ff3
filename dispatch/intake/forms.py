"""Input of the intake pages (public report form, phone-in, calls-and-letters log)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    HiddenField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

LAT = [Optional(), NumberRange(-90, 90, message=_l("Latitude must be between -90 and 90."))]
LON = [Optional(), NumberRange(-180, 180, message=_l("Longitude must be between -180 and 180."))]


class NumberField(DecimalField):
    """A decimal number, finite, with a plain message when it is not one."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(_l("Not a number.")) from None
        if self.data is not None and not self.data.is_finite():
            self.data = None
            raise ValueError(_l("Not a number."))


class PlaceFields:
    address = StringField(_l("Address or landmark"), validators=[Optional(), Length(max=300)])
    lat = NumberField(_l("Latitude"), places=None, validators=LAT)
    lon = NumberField(_l("Longitude"), places=None, validators=LON)


class PublicReportForm(PlaceFields, FlaskForm):
    """The citizens' web form. ``service`` is ``org_code:type_code``."""

    service = SelectField(_l("What is the problem?"), validators=[DataRequired()])
    description = TextAreaField(_l("Describe it"), validators=[Optional(), Length(max=4000)])
    reporter_name = StringField(_l("Your name"), validators=[Optional(), Length(max=120)])
    reporter_phone = StringField(_l("Your phone (for the acknowledgement)"), validators=[Optional()])
    #: "device" when "use my location" filled the coordinates (a phone's fix), else a pin typed in.
    place_source = HiddenField(default="pin")
    vin = StringField(_l("Vehicle VIN (coach owners)"), validators=[Optional(), Length(max=40)])


class PhoneInForm(PlaceFields, FlaskForm):
    """A report taken on the phone by a dispatcher."""

    type_code = SelectField(_l("Type"), validators=[DataRequired()])
    reporter_phone = StringField(_l("Caller's number"), validators=[Optional()])
    reporter_name = StringField(_l("Caller's name"), validators=[Optional(), Length(max=120)])
    language = SelectField(
        _l("Caller's language"),
        choices=[SelectChoice("zh", "中文"), SelectChoice("en", "English")],
        default="zh",
    )
    account = StringField(_l("Meter account or VIN"), validators=[Optional(), Length(max=40)])
    severity = SelectField(
        _l("Severity"),
        choices=[
            SelectChoice("", "—"),
            SelectChoice("minor", _l("minor")),
            SelectChoice("major", _l("major")),
        ],
        validators=[Optional()],
        default="",
    )
    needs_supplier = BooleanField(_l("A parts supplier must be involved"))
    description = TextAreaField(_l("What the caller says"), validators=[Optional(), Length(max=4000)])

    #: The account field's label by the question the organisation's types ask.
    ACCOUNT_LABELS = {"vin": _l("VIN"), "account": _l("Meter account")}

    def fit_to(self, asks) -> None:
        """Only the fields the organisation's types ask about, labelled as they ask (a coach
        maker's phone-in asks for a VIN and a supplier, never a leak's severity)."""
        names = [q for q in ("account", "vin") if asks(q)]
        if names:
            self.account.label.text = " / ".join(str(self.ACCOUNT_LABELS[q]) for q in names)
        self.show = {
            "account": bool(names),
            "severity": asks("severity"),
            "needs_supplier": asks("needs_supplier"),
        }


class CallLogForm(FlaskForm):
    kind = SelectField(
        _l("Kind"), choices=[SelectChoice("call", _l("Call")), SelectChoice("letter", _l("Letter"))]
    )
    received_at = DateTimeLocalField(_l("Received"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    correspondent = StringField(_l("From"), validators=[DataRequired(), Length(max=200)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=300)])
    subject = StringField(_l("Subject"), validators=[DataRequired(), Length(max=200)])
    content = TextAreaField(_l("Content"), validators=[Optional(), Length(max=10000)])


class ReplyForm(FlaskForm):
    reply = TextAreaField(_l("Reply"), validators=[DataRequired(), Length(max=10000)])
