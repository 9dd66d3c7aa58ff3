"""Every answer carries the security headers; the session cookie its flags (Secure behind https)."""

import pytest

from tests.factories import make_org, make_user


@pytest.fixture
def user(db):
    from dispatch.auth.models import Role

    make_user(make_org("county"), Role.DISPATCHER, username="disp")
    db.commit()


@pytest.mark.parametrize("path", ["/login", "/report", "/healthz", "/open311/v2/services.json"])
def test_pages_and_apis_forbid_framing_and_inline_script(client, path):
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";")[0]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_the_session_cookie_is_httponly_and_samesite(client, auth, user):
    response = auth.login("disp")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # PUBLIC_BASE_URL is http in the tests


def test_the_session_cookie_is_secure_when_the_public_address_is_https(make_app, user):
    app = make_app(PUBLIC_BASE_URL="https://dispatch.example.org")
    response = app.test_client().post("/login", data={"username": "disp", "password": "password123"})
    assert "Secure" in response.headers["Set-Cookie"]


def test_no_template_has_inline_script_or_handlers(repo_root):
    import re

    handler = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
    inline = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.IGNORECASE)
    offenders = [
        str(path.relative_to(repo_root))
        for path in (repo_root / "templates").rglob("*.html")
        if handler.search(path.read_text()) or inline.search(path.read_text())
    ]
    assert offenders == []


def test_a_view_marked_for_scans_takes_a_larger_body_than_the_rest(make_app):
    from dispatch.security import large_upload

    app = make_app(WEB_MAX_CONTENT_LENGTH=1000, WEB_MAX_UPLOAD_LENGTH=5000)

    @large_upload
    def scan():
        from flask import request

        return str(len(request.get_data()))

    app.add_url_rule("/scan-test", "scan_test", scan, methods=["POST"])
    app.add_url_rule("/plain-test", "plain_test", lambda: "ok", methods=["POST"])
    client = app.test_client()
    body = b"x" * 3000
    assert client.post("/scan-test", data=body, content_type="application/octet-stream").get_data() == b"3000"
    assert (
        client.post("/plain-test", data=body, content_type="application/x-www-form-urlencoded").status_code
        == 413
    )
