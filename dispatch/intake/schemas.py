"""The JSON API's input and output, as marshmallow schemas (they also make its OpenAPI document)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class ReportIn(Schema):
    service_code = fields.String(
        required=True, validate=validate.Length(min=1, max=40), metadata={"description": "Report type code"}
    )
    description = fields.String(load_default="", validate=validate.Length(max=4000))
    address = fields.String(
        validate=validate.Length(max=300), metadata={"description": "Address or landmark"}
    )
    lat = fields.Float(validate=validate.Range(-90, 90), allow_nan=False, metadata={"description": "WGS-84"})
    lon = fields.Float(
        validate=validate.Range(-180, 180), allow_nan=False, metadata={"description": "WGS-84"}
    )
    account = fields.String(
        validate=validate.Length(max=40), metadata={"description": "Water-meter account or vehicle VIN"}
    )
    reporter_name = fields.String(validate=validate.Length(max=120))
    reporter_phone = fields.String(validate=validate.Length(max=40))
    language = fields.String(validate=validate.OneOf(["zh", "en"]))
    severity = fields.String(validate=validate.OneOf(["minor", "major"]))
    media_url = fields.Url(schemes={"http", "https"}, validate=validate.Length(max=500))


class LocationOut(Schema):
    lat = fields.Float(required=True)
    lon = fields.Float(required=True)
    source = fields.String(
        required=True, metadata={"description": "given, pin, registry, gazetteer, geocoder:…"}
    )
    precision = fields.String(required=True)
    zone = fields.String(allow_none=True)
    address = fields.String(allow_none=True)


class MilestoneOut(Schema):
    name = fields.String(required=True)
    due_at = fields.DateTime(allow_none=True)
    met_at = fields.DateTime(allow_none=True)


class AcknowledgementOut(Schema):
    text = fields.String(required=True)
    via = fields.String(required=True, metadata={"description": "sms, read_out or shown"})


class ReportOut(Schema):
    reference = fields.String(required=True)
    status = fields.String(required=True)
    service_code = fields.String(required=True)
    channel = fields.String(required=True)
    reported_at = fields.DateTime(required=True)
    expected_at = fields.DateTime(allow_none=True, metadata={"description": "When the request is promised"})
    location = fields.Nested(LocationOut, allow_none=True)
    duplicate_of = fields.String(allow_none=True)
    acknowledgement = fields.Nested(AcknowledgementOut, allow_none=True)
    milestones = fields.List(fields.Nested(MilestoneOut), required=True)


class ErrorOut(Schema):
    code = fields.Integer(required=True)
    status = fields.String(required=True)
    message = fields.String(required=True)
    errors = fields.Dict(keys=fields.String())
