"""Enrolment sends every record to a server, so only an administrator may do it, only over HTTPS
(plain HTTP to this machine excepted), and the server's certificate is pinned for every later
sync. Issue 12."""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import ssl
from pathlib import Path
from typing import Any

import pytest
from synchelp import free_port, serve_tls

from app.errors import AuthError, InvalidInput
from app.services import residents, users
from app.store import Store
from sync.client import SyncClient, enroll
from sync.transport import CHANGED_CERTIFICATE, SyncError, check_server_url


def test_only_an_administrator_enrolls(county: Any, make_installation: Any) -> None:
    t = county.township()
    inst = make_installation(t + "001")
    users.add(inst.store, "li", "nurse", "nurse-pw-1")
    nurse = Store.open(inst.data_dir, "li", "nurse-pw-1")
    try:
        with pytest.raises(AuthError, match="管理员"):
            enroll(nurse, county.url, county.enroll_code(t + "001"))
    finally:
        nurse.close()
    out = inst.cli("enroll", "--server", county.url, "--code", "ABCD-EFGH-JKLM-NPQR",
                   "--user", "li")  # fmt: skip
    assert out.returncode != 0


@pytest.mark.parametrize("url", ["http://county.example:8000", "http://10.0.0.5", "ftp://x",
                                 "county.example", "http://"])  # fmt: skip
def test_plain_http_is_refused_except_to_this_machine(url: str) -> None:
    with pytest.raises(InvalidInput, match="县平台地址"):
        check_server_url(url)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000", "http://localhost:1", "http://[::1]:80",
                                 "https://county.example", "https://10.0.0.5:8443/"])  # fmt: skip
def test_https_anywhere_and_http_on_this_machine_are_accepted(url: str) -> None:
    assert check_server_url(url) == url.rstrip("/")


def test_the_cli_refuses_plain_http_naming_the_field(county: Any, make_installation: Any) -> None:
    inst = make_installation(county.township() + "001")
    out = inst.cli("enroll", "--server", "http://county.example:8000", "--code", "ABCD-EFGH")
    assert out.returncode == 3 and "县平台地址" in out.stderr and "https" in out.stderr


def _ca_and_leaves(folder: Path, n: int) -> tuple[Path, list[tuple[Path, Path]]]:
    """A county CA and `n` server certificates for 127.0.0.1 signed by it."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "县卫健局 CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=2))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
          .sign(ca_key, hashes.SHA256()))  # fmt: skip
    ca_file = folder / "ca.pem"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    leaves = []
    for i in range(n):
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"县平台{i}")])
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(ca_name)
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=2))
                .add_extension(x509.SubjectAlternativeName(
                    [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
                .sign(ca_key, hashes.SHA256()))  # fmt: skip
        cert_file, key_file = folder / f"leaf{i}.pem", folder / f"leaf{i}.key"
        cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                               serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))  # fmt: skip
        leaves.append((cert_file, key_file))
    return ca_file, leaves


def test_a_replaced_certificate_stops_sync_even_if_the_ca_trusts_it(
    county: Any, make_installation: Any, tmp_path: Path
) -> None:
    if not county.db.startswith("sqlite"):
        pytest.skip("TLS is independent of the database; run once")
    ca, [(cert1, key1), (cert2, key2)] = _ca_and_leaves(tmp_path, 2)
    port = free_port()
    inst = make_installation(county.township() + "001")
    with serve_tls(county.db, port, cert1, key1, ca) as url:
        enroll(inst.store, url, county.enroll_code(inst.area), str(ca))
        residents.add(inst.store, {"name": "严十三", "sex": "1", "birth_date": "1980-01-01"})
        assert SyncClient(inst.store).run()["pushed"] == 1
    pinned = hashlib.sha256(ssl.PEM_cert_to_DER_cert(cert1.read_text())).hexdigest()
    from sync import local

    with inst.store.session() as s:
        assert local.get_state(s, "tls_fingerprint") == pinned
    with serve_tls(county.db, port, cert2, key2, ca):
        residents.add(inst.store, {"name": "严十四", "sex": "1", "birth_date": "1981-01-01"})
        with pytest.raises(SyncError, match="证书与本机注册时记下的不同"):
            SyncClient(inst.store).run()
    assert "重新注册" in CHANGED_CERTIFICATE
