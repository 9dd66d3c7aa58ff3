"""Behind a reverse proxy (``trusted_proxies``): each citizen keeps a rate limit of their own."""

from __future__ import annotations

PHONE = "13800000000"


def _lookups(client, address: str, times: int) -> list[int]:
    return [
        client.get(
            "/status",
            query_string={"reference": "WO-2026-999999", "phone": PHONE},
            headers={"X-Forwarded-For": address},
        ).status_code
        for _ in range(times)
    ]


def test_behind_a_trusted_proxy_each_client_address_has_its_own_limit(make_app, db):
    client = make_app(
        RATELIMIT_ENABLED=True, INTAKE_STATUS_LIMIT="2 per minute", TRUSTED_PROXIES=1
    ).test_client()
    assert _lookups(client, "203.0.113.1", 3) == [404, 404, 429]
    assert _lookups(client, "203.0.113.2", 1) == [404]


def test_without_trusted_proxies_a_forwarded_address_is_not_believed(make_app, db):
    client = make_app(RATELIMIT_ENABLED=True, INTAKE_STATUS_LIMIT="2 per minute").test_client()
    assert _lookups(client, "203.0.113.1", 2) == [404, 404]
    assert _lookups(client, "203.0.113.2", 1) == [429]
