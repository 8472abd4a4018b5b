"""HTTP to the county server: gzip both ways, retries with backoff and full jitter, byte counts."""

from __future__ import annotations

import hashlib
import ipaddress
import os
import random
import ssl
import time
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from app.errors import AuthError, CunyiError, InvalidInput
from sync.protocol import API_PREFIX, gzip_json

RETRY_STATUS = {408, 425, 429, 500, 502, 503, 504}


class SyncError(CunyiError):
    """The server could not be reached or refused the request; str() is Chinese. A refusal
    carries the HTTP status and the server's error code, for callers that handle one."""

    status: int | None = None
    code: str | None = None


CHANGED_CERTIFICATE = ("县平台的证书与本机注册时记下的不同：可能有人冒充县平台。"
                       "如县卫健局确实更换了证书，请管理员重新注册本机")


def check_server_url(text: str) -> str:
    """The county server's address, normalised. Health records travel only over HTTPS; plain
    HTTP is accepted for a server on this machine (tests, a trial on one computer)."""
    server = (text or "").strip().rstrip("/")
    if not server:
        raise InvalidInput.field("server", "县平台地址", "不能为空")
    try:
        parts = urlsplit(server)
        parts.port  # noqa: B018 -- raises for a port out of range or not a number
    except ValueError:  # an unclosed [IPv6] bracket, a bad port
        raise InvalidInput.field("server", "县平台地址", "格式错误（主机名或端口号无效）") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput.field(
            "server", "县平台地址", "须以 https:// 开头，如 https://192.168.1.10:8443"
        )
    if parts.scheme == "http" and not _loopback(parts.hostname):
        raise InvalidInput.field(
            "server", "县平台地址", "须用 https:// 加密连接（http:// 只能用于本机上的服务器）"
        )
    return server


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def peer_fingerprint(server: str, timeout: float = 10.0) -> str:
    """SHA-256 of the certificate the HTTPS server presents now (hex). Not verified here: the
    enrolment request that follows verifies the chain and asserts this very fingerprint."""
    parts = urlsplit(server)
    try:
        pem = ssl.get_server_certificate((parts.hostname or "", parts.port or 443), timeout=timeout)
    except (OSError, ssl.SSLError) as e:
        raise SyncError(f"无法连接县平台（{server}）：{type(e).__name__}") from None
    return hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem)).hexdigest()


class PinnedAdapter(HTTPAdapter):
    """Every HTTPS connection must present the certificate pinned at enrolment (urllib3 checks
    it in addition to the CA chain)."""

    def __init__(self, fingerprint: str) -> None:
        self.fingerprint = fingerprint
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["assert_fingerprint"] = self.fingerprint
        super().init_poolmanager(*args, **kwargs)


class Transport:
    def __init__(
        self,
        server: str,
        token: str | None = None,
        ca_cert: str | None = None,
        *,
        attempts: int | None = None,
        backoff: float | None = None,
        timeout: tuple[float, float] = (10, 60),
        fingerprint: str | None = None,
    ) -> None:
        self.base = server.rstrip("/") + API_PREFIX
        self.token = token
        self.verify: str | bool = ca_cert or True
        self.attempts = attempts or int(os.environ.get("CUNYI_SYNC_ATTEMPTS", "6"))
        self.backoff = (
            backoff if backoff is not None else float(os.environ.get("CUNYI_SYNC_BACKOFF", "1.0"))
        )
        self.cap = 60.0
        self.timeout = timeout
        self.http = requests.Session()
        if fingerprint:
            self.http.mount("https://", PinnedAdapter(fingerprint))
        self.requests = 0
        self.bytes_up = 0
        self.bytes_down = 0

    def _sleep(self, attempt: int, retry_after: str | None) -> None:
        if retry_after and retry_after.isdigit():
            self.pause(min(float(retry_after), self.cap))
            return
        # Full jitter: many clinics coming back after an outage do not all knock at once.
        self.pause(random.uniform(0, min(self.cap, self.backoff * 2**attempt)))

    def pause(self, seconds: float) -> None:
        """The wait between attempts; the desktop client replaces it with one it can stop."""
        time.sleep(seconds)

    def call(
        self, method: str, path: str, body: Any = None, params: dict[str, Any] | None = None
    ) -> Any:
        headers = {"Accept-Encoding": "gzip", "Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = None
        if body is not None:
            data = gzip_json(body)
            headers.update({"Content-Encoding": "gzip", "Content-Type": "application/json"})
        last, retry_after = "未知错误", None
        for attempt in range(self.attempts):
            if attempt:
                self._sleep(attempt - 1, retry_after)
                retry_after = None
            try:
                r = self.http.request(method, self.base + path, data=data, params=params, headers=headers,
                                      timeout=self.timeout, verify=self.verify)  # fmt: skip
                self.requests += 1
                self.bytes_up += len(data or b"") + len(path) + 200
                self.bytes_down += int(r.headers.get("content-length") or len(r.content)) + 150
            except requests.exceptions.SSLError as e:
                if "fingerprint" in str(e).lower():
                    raise SyncError(CHANGED_CERTIFICATE) from None
                raise SyncError(
                    f"无法验证服务器证书（请检查 --ca-cert）：{type(e).__name__}"
                ) from e
            except requests.exceptions.RequestException as e:
                last = f"网络错误（{type(e).__name__}）"
                continue
            if r.status_code in RETRY_STATUS:
                last, retry_after = (
                    f"服务器暂时不可用（HTTP {r.status_code}）",
                    r.headers.get("Retry-After"),
                )
                continue
            try:
                payload = r.json()
            except ValueError:
                last = "服务器响应不完整"
                continue
            if r.status_code == 401:
                raise AuthError(f"县级服务器拒绝了本机：{payload.get('detail', '')}")
            if r.status_code >= 400:
                detail = payload.get("detail") if isinstance(payload, dict) else None
                err = SyncError(f"县级服务器拒绝请求（HTTP {r.status_code}）：{detail or ''}")
                err.status = r.status_code
                err.code = payload.get("error") if isinstance(payload, dict) else None
                raise err
            return payload
        raise SyncError(f"无法与县级服务器通信（已重试 {self.attempts} 次）：{last}")
