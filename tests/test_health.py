from datetime import timedelta

from dispatch import clock, create_app
from dispatch.extensions import db
from dispatch.heartbeat import beat


def test_healthz_reports_database_scheduler_and_backend(client, app):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"database": "ok", "scheduler": "off", "sms_backend": "console"}


def test_healthz_scheduler_ok_then_stale(client, app):
    clock.freeze(clock.now())
    beat(db.session, "worker-1", clock.now())
    db.session.commit()
    assert client.get("/healthz").get_json()["scheduler"] == "ok"
    clock.advance(timedelta(minutes=5))
    assert client.get("/healthz").get_json()["scheduler"] == "stale"


def test_healthz_503_when_the_database_is_unreachable(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
            "SMS_BACKEND": "console",
        }
    )
    response = app.test_client().get("/healthz")
    with app.app_context():
        db.engine.dispose()
    assert response.status_code == 503
    assert set(response.get_json()) == {"database", "scheduler", "sms_backend"}
