import pytest

from dispatch import clock


@pytest.fixture
def app(make_app):
    """Intake on its own: orders stop at `queued` (offers are assignment's, tested in tests/assign
    and end to end in tests/test_flow.py)."""
    from dispatch.extensions import db as _db
    from tests.conftest import _empty_all_tables

    app = make_app(ASSIGN_AUTO_DISPATCH=False)
    with app.app_context():
        yield app
        _db.session.remove()
        _empty_all_tables(_db.engine)
    clock.unfreeze()
