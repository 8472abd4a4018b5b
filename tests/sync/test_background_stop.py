"""sync/background.py: a request stuck on a server that never answers (plain and TLS) ends as soon
as its StopSignal is set, a back-off pause too, and a stopped signal refuses new requests."""

from __future__ import annotations

import socket
import ssl
import threading
from pathlib import Path

import pytest
from synchelp import self_signed

from sync.background import Stopped, StopSignal, check_server, normalise_server, stoppable
from sync.transport import Transport

HANG_LIMIT = 30  # seconds: only a hang detector; the server holds the answer far longer


class SilentServer:
    """Accepts connections (TLS optional), reads the request and never answers."""

    def __init__(self, tls: tuple[Path, Path] | None = None) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.ctx = None
        if tls:
            self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.ctx.load_cert_chain(*tls)
        self.got_request = threading.Event()
        self.release = threading.Event()
        self.conns: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def url(self) -> str:
        return f"{'https' if self.ctx else 'http'}://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._hold, args=(conn,), daemon=True).start()

    def _hold(self, conn: socket.socket) -> None:
        try:
            if self.ctx:
                conn = self.ctx.wrap_socket(conn, server_side=True)
            self.conns.append(conn)
            conn.recv(65536)
            self.got_request.set()
            self.release.wait(120)
        except (OSError, ssl.SSLError):
            pass
        finally:
            conn.close()

    def close(self) -> None:
        self.release.set()
        self.sock.close()


def _call_in_thread(fn) -> tuple[threading.Thread, list[BaseException]]:  # type: ignore[no-untyped-def]
    errors: list[BaseException] = []

    def run() -> None:
        try:
            fn()
        except BaseException as e:  # noqa: BLE001 - inspected by the test
            errors.append(e)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t, errors


@pytest.mark.parametrize("tls", [False, True], ids=["http", "tls"])
def test_stop_ends_a_read_that_would_wait_forever(tls: bool, tmp_path: Path) -> None:
    cert = self_signed(tmp_path) if tls else None
    server = SilentServer(cert)
    try:
        stop = StopSignal()
        t = stoppable(Transport(server.url, "token", str(cert[0]) if cert else None,
                                timeout=(10, 300)), stop)  # fmt: skip
        thread, errors = _call_in_thread(lambda: t.call("GET", "/sync/pull"))
        assert server.got_request.wait(HANG_LIMIT)
        assert thread.is_alive()  # really waiting for the answer
        stop.stop()
        thread.join(HANG_LIMIT)
        assert not thread.is_alive(), "the read did not end when stopped"
        assert len(errors) == 1 and isinstance(errors[0], Stopped)
        assert str(errors[0]) == "同步已停止"
    finally:
        server.close()


def test_stop_ends_a_back_off_pause_and_refuses_new_requests() -> None:
    stop = StopSignal()
    t = stoppable(Transport("http://127.0.0.1:9", attempts=3, backoff=500.0), stop)
    thread, errors = _call_in_thread(lambda: t.pause(500))
    stop.stop()
    thread.join(HANG_LIMIT)
    assert not thread.is_alive() and isinstance(errors[0], Stopped)
    with pytest.raises(Stopped):
        t.call("GET", "/health")
    with stop.session() as http, pytest.raises(Stopped):
        http.get("http://127.0.0.1:9/")


def test_server_check_and_address_messages(tmp_path: Path) -> None:
    from app.errors import InvalidInput

    with pytest.raises(InvalidInput, match="县平台地址.*https://"):
        normalise_server("192.168.1.10:8443")
    with pytest.raises(InvalidInput, match="县平台地址.*不能为空"):
        normalise_server("  ")
    assert normalise_server(" https://county.example:8443/ ") == "https://county.example:8443"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    assert "无法连接县平台" in check_server(f"http://127.0.0.1:{closed}", None, StopSignal())
    assert "找不到证书文件" in check_server(
        "https://127.0.0.1:1", str(tmp_path / "no.pem"), StopSignal()
    )
    cert = self_signed(tmp_path)
    server = SilentServer(cert)  # TLS with a certificate the client was not given
    try:
        assert "证书" in check_server(server.url, None, StopSignal(), timeout=5)
    finally:
        server.close()
