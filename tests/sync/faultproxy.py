"""A TCP proxy between a client and the county server that can hold or cut a chosen request, so
tests can kill the client or break the connection at exact points of a sync."""

from __future__ import annotations

import socket
import threading


def _read_request(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    # One request per connection keeps the proxy simple; the client reconnects as needed.
    head = (
        b"\r\n".join(
            line for line in head.split(b"\r\n") if not line.lower().startswith(b"connection:")
        )
        + b"\r\nConnection: close"
    )
    return head + b"\r\n\r\n" + body


class FaultProxy:
    def __init__(self, upstream_port: int) -> None:
        self.upstream = ("127.0.0.1", upstream_port)
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.lock = threading.Lock()
        self.rule: tuple[str, int, str] | None = None  # (path part, nth, action)
        self.seen: dict[str, int] = {}
        self.triggered = threading.Event()
        self.release = threading.Event()
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def arm(self, path_part: str, nth: int, action: str) -> None:
        """action: hold_request (never forwarded), hold_response (server done, client waits),
        cut_response (half the response, then the connection drops)."""
        with self.lock:
            self.rule, self.seen = (path_part, nth, action), {}
            self.triggered.clear()
            self.release.clear()

    def disarm(self) -> None:
        with self.lock:
            self.rule = None
        self.release.set()

    def close(self) -> None:
        self.closed = True
        self.release.set()
        self.sock.close()

    def _accept(self) -> None:
        while not self.closed:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(client,), daemon=True).start()

    def _action(self, request: bytes) -> str:
        line = request.split(b"\r\n", 1)[0].decode("latin-1")
        with self.lock:
            if self.rule is None or self.rule[0] not in line:
                return "pass"
            n = self.seen[self.rule[0]] = self.seen.get(self.rule[0], 0) + 1
            return self.rule[2] if n == self.rule[1] else "pass"

    def _handle(self, client: socket.socket) -> None:
        try:
            request = _read_request(client)
            if not request:
                return
            action = self._action(request)
            if action == "hold_request":
                self.triggered.set()
                self.release.wait(60)
                return
            with socket.create_connection(self.upstream) as up:
                up.sendall(request)
                response = b""
                while chunk := up.recv(65536):
                    response += chunk
            if action == "hold_response":
                self.triggered.set()
                self.release.wait(60)
                return
            if action == "cut_response":
                client.sendall(response[: len(response) // 2])
                self.triggered.set()
                return
            client.sendall(response)
        except OSError:
            pass
        finally:
            client.close()
