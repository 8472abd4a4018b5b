#!/usr/bin/env bash
# Builds sqlcipher3's extension module (SQLCipher: the database and its encryption) from the
# project's own source release against the system's libcrypto, for the Linux folder build.
# The registry's Linux wheel links a static OpenSSL into the module (8 MiB stripped); built
# against the shared libcrypto.so.3 that Python's ssl and hashlib already use, it is 2 MiB, and
# its AES and HMAC come from the distribution's OpenSSL, which gets the distribution's security
# updates (docs/decisions/packaging.md, "One OpenSSL"). Same source as the wheel: the sdist of
# the installed version carries SQLCipher's amalgamation (vendor/sqlite3.c) and its setup.py,
# with the same compile options, links -lcrypto when conan (the wheel builders' OpenSSL) is absent.
# Cached by version, Python and OpenSSL; prints the folder to put first on the build's path (it
# holds sqlcipher3/). Usage: bash packaging/linux/build-sqlcipher.sh PYTHON
set -euo pipefail
py="$1"
version="$("$py" -c 'import importlib.metadata as m; print(m.version("sqlcipher3"))')"
abi="$("$py" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')"
ssl="$(openssl version 2>/dev/null | cut -d' ' -f2 || echo unknown)"
cache="${CUNYI_SQLCIPHER_CACHE:-$HOME/.cache/cunyi-sqlcipher}"
out="$cache/$version-$abi-openssl$ssl"
if [ ! -f "$out/done" ]; then
  [ -f /usr/include/openssl/evp.h ] || {
    echo "build-sqlcipher: OpenSSL's headers are missing (Debian: apt-get install libssl-dev)" >&2
    exit 1
  }
  work="$(mktemp -d "${TMPDIR:-/tmp}/cunyi-sqlcipher.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  # A build environment of its own: setuptools and wheel, and not conan, so that setup.py links
  # the system's libcrypto instead of fetching an OpenSSL to link statically.
  "$py" -m venv "$work/venv" >&2
  "$work/venv/bin/python" -m pip install -q "setuptools>=69" wheel >&2
  "$work/venv/bin/python" -m pip wheel -q --no-build-isolation --no-deps --no-binary sqlcipher3 \
    "sqlcipher3==$version" -w "$work/wheel" >&2
  rm -rf "$out" && mkdir -p "$out/site"
  "$work/venv/bin/python" -m zipfile -e "$work"/wheel/sqlcipher3-*.whl "$out/site" >&2
  module="$(ls "$out"/site/sqlcipher3/_sqlite3*.so)"
  strip --strip-unneeded "$module"
  readelf -d "$module" | grep -q 'NEEDED.*\[libcrypto.so.3\]' || {
    echo "build-sqlcipher: $module does not link the system's libcrypto.so.3" >&2
    exit 1
  }
  touch "$out/done"
fi
echo "$out/site"
