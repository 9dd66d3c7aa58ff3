import pytest


@pytest.fixture(autouse=True)
def _no_auto_dispatch(app):
    # The tests hand each job to a technician themselves.
    app.config["ASSIGN_AUTO_DISPATCH"] = False
