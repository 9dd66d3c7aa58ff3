"""Settings: config/settings.toml first, then environment variables (the environment wins).

The result is a flat dict of upper-case Flask config keys: top-level keys keep their name
(``database_url`` → ``DATABASE_URL``); keys of a table are prefixed with it (``[outbox]
max_attempts`` → ``OUTBOX_MAX_ATTEMPTS``). Any of them can be set from the environment with that
name; values from the environment are converted to the type of the default.
"""

from __future__ import annotations

import os
import secrets
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = ROOT / "config"
INSTANCE_DIR = ROOT / "instance"

#: Names read from the environment even though settings.toml has no default for them.
ENV_ONLY = (
    "SECRET_KEY",
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "TENCENTCLOUD_SECRET_ID",
    "TENCENTCLOUD_SECRET_KEY",
    "TENCENT_SMS_CALLBACK_SECRET",
)


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}".upper()
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}_"))
        else:
            flat[name] = value
    return flat


def _coerce(raw: str, default: Any) -> Any:
    if isinstance(default, bool):
        return raw.strip().lower() in ("1", "true", "yes", "on")
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    return raw


def normalise_database_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` mean psycopg 3; an empty URL means instance/dispatch.db."""
    if not url:
        return f"sqlite:///{INSTANCE_DIR / 'dispatch.db'}"
    for scheme in ("postgresql://", "postgres://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url[len(scheme) :]
    return url


def load(path: Path | None = None, environ: dict[str, str] | None = None) -> dict[str, Any]:
    environ = os.environ if environ is None else environ
    with open(path or CONFIG_DIR / "settings.toml", "rb") as fh:
        values = _flatten(tomllib.load(fh))
    for name, default in list(values.items()):
        if name in environ:
            values[name] = _coerce(environ[name], default)
    for name in ENV_ONLY:
        if environ.get(name):
            values[name] = environ[name]
    values["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(values.get("DATABASE_URL", ""))
    return values


def instance_secret_key() -> str:
    """The demo's generated secret key: made once into instance/secret_key, then reused.

    Only used when SECRET_KEY is not in the environment; there is never a hard-coded fallback.
    """
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    key_file = INSTANCE_DIR / "secret_key"
    if not key_file.exists():
        # O_EXCL: two processes starting together must not each write a different key.
        try:
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
    return key_file.read_text().strip()
