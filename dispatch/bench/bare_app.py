"""The yardstick of the HTTP benchmarks: a bare Flask app whose one endpoint returns "ok",
served by the same gunicorn settings as the application in the same run. Never deployed."""

from flask import Flask

app = Flask(__name__)


@app.route("/bare", methods=["GET", "POST"])
def bare() -> str:
    return "ok"


@app.get("/healthz")
def healthz() -> str:
    return "ok"
