"""The app as `dispatch bench intake` serves it under gunicorn: the real app, plus one bare
endpoint that does nothing, to measure the server itself on the same processes."""

from __future__ import annotations

from flask import Flask

from dispatch import create_app


def create_bench_app() -> Flask:
    app = create_app()

    @app.get("/bench/bare")
    def bare():
        return "ok"

    return app
