"""A TCP proxy on loopback that can slow, stall or cut the connections it carries — for fault tests
that keep PostgreSQL reachable but unreliable. Only ever listens on and connects to 127.0.0.1."""

from __future__ import annotations

import contextlib
import select
import socket
import threading
import time


class FaultProxy:
    """127.0.0.1:<port> → 127.0.0.1:<upstream_port>.

    ``delay_s`` holds every chunk that long before passing it on; ``stall()`` holds everything
    (the peer sees a connection that accepts and never answers) until ``resume()``; ``drop()``
    cuts every open connection (as a lost network or a restarted server would).
    """

    def __init__(self, upstream_port: int):
        self.upstream = ("127.0.0.1", upstream_port)
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.delay_s = 0.0
        self._flowing = threading.Event()
        self._flowing.set()
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        threading.Thread(target=self._accept, name="fault-proxy", daemon=True).start()

    def stall(self) -> None:
        self._flowing.clear()

    def resume(self) -> None:
        self._flowing.set()

    def drop(self) -> None:
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for pair in pairs:
            for sock in pair:
                _close(sock)

    def close(self) -> None:
        self._closed.set()
        self._flowing.set()
        _close(self.listener)
        self.drop()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                _close(client)
                continue
            with self._lock:
                self._pairs.append((client, server))
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while not self._closed.is_set():
                ready, _, _ = select.select([src], [], [], 0.2)
                if not ready:
                    continue
                chunk = src.recv(65536)
                if not chunk:
                    break
                while not self._flowing.wait(0.2):
                    if self._closed.is_set():
                        return
                if self.delay_s:
                    time.sleep(self.delay_s)
                dst.sendall(chunk)
        except (OSError, ValueError):
            pass
        finally:
            _close(src)
            _close(dst)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
