"""`dispatch bench …`: commands that measure and print figures (never timed assertions in tests).

Each benchmark is a module here adding a subcommand to ``bench``. Each drives the code a user's
request drives (over HTTP where the user uses HTTP, signed where Twilio signs, with the demo
organisations loaded), prints the machine's load with its figures and, under them, one line
beginning "not covered:"; ``--json`` prints one JSON object of the figures instead.
"""

from __future__ import annotations

import os
import tempfile

import click


@click.group("bench")
def bench() -> None:
    """Measure throughput and latency; prints the machine's cores and the processes it ran."""


def demo_database(database_url: str | None):
    """An app on ``database_url`` (default: a new temporary SQLite file), migrated, with the demo
    organisations loaded; refuses a database that already holds data. Returns the app and the
    county's organisation id; the caller works inside ``app.app_context()``."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from dispatch import create_app
    from dispatch.auth.models import Organisation
    from dispatch.demo import load_demo
    from dispatch.extensions import db

    if not database_url:
        database_url = f"sqlite:///{os.path.join(tempfile.mkdtemp(prefix='dispatch-bench-'), 'bench.db')}"
    app = create_app({"DATABASE_URL": database_url, "DEMO_LOAD_WHEN_EMPTY": False, "TESTING": True})
    with app.app_context():
        upgrade()
        if db.session.scalar(sa.text("SELECT count(*) FROM organisation")):
            raise click.ClickException("--database-url must name an empty (or new) database")
        load_demo(db.session, with_reports=False)
        db.session.commit()
        org_id = db.session.scalar(sa.select(Organisation.id).where(Organisation.code == "xinye"))
        db.session.remove()
    return app, org_id


def analyze(tables: str = "") -> None:
    """Refresh the planner's statistics after a bulk fill, as a DBA would before measuring."""
    import sqlalchemy as sa

    from dispatch.extensions import db

    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(f"VACUUM ANALYZE {tables}")
    else:
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
