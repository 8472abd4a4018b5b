"""Helpers for the sync tests: the county server process, installations, comparisons."""

from __future__ import annotations

import contextlib
import itertools
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import requests

os.environ.setdefault("CUNYI_KDF_COST", "test")  # fast key wrapping: tests make many installations
os.environ.setdefault("CUNYI_SYNC_BACKOFF", "0.05")

ROOT = Path(__file__).resolve().parents[2]
COUNTY = "110105"  # 北京市朝阳区 (a real GB/T 2260 code: installations check it)
USER, PASSWORD = "admin", "secret123"
_townships = itertools.count(100)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def postgres_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


def cli(*args: str, timeout: float = 120, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "app", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "PYTHONPATH": str(ROOT), **env})  # fmt: skip


class County:
    """The county server process and direct access to its database for setting up institutions."""

    def __init__(self, db: str, workdir: Path) -> None:
        self.db = db
        self.workdir = workdir
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0
        from sync.server.db import make_engine, sessions

        self.engine = make_engine(db)
        self.sessions = sessions(self.engine)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def api(self, path: str) -> str:
        return f"{self.url}/api/v1{path}"

    def start(self, port: int | None = None, args: tuple[str, ...] = ()) -> None:
        """Start the server (on `port`, e.g. the one it had before a stop, else a free one);
        `args` are more `cunyi county serve` options."""
        self.port = port or free_port()
        if "--auth-failures" not in args:
            # Every test calls from 127.0.0.1 and the counts are shared through the database:
            # a session's worth of deliberate bad tokens (the OpenAPI fuzz's too) must not lock
            # the later tests out. The back-off itself is tested on its own servers.
            args = ("--auth-failures", "1000000", *args)
        log = open(self.workdir / f"server-{self.port}.log", "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "app", "county", "serve", "--db", self.db, "--port", str(self.port), *args],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(self.api("/health"), timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                time.sleep(0.1)
            assert self.proc.poll() is None, (self.workdir / f"server-{self.port}.log").read_text()
        raise RuntimeError("county server did not start")

    @property
    def log(self) -> Path:
        return self.workdir / f"server-{self.port}.log"

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None

    def township(self) -> str:
        """A fresh township (9 digits) with its hospital and two village clinics, per test."""
        from sync.server import admin

        t = f"{COUNTY}{next(_townships):03d}"
        with self.sessions() as s, s.begin():
            admin.add_institution(s, t + "000", "测试乡镇卫生院", "township")
            admin.add_institution(s, t + "001", "一村卫生室", "village")
            admin.add_institution(s, t + "002", "二村卫生室", "village")
        return t

    def enroll_code(self, area: str) -> str:
        from sync.server import admin

        with self.sessions() as s, s.begin():
            return admin.new_enroll_code(s, area)[0]

    def query(self, sql: str, **params: Any) -> list[Any]:
        from sqlalchemy import text

        with self.engine.connect() as c:
            return list(c.execute(text(sql), params))


class Installation:
    """One clinic's laptop: a real encrypted data directory, enrolled with the county server."""

    def __init__(self, data_dir: Path, area: str) -> None:
        from app.store import Store

        self.data_dir, self.area = data_dir, area
        store, _ = Store.create(data_dir, area=area, institution_name=f"机构{area[-3:]}", user=USER,
                                password=PASSWORD)  # fmt: skip
        store.close()
        self.store = Store.open(data_dir, USER, PASSWORD)

    def enroll(self, county: County, url: str | None = None) -> None:
        from sync.client import enroll

        enroll(self.store, url or county.url, county.enroll_code(self.area))

    def sync(self) -> dict[str, Any]:
        from sync.client import SyncClient

        return SyncClient(self.store).run()

    def env(self) -> dict[str, str]:
        return {
            "CUNYI_DATA_DIR": str(self.data_dir),
            "CUNYI_USER": USER,
            "CUNYI_PASSWORD": PASSWORD,
        }

    def cli(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return cli(*args, timeout=timeout, **self.env())

    def close(self) -> None:
        self.store.close()


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"


def chinese_name(i: int) -> str:
    """Distinct names without digits (names with digits are refused)."""
    return SURNAMES[i % 20] + GIVEN[(i // 20) % 25] + GIVEN[(i // 500) % 25]


def add_residents(store: Any, n: int, start: int = 0, household_size: int = 0) -> list[str]:
    """`n` residents; with `household_size`, grouped in households of that many (labelled "户<k>")."""
    from app.services import residents

    out = []
    for i in range(start, start + n):
        data = {"name": chinese_name(i), "sex": "2", "birth_date": f"19{40 + i % 50}-0{1 + i % 9}-1{i % 9}",
                "phone": f"138{i:08d}"}  # fmt: skip
        if household_size:
            data["household"] = f"户{i // household_size}"
        out.append(residents.add(store, data, allow_similar=True)["uuid"])
    return out


def server_residents(county: County, prefix: str) -> dict[str, dict[str, Any]]:
    import json

    rows = county.query(
        "SELECT uuid, data FROM entity WHERE kind = 'resident' AND area LIKE :p", p=prefix + "%"
    )
    return {u: _set(json.loads(d) if isinstance(d, str) else d) for u, d in rows}


def _set(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def local_residents(store: Any) -> dict[str, dict[str, Any]]:
    from sqlalchemy import select

    from app.db.models import Resident
    from app.services.residents import snapshot

    with store.session() as s:
        return {r.uuid: _set(snapshot(r)) for r in s.scalars(select(Resident))}


def server_households(county: County, prefix: str) -> dict[str, dict[str, Any]]:
    import json

    rows = county.query(
        "SELECT uuid, data FROM entity WHERE kind = 'household' AND area LIKE :p", p=prefix + "%"
    )
    return {u: _set(json.loads(d) if isinstance(d, str) else d) for u, d in rows}


def local_households(store: Any) -> dict[str, dict[str, Any]]:
    from sqlalchemy import select

    from app.db.models import Household
    from app.services.households import snapshot

    with store.session() as s:
        return {h.uuid: _set(snapshot(h)) for h in s.scalars(select(Household))}


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (the county's own CA, as a county would use)."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "县级同步服务器")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))  # fmt: skip
    return cert_file, key_file


@contextlib.contextmanager
def tls_server(db: str, folder: Path) -> Iterator[tuple[str, Path]]:
    """The county database `db` served over TLS with its own CA: (url, CA certificate file)."""
    cert, key = self_signed(folder)
    with serve_tls(db, free_port(), cert, key, cert) as url:
        yield url, cert


@contextlib.contextmanager
def serve_tls(db: str, port: int, cert: Path, key: Path, ca: Path) -> Iterator[str]:
    """`cunyi county serve` on 127.0.0.1:`port` with this certificate, until the block ends."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "county", "serve", "--db", db, "--port", str(port),
         "--tls-cert", str(cert), "--tls-key", str(key)],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"https://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                requests.get(url + "/api/v1/health", verify=str(ca), timeout=1)
                break
            except requests.RequestException:
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)
