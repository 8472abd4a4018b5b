"""An HTTP proxy on 127.0.0.1 that counts what crosses it: requests, bytes up and bytes down
(status line, headers and body as sent, compressed bodies left compressed). Both sync stacks of
bench_couch.py go through one of these, so their figures are measured the same way."""

from __future__ import annotations

import http.client
import socket
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade", "te"}


class CountingProxy:
    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.lock = threading.Lock()
        self.reset()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive on both sides, as without the proxy

            def log_message(self, *_args: object) -> None:
                pass

            def setup(self) -> None:
                super().setup()
                # Headers and body leave in two writes: with Nagle's algorithm on, the second
                # waits for the client's delayed ACK (40 ms on Linux) and every request through
                # the proxy looked 40 ms slower than it is. Both clients set TCP_NODELAY on
                # their own sockets (urllib3, node), and so does uvicorn.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                up = getattr(self, "_up", None)
                if up is None:
                    up = self._up = http.client.HTTPConnection("127.0.0.1", proxy.upstream_port)
                    up.connect()
                    up.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
                up.request(self.command, self.path, body=body or None, headers=headers)
                r = up.getresponse()
                data = r.read()  # de-chunked, still compressed
                out = [
                    (k, v) for k, v in r.getheaders() if k.lower() not in HOP | {"content-length"}
                ]
                self.send_response_only(r.status, r.reason)
                for k, v in out:
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                # Say what the client asked for (node-fetch asks to close): a client that is not
                # told may reuse a socket this side has closed.
                self.send_header("Connection", "close" if self.close_connection else "keep-alive")
                self.end_headers()
                self.wfile.write(data)
                sent_up = len(self.requestline) + 2 + len(bytes(self.headers)) + len(body)
                head = f"HTTP/1.1 {r.status} {r.reason}\r\n" + "".join(
                    f"{k}: {v}\r\n" for k, v in out
                )
                conn = "close" if self.close_connection else "keep-alive"
                tail = f"Content-Length: {len(data)}\r\nConnection: {conn}\r\n\r\n"
                sent_down = len(head) + len(tail) + len(data)
                proxy._count(self.command, self.path, sent_up, sent_down)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _forward  # noqa: N815

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def reset(self) -> None:
        with self.lock:
            self.requests, self.bytes_up, self.bytes_down = 0, 0, 0
            self.by_endpoint: Counter[str] = Counter()

    def _count(self, method: str, path: str, up: int, down: int) -> None:
        parts = path.split("?", 1)[0].strip("/").split("/")
        endpoint = "_local" if "_local" in parts else parts[-1] if len(parts) > 1 else "(database)"
        with self.lock:
            self.requests += 1
            self.bytes_up += up
            self.bytes_down += down
            self.by_endpoint[f"{method} {endpoint}"] += 1

    def figures(self) -> dict[str, object]:
        with self.lock:
            return {"requests": self.requests, "bytes_up": self.bytes_up,
                    "bytes_down": self.bytes_down, "by_endpoint": dict(self.by_endpoint)}  # fmt: skip

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
