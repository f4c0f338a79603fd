#!/usr/bin/env bash
# Installs the pgvector extension into the machine's Debian PostgreSQL, idempotently.
# Why build it: bookworm has no postgresql-15-pgvector binary package, so this follows the tested recipe in
# ../shared/research/deps.md ("pgvector recipe"): build Debian's own pgvector *source* package (trixie) against
# postgresql-server-dev. Fast (no apt, no network) when vector.so and vector.control are already installed.
# The temporary deb-src list is always removed again (trap), and apt's lists refreshed without it.
set -euo pipefail

PG_MAJOR="${PG_MAJOR:-$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1)}"
[ -n "$PG_MAJOR" ] || { echo "setup-pgvector: no PostgreSQL server under /usr/lib/postgresql" >&2; exit 1; }
PG_CONFIG="/usr/lib/postgresql/$PG_MAJOR/bin/pg_config"
LIBDIR="/usr/lib/postgresql/$PG_MAJOR/lib"
EXTDIR="/usr/share/postgresql/$PG_MAJOR/extension"

if [ -f "$LIBDIR/vector.so" ] && [ -f "$EXTDIR/vector.control" ]; then
  echo "pgvector already installed for PostgreSQL $PG_MAJOR ($(sed -n "s/^default_version = '\(.*\)'/\1/p" "$EXTDIR/vector.control"))"
  exit 0
fi

SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
SRC_LIST=/etc/apt/sources.list.d/ladder-pgvector-src.sources
WORK="$(mktemp -d)"
cleanup() {
  rc=$?
  if [ -f "$SRC_LIST" ]; then
    $SUDO rm -f "$SRC_LIST"
    $SUDO apt-get update -qq || true
  fi
  rm -rf "$WORK"
  exit $rc
}
trap cleanup EXIT

echo "== pgvector: temporary trixie deb-src list"
# The same mirror and keyring as the machine's own list, for source packages only.
URIS="$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources | grep -v security | head -1)"
SIGNED="$(sed -n 's/^Signed-By: *//p' /etc/apt/sources.list.d/debian.sources | head -1)"
printf 'Types: deb-src\nURIs: %s\nSuites: trixie\nComponents: main\nSigned-By: %s\n' \
  "${URIS:-http://deb.debian.org/debian}" "${SIGNED:-/usr/share/keyrings/debian-archive-keyring.gpg}" | $SUDO tee "$SRC_LIST" >/dev/null
$SUDO apt-get update -qq

echo "== pgvector: build dependencies"
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "postgresql-server-dev-$PG_MAJOR" dpkg-dev >/dev/null

echo "== pgvector: source package"
cd "$WORK"
apt-get source --download-only pgvector >/dev/null
dpkg-source -x pgvector_*.dsc pgvector >/dev/null

echo "== pgvector: build and install"
# OPTFLAGS="" avoids -march=native, so the .so is portable across CPUs.
make -s -C pgvector PG_CONFIG="$PG_CONFIG" OPTFLAGS="" -j2 >/dev/null
$SUDO make -s -C pgvector PG_CONFIG="$PG_CONFIG" install >/dev/null
echo "pgvector installed for PostgreSQL $PG_MAJOR"
