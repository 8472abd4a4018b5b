"""Sync as the desktop client runs it: on a thread of its own with its own database connections
(the client's one DB worker stays free for the doctor), and stoppable at any moment, between pages,
in a back-off pause or in the middle of a slow read, so the window closes at once even on a 2G link.

Stopping is safe at every point: each page is applied in one transaction together with its cursor
(sync/client.py), and no transaction is open while a request is on the wire.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from app import roles
from app.errors import InvalidInput
from sync.protocol import API_PREFIX
from sync.transport import SyncError, Transport

if TYPE_CHECKING:
    from app.store import CurrentUser, Store

Report = Callable[[str, int, "int | None"], None]  # phase, done, total (None: not known)


class Stopped(SyncError):
    def __init__(self) -> None:
        super().__init__("同步已停止")


class StopSignal:
    """Set once to stop everything that uses it: waits end, new requests are refused and the
    sockets of requests in flight are shut down (their reads return at once)."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._conns: weakref.WeakSet[HTTPConnection] = weakref.WeakSet()

    @property
    def stopped(self) -> bool:
        return self._event.is_set()

    def stop(self) -> None:
        self._event.set()
        with self._lock:
            conns = list(self._conns)
        for conn in conns:
            sock = conn.sock
            if sock is not None:
                # The plain socket call, also for TLS: it only wakes the blocked reader (an
                # already closed socket raises OSError).
                with contextlib.suppress(OSError):
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)

    def check(self) -> None:
        if self._event.is_set():
            raise Stopped()

    def wait(self, seconds: float) -> None:
        if self._event.wait(seconds):
            raise Stopped()

    def _opened(self, conn: HTTPConnection) -> None:
        with self._lock:
            self._conns.add(conn)
        if self._event.is_set():
            conn.close()
            raise OSError("stopped")

    def session(self) -> requests.Session:
        """A requests session whose connections this signal can shut."""
        signal = self

        class Conn(HTTPConnection):
            def connect(self) -> None:
                super().connect()
                signal._opened(self)

        class TlsConn(HTTPSConnection):
            def connect(self) -> None:
                super().connect()
                signal._opened(self)

        class Pool(HTTPConnectionPool):
            ConnectionCls = Conn

        class TlsPool(HTTPSConnectionPool):
            ConnectionCls = TlsConn

        class Adapter(HTTPAdapter):
            def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
                super().init_poolmanager(*args, **kwargs)
                self.poolmanager.pool_classes_by_scheme = {"http": Pool, "https": TlsPool}

            def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:
                signal.check()
                return super().send(request, *args, **kwargs)

        http = requests.Session()
        http.mount("http://", Adapter())
        http.mount("https://", Adapter())
        return http


def stoppable(t: Transport, stop: StopSignal) -> Transport:
    t.http = stop.session()
    t.pause = stop.wait  # type: ignore[method-assign]
    return t


# -- the installation, opened a second time --------------------------------------------------


@dataclass(frozen=True)
class Opener:
    """What a second Store on the same installation needs; taken from the logged-in store on the
    DB worker, so the sync thread never touches that store."""

    data_dir: Path
    keyfile: Any
    data_key: bytes
    user: CurrentUser
    query_hook: Callable[[], None] | None = None

    @classmethod
    def of(cls, store: Store, query_hook: Callable[[], None] | None = None) -> Opener:
        return cls(store.data_dir, store.keyfile, store.data_key, store.user, query_hook)

    def open(self) -> Store:
        # Its own engine, so its own SQLCipher connections: WAL lets the doctor's reads go on
        # while a page is written, and a save waits (busy_timeout) for at most one page.
        from app import paths
        from app.db.engine import make_engine
        from app.store import Store

        engine = make_engine(paths.db_path(self.data_dir), self.data_key)
        store = Store(self.data_dir, self.keyfile, engine, self.user, self.data_key)
        store.query_hook = self.query_hook
        return store


# -- the county server -----------------------------------------------------------------------


def normalise_server(text: str) -> str:
    from sync.transport import check_server_url

    return check_server_url(text)


def check_server(
    server: str, ca_cert: str | None, stop: StopSignal, timeout: float = 5.0
) -> str | None:
    """None when the county server answers its health check, else why not (Chinese)."""
    if ca_cert and not Path(ca_cert).is_file():
        return f"找不到证书文件 {ca_cert}"
    try:
        with stop.session() as http:
            r = http.get(server.rstrip("/") + API_PREFIX + "/health", timeout=timeout,
                         verify=ca_cert or True)  # fmt: skip
    except requests.exceptions.SSLError:
        return "无法验证县平台的证书：请选择县卫健局提供的 CA 证书文件"
    except requests.RequestException:
        stop.check()
        return f"无法连接县平台（{server}）：请检查地址是否正确、网络是否连通"
    if r.status_code != 200:
        return f"该地址不是县平台，或县平台暂时不可用（HTTP {r.status_code}）"
    return None


def enroll(
    opener: Opener, server: str, code: str, ca_cert: str | None, stop: StopSignal
) -> dict[str, Any]:
    from sync.client import enroll as enroll_store

    server = normalise_server(server)
    if not (code or "").strip():
        raise InvalidInput.field("code", "注册码", "不能为空")
    problem = check_server(server, ca_cert, stop)
    if problem:
        raise SyncError(problem)
    store = opener.open()
    try:
        roles.require(store, "enroll")
        try:
            return enroll_store(store, server, code, ca_cert or None)
        except SyncError as e:
            # "县级服务器拒绝请求（HTTP 403）：注册码已过期…" -> what to do about it
            reason = str(e).split("：", 1)[1] if "HTTP 403" in str(e) else str(e)
            raise SyncError(f"注册失败：{reason}") from None
    finally:
        store.close()


def run(opener: Opener, stop: StopSignal, report: Report) -> dict[str, Any]:
    """One whole sync run (push, pull, drift check); raises Stopped when stopped."""
    from sync.client import SyncClient

    store = opener.open()
    try:
        total = 0

        def progress(phase: str, n: int) -> None:
            stop.check()
            report(phase, n, total if phase == "push" else None)

        client = SyncClient(store, progress)
        stoppable(client.t, stop)
        try:
            total = client.counts()["queue"]
            report("start", 0, total)
            return client.run()
        finally:
            client.t.http.close()
    except Stopped:
        raise
    except Exception as e:
        if stop.stopped:  # the error is the shut socket: say what really happened
            raise Stopped() from e
        raise
    finally:
        store.close()
