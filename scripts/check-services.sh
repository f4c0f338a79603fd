#!/usr/bin/env bash
# Says whether the services the tests use answer: Redis (the worker queue's tests) and PostgreSQL (the shared
# store's tests). CI runs it first, so a missing service reads as that, not as a test timing out.
#   LADDER_REDIS_HOST/PORT (default 127.0.0.1:6379), LADDER_PG_HOST/PORT (default 127.0.0.1:5432)
set -uo pipefail
redis_host="${LADDER_REDIS_HOST:-127.0.0.1}"; redis_port="${LADDER_REDIS_PORT:-6379}"
pg_host="${LADDER_PG_HOST:-127.0.0.1}"; pg_port="${LADDER_PG_PORT:-5432}"
failed=0

# Redis: PING over a plain TCP socket must answer +PONG.
if reply=$(timeout 3 bash -c "exec 3<>/dev/tcp/$redis_host/$redis_port && printf 'PING\r\n' >&3 && head -c 5 <&3" 2>/dev/null) && [[ "$reply" == "+PONG" ]]; then
  echo "redis      $redis_host:$redis_port answers PING"
else
  echo "redis      $redis_host:$redis_port DOES NOT ANSWER: the worker tests (src/distributed) need it; start redis-server (or: docker compose up -d redis)" >&2
  failed=1
fi

# PostgreSQL: pg_isready when installed, else a TCP connect.
if command -v pg_isready >/dev/null 2>&1; then
  if pg_isready -q -h "$pg_host" -p "$pg_port" -t 3; then echo "postgres   $pg_host:$pg_port accepts connections"; else pg_down=1; fi
elif timeout 3 bash -c "exec 3<>/dev/tcp/$pg_host/$pg_port" 2>/dev/null; then
  echo "postgres   $pg_host:$pg_port accepts TCP connections"
else
  pg_down=1
fi
if [ -n "${pg_down:-}" ]; then
  echo "postgres   $pg_host:$pg_port DOES NOT ANSWER: the shared-store tests (src/store/postgres) need it; start PostgreSQL (or: docker compose up -d postgres)" >&2
  failed=1
fi
exit $failed
