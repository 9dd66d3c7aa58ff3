"""/healthz says 503 in time when the database accepts connections but never answers."""

import socket
import threading

from dispatch import create_app
from dispatch.extensions import db


class SilentServer:
    """A TCP server on loopback that accepts every connection and never says a word."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        self.closed = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.closed.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)

    def close(self):
        self.closed.set()
        self.sock.close()
        for conn in self.held:
            conn.close()


def test_healthz_answers_503_when_the_database_never_answers():
    server = SilentServer()
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "DATABASE_URL": f"postgresql://nobody@127.0.0.1:{server.port}/stuck",
            "SMS_BACKEND": "console",
            # Longer than the bound below: the answer must not wait for the connection to give up.
            "DB_CONNECT_TIMEOUT_S": 120.0,
        }
    )
    answers: list = []
    probe = threading.Thread(target=lambda: answers.append(app.test_client().get("/healthz")), daemon=True)
    try:
        probe.start()
        # A bound so that a hanging probe fails the test instead of hanging it (not a timing).
        probe.join(30)
        assert answers, "/healthz did not answer"
        assert answers[0].status_code == 503
        assert answers[0].get_json()["database"] == "unreachable"
    finally:
        server.close()
        with app.app_context():
            db.engine.dispose()
