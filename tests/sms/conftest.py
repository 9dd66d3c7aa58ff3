"""Tencent Cloud SMS fixtures: the local fake of the provider and an app that sends through it."""

from __future__ import annotations

import pytest

from dispatch.extensions import db as _db
from dispatch.sms.fake_tencent import FakeTencentSms

CALLBACK_SECRET = "cb-" + "7f3a9c1e5d" * 4


@pytest.fixture
def fake_tencent():
    with FakeTencentSms() as fake:
        yield fake


@pytest.fixture
def tencent_app(app, make_app, fake_tencent):
    """The app with SMS_BACKEND=tencent pointed at the fake; ``app`` empties the tables after."""
    sending = make_app(
        SMS_BACKEND="tencent",
        TENCENT_SMS_CALLBACK_SECRET=CALLBACK_SECRET,
        TENCENT_SMS_RECEIPT_WAIT_S=0.0,
        **fake_tencent.config(),
    )
    with sending.app_context():
        yield sending
        _db.session.remove()
