#!/usr/bin/env bash
# shellcheck shell=bash disable=SC2119,SC2120
#
# ops/lib/postgres.sh: private PostgreSQL clusters for TimeBank development,
# tests and benchmarks. The clusters run on their own port, listen on 127.0.0.1
# only and never touch a system-managed cluster (for example Debian's "main"
# cluster on 5432).
#
# Source it from another bash script:
#
#   source "$repo/ops/lib/postgres.sh"
#   pg_ensure_binaries
#   pg_start_private "$TIMEBANK_REPO_ROOT/.data/postgres" 54329
#   echo "$PG_CONNECTION_STRING"
#   pg_stop_private "$TIMEBANK_REPO_ROOT/.data/postgres"
#
# or run it as a command (see `ops/lib/postgres.sh help`).
#
# Functions
#   pg_ensure_binaries [major]         find the server binaries, or install them
#                                      with apt-get; exports PG_BIN and PG_PSQL
#   pg_start_private <datadir> <port>  initdb if needed, start (or reuse), wait
#                                      until ready, ensure role and database
#                                      "timebank" exist
#   pg_stop_private <datadir>          stop the cluster if it runs
#   pg_status_private <datadir>        exit 0 and print the port if it runs
#   pg_create_database <port> <name> [owner]   create if missing (owner timebank)
#   pg_drop_database <port> <name>     drop if present, disconnecting sessions
#   pg_connection_string <port> [db]   print an Npgsql connection string
#   pg_huge_pages <datadir>            print on/off: the running cluster's shared
#                                      memory lies in huge pages
#   pg_reserve_huge_pages <port>       as root, reserve huge pages for it (it
#                                      uses them from its next start); print
#                                      vm.nr_hugepages as it was
#
# Variables exported by pg_start_private
#   PG_DATADIR            data folder actually used (see "Running as root")
#   PG_HOST, PG_PORT      127.0.0.1 and the port the server listens on
#   PG_CONNECTION_STRING  Host=127.0.0.1;Port=<port>;Database=timebank;Username=timebank;Password=timebank
#   PG_STARTED_BY_US      1 if this call started the server, 0 if it reused one
#                         that was already running (set before the server is
#                         ready, so an EXIT trap sees it even if start-up fails
#                         half-way)
#
# Settings read from the environment
#   PG_BIN                       use these server binaries (a bin folder)
#   TIMEBANK_PG_FSYNC            on (default) or off; off also turns off
#                                synchronous_commit and full_page_writes
#   TIMEBANK_PG_MAX_CONNECTIONS  default 300
#   TIMEBANK_PG_SHARED_BUFFERS   default 256MB
#   TIMEBANK_PG_MIN_WAL_SIZE     default 1GB: WAL segments kept for reuse (see
#                                pg_preallocate_wal)
#
# Running as root
#   initdb and pg_ctl refuse to run as root, so the server then runs as the
#   "postgres" OS user and the data folder is owned by it. That user must be
#   able to traverse every parent folder of the data folder; a parent that it
#   cannot traverse gets o+x (the execute bit only, nothing else). If that is
#   impossible (read-only or foreign-owned mounts, chown refused, ...), the
#   data lives under /var/tmp/timebank-<sha256 of the repo path, 12 chars>/
#   <name of the requested folder> instead, and a message says so. Without
#   root everything runs as the current user.

TIMEBANK_PG_SUPERUSER=postgres
TIMEBANK_PG_OS_USER=postgres
TIMEBANK_PG_ROLE=timebank
TIMEBANK_PG_PASSWORD=timebank
TIMEBANK_PG_DATABASE=timebank

_pg_lib_dir=$(cd -P -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)

# The repo root is the git toplevel of this file's folder (not of the caller's
# cwd). Fall back to ../.. when git is missing, refuses the repo (safe.directory)
# or reports an enclosing repo that is not this checkout (e.g. a copy of the
# tree inside another repository).
_pg_find_repo_root() {
  local top
  if top=$(git -C "$_pg_lib_dir" rev-parse --show-toplevel 2>/dev/null) \
    && [[ -n "$top" && "$top/ops/lib/postgres.sh" -ef "$_pg_lib_dir/postgres.sh" ]]; then
    printf '%s\n' "$top"
  else
    (cd -P -- "$_pg_lib_dir/../.." && pwd)
  fi
}
TIMEBANK_REPO_ROOT=$(_pg_find_repo_root)
export TIMEBANK_REPO_ROOT

_pg_log() { printf '[postgres] %s\n' "$*" >&2; }
_pg_err() { printf '[postgres] error: %s\n' "$*" >&2; }

_pg_is_root() { [[ "$(id -u)" == 0 ]]; }

# ---------------------------------------------------------------------------
# Binaries

_pg_bin_ok() {
  [[ -n "${1:-}" && -x "$1/initdb" && -x "$1/pg_ctl" && -x "$1/postgres" ]]
}

# Major version of the server binaries in folder $1 ("15").
_pg_bin_major() {
  "$1/postgres" --version 2>/dev/null | sed -nE 's/^postgres \(PostgreSQL\) ([0-9]+).*/\1/p'
}

# Print a bin folder holding initdb, pg_ctl and postgres; with $1, only one of
# that major version. Order: $PG_BIN, Debian's /usr/lib/postgresql/<v>/bin
# (newest first), initdb on PATH, pg_config --bindir.
_pg_find_bin() {
  local want=${1:-} dir
  local -a candidates=()
  if [[ -n "${PG_BIN:-}" ]]; then
    _pg_bin_ok "$PG_BIN" || _pg_log "ignoring PG_BIN=$PG_BIN (no initdb, pg_ctl and postgres there)"
    candidates+=("$PG_BIN")
  fi
  if [[ -n "$want" ]]; then
    candidates+=("/usr/lib/postgresql/$want/bin")
  else
    while IFS= read -r dir; do
      [[ -n "$dir" ]] && candidates+=("$dir")
    done < <(compgen -G '/usr/lib/postgresql/*/bin' | sort -rV)
  fi
  if dir=$(command -v initdb 2>/dev/null); then
    candidates+=("$(dirname -- "$(readlink -f -- "$dir")")")
  fi
  if dir=$(command -v pg_config 2>/dev/null) && dir=$("$dir" --bindir 2>/dev/null); then
    candidates+=("$dir")
  fi
  for dir in "${candidates[@]}"; do
    _pg_bin_ok "$dir" || continue
    if [[ -n "$want" && "$(_pg_bin_major "$dir")" != "$want" ]]; then
      continue
    fi
    printf '%s\n' "$dir"
    return 0
  done
  return 1
}

_pg_install_server() {
  local -a sudo=()
  if ! command -v apt-get >/dev/null 2>&1; then
    _pg_err "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found and apt-get is not available."
    _pg_err "Install PostgreSQL 13 or newer and set PG_BIN to its bin folder."
    return 1
  fi
  if ! _pg_is_root; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      sudo=(sudo -n)
    else
      _pg_err "PostgreSQL server binaries not found; run 'apt-get install -y postgresql' as root (or set PG_BIN)."
      return 1
    fi
  fi
  # The package may create and start Debian's own cluster (port 5432). We do
  # not use it and leave it alone.
  _pg_log "PostgreSQL server binaries not found; installing them with apt-get (this takes a while)."
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update || return 1
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 \
    install -y postgresql || return 1
}

# pg_ensure_binaries [major]: export PG_BIN (folder with initdb, pg_ctl,
# postgres) and PG_PSQL (psql), installing the "postgresql" package with
# apt-get when no server binaries are present.
pg_ensure_binaries() {
  local want=${1:-} dir
  if ! dir=$(_pg_find_bin "$want"); then
    if [[ -n "$want" ]] && _pg_find_bin >/dev/null; then
      _pg_err "PostgreSQL $want binaries not found (other versions are installed); set PG_BIN."
      return 1
    fi
    _pg_install_server || return 1
    if ! dir=$(_pg_find_bin "$want"); then
      _pg_err "installed the postgresql package but still found no server binaries (looked in /usr/lib/postgresql/*/bin)."
      return 1
    fi
  fi
  PG_BIN=$dir
  if [[ -x "$PG_BIN/psql" ]]; then
    PG_PSQL=$PG_BIN/psql
  elif ! PG_PSQL=$(command -v psql); then
    _pg_err "psql not found (looked in $PG_BIN and PATH)."
    return 1
  fi
  export PG_BIN PG_PSQL
}

# ---------------------------------------------------------------------------
# Running as the cluster owner

# Run a command as the cluster owner: the postgres OS user when root, else
# the current user. cd / first so that an unreadable cwd (e.g. /root) does
# not bother initdb or pg_ctl; libpq/PG* variables are dropped so they
# cannot redirect pg_ctl.
_pg_as_owner() {
  if _pg_is_root; then
    (cd / && exec runuser -u "$TIMEBANK_PG_OS_USER" -- env -u PGDATA -u PGPORT -u PGHOST -u PGUSER \
      -u PGDATABASE -u PGOPTIONS LC_ALL=C "$@")
  else
    (cd / && exec env -u PGDATA -u PGPORT -u PGHOST -u PGUSER -u PGDATABASE -u PGOPTIONS LC_ALL=C "$@")
  fi
}

# Run pg_ctl (from $1) as the cluster owner without passing on the lock's
# file descriptor: a server started by pg_ctl must not keep the lock.
_pg_ctl() {
  local bin=$1
  shift
  if [[ -n "${_PG_LOCK_FD:-}" ]]; then
    _pg_as_owner "$bin/pg_ctl" "$@" {_PG_LOCK_FD}>&-
  else
    _pg_as_owner "$bin/pg_ctl" "$@"
  fi
}

_pg_ensure_os_user() {
  _pg_is_root || return 0
  getent passwd "$TIMEBANK_PG_OS_USER" >/dev/null && return 0
  _pg_log "creating system user '$TIMEBANK_PG_OS_USER' to own the cluster"
  useradd --system --user-group --no-create-home --home-dir /var/lib/postgresql \
    --shell /bin/bash "$TIMEBANK_PG_OS_USER"
}

# Can the cluster owner traverse (search) folder $1?
_pg_owner_can_traverse() {
  if _pg_is_root; then
    runuser -u "$TIMEBANK_PG_OS_USER" -- test -x "$1" 2>/dev/null
  else
    test -x "$1"
  fi
}

# Make folder $1 (which exists) reachable for the cluster owner, adding o+x to
# parents where needed. Fails if that does not work out.
_pg_make_traversable() {
  local target=$1 dir path=""
  _pg_owner_can_traverse "$target" && return 0
  _pg_is_root || return 1
  local -a parts
  IFS=/ read -r -a parts <<<"${target#/}"
  for dir in / "${parts[@]}"; do
    [[ -z "$dir" ]] && continue
    if [[ "$dir" == / ]]; then path=/; else path=${path%/}/$dir; fi
    if ! _pg_owner_can_traverse "$path"; then
      _pg_log "chmod o+x $path (so that the '$TIMEBANK_PG_OS_USER' user can reach the data folder)"
      chmod o+x "$path" 2>/dev/null || return 1
    fi
  done
  _pg_owner_can_traverse "$target"
}

_pg_fallback_datadir() {
  local hash
  hash=$(printf '%s' "$TIMEBANK_REPO_ROOT" | sha256sum | cut -c1-12)
  printf '/var/tmp/timebank-%s/%s\n' "$hash" "$(basename -- "$1")"
}

# Create data folder $1 (if missing) owned by the cluster owner, mode 0700,
# reachable by it.
_pg_try_prepare_dir() {
  local dir=$1 owner
  mkdir -p -- "$dir" 2>/dev/null || return 1
  _pg_make_traversable "$(dirname -- "$dir")" || return 1
  if _pg_is_root; then
    owner=$(stat -c %U -- "$dir") || return 1
    if [[ "$owner" != "$TIMEBANK_PG_OS_USER" ]]; then
      if [[ -e "$dir/PG_VERSION" ]]; then
        _pg_err "$dir holds a cluster owned by '$owner', not '$TIMEBANK_PG_OS_USER'; remove it or fix its ownership."
        return 2
      fi
      chown "$TIMEBANK_PG_OS_USER:" "$dir" 2>/dev/null || return 1
    fi
  fi
  chmod 0700 "$dir" 2>/dev/null || return 1
  _pg_owner_can_traverse "$dir"
}

# Print the data folder to use for requested folder $1, creating it.
_pg_prepare_datadir() {
  local req fallback rc=0
  req=$(realpath -m -- "$1") || return 1
  fallback=$(_pg_fallback_datadir "$req")
  # Stick with the fallback once a cluster lives there.
  if [[ ! -e "$req/PG_VERSION" && -e "$fallback/PG_VERSION" ]]; then
    _pg_log "using $fallback (earlier runs could not use $req)"
    _pg_try_prepare_dir "$fallback" || return 1
    printf '%s\n' "$fallback"
    return 0
  fi
  _pg_try_prepare_dir "$req" || rc=$?
  if ((rc == 0)); then
    printf '%s\n' "$req"
    return 0
  fi
  if ((rc == 2)) || [[ -e "$req/PG_VERSION" ]]; then
    _pg_err "cannot use the data folder $req"
    return 1
  fi
  _pg_log "the '$TIMEBANK_PG_OS_USER' user cannot use $req; keeping the data in $fallback instead"
  mkdir -p -- "$(dirname -- "$fallback")" && chmod 0755 "$(dirname -- "$fallback")" || return 1
  if ! _pg_try_prepare_dir "$fallback"; then
    _pg_err "cannot prepare the data folder $fallback either"
    return 1
  fi
  printf '%s\n' "$fallback"
}

# Print the folder where the cluster for requested folder $1 lives (no side effects).
_pg_locate_datadir() {
  local req fallback
  req=$(realpath -m -- "$1") || return 1
  fallback=$(_pg_fallback_datadir "$req")
  if [[ ! -e "$req/PG_VERSION" && -e "$fallback/PG_VERSION" ]]; then
    printf '%s\n' "$fallback"
  else
    printf '%s\n' "$req"
  fi
}

# ---------------------------------------------------------------------------
# Server state

# Print the postmaster PID if a server runs on data folder $1. Guards against
# a stale postmaster.pid whose PID now belongs to another process.
_pg_server_pid() {
  local datadir=$1 pid comm cwd
  [[ -r "$datadir/postmaster.pid" ]] || return 1
  pid=$(head -n 1 -- "$datadir/postmaster.pid" 2>/dev/null) || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  if comm=$(cat "/proc/$pid/comm" 2>/dev/null); then
    [[ "$comm" == postgres* || "$comm" == postmaster* ]] || return 1
  fi
  if cwd=$(readlink "/proc/$pid/cwd" 2>/dev/null); then
    [[ "$cwd" -ef "$datadir" ]] || return 1
  fi
  printf '%s\n' "$pid"
}

# Port recorded in postmaster.pid (line 4) of data folder $1.
_pg_server_port() {
  sed -n '4p' -- "$1/postmaster.pid" 2>/dev/null
}

_pg_admin_conninfo() {
  printf 'host=127.0.0.1 port=%s user=%s dbname=postgres sslmode=disable connect_timeout=5' \
    "$1" "$TIMEBANK_PG_SUPERUSER"
}

# Run psql as the superuser against port $1; further args go to psql.
_pg_psql_admin() {
  local port=$1
  shift
  "$PG_PSQL" -X -q -v ON_ERROR_STOP=1 --no-password "$(_pg_admin_conninfo "$port")" "$@"
}

_pg_wait_ready() {
  local port=$1 timeout=${2:-60} i
  for ((i = 0; i < timeout * 2; i++)); do
    if _pg_psql_admin "$port" -At -c 'select 1' >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.5
  done
  _pg_err "the server on port $port did not accept connections within ${timeout}s"
  return 1
}

_pg_valid_port() {
  [[ "$1" =~ ^[0-9]+$ ]] && (($1 >= 1024 && $1 <= 65535))
}

_pg_valid_identifier() {
  [[ "$1" =~ ^[A-Za-z_][A-Za-z0-9_]{0,62}$ ]]
}

# ---------------------------------------------------------------------------
# Locking (one start/stop at a time per data folder)

_PG_LOCK_FD=

_pg_lock() {
  local lockfile=$1
  [[ -n "$_PG_LOCK_FD" ]] && return 0 # already held by this shell
  mkdir -p -- "$(dirname -- "$lockfile")" || return 1
  exec {_PG_LOCK_FD}>>"$lockfile" || return 1
  if ! flock -w 600 "$_PG_LOCK_FD"; then
    _pg_err "timed out waiting for the lock $lockfile"
    _pg_unlock
    return 1
  fi
}

_pg_unlock() {
  [[ -n "$_PG_LOCK_FD" ]] || return 0
  exec {_PG_LOCK_FD}>&-
  _PG_LOCK_FD=
}

# ---------------------------------------------------------------------------
# Start / stop

_pg_write_conf() {
  local datadir=$1 port=$2 socketdir fsync sync_commit
  # Unix socket paths are limited to ~107 bytes.
  if ((${#datadir} + 20 < 100)); then socketdir=$datadir; else socketdir=/tmp; fi
  case "${TIMEBANK_PG_FSYNC:-on}" in
    on | 1 | true | yes) fsync=on sync_commit=on ;;
    off | 0 | false | no) fsync=off sync_commit=off ;;
    *)
      _pg_err "TIMEBANK_PG_FSYNC must be on or off"
      return 1
      ;;
  esac
  cat >"$datadir/timebank.conf" <<EOF || return 1
# Written by ops/lib/postgres.sh at every start; change the script, not this file.
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$socketdir'
max_connections = ${TIMEBANK_PG_MAX_CONNECTIONS:-300}
shared_buffers = ${TIMEBANK_PG_SHARED_BUFFERS:-256MB}
fsync = $fsync
synchronous_commit = $sync_commit
full_page_writes = $fsync
min_wal_size = ${TIMEBANK_PG_MIN_WAL_SIZE:-1GB}
timezone = 'UTC'
log_timezone = 'UTC'
logging_collector = off
log_autovacuum_min_duration = 0
EOF
  if ! grep -q "^include_if_exists = 'timebank.conf'" "$datadir/postgresql.conf"; then
    printf "\n# Settings for TimeBank tests and benchmarks.\ninclude_if_exists = 'timebank.conf'\n" \
      >>"$datadir/postgresql.conf" || return 1
  fi
  if _pg_is_root; then
    chown "$TIMEBANK_PG_OS_USER:" "$datadir/timebank.conf" "$datadir/postgresql.conf" || return 1
  fi
  chmod 0600 "$datadir/timebank.conf"
}

_pg_initdb() {
  local datadir=$1 locale=C
  if locale -a 2>/dev/null | grep -qiE '^C\.utf-?8$'; then locale=C.UTF-8; fi
  if [[ -n "$(ls -A -- "$datadir")" ]]; then
    _pg_err "$datadir is not empty but holds no cluster (no PG_VERSION); remove it and retry."
    return 1
  fi
  _pg_log "initdb $datadir (PostgreSQL $(_pg_bin_major "$PG_BIN"), UTF8, locale $locale)"
  local out
  if ! out=$(_pg_as_owner "$PG_BIN/initdb" --pgdata="$datadir" --username="$TIMEBANK_PG_SUPERUSER" \
    --auth-local=trust --auth-host=trust --encoding=UTF8 --locale="$locale" --no-instructions 2>&1); then
    printf '%s\n' "$out" >&2
    _pg_err "initdb failed"
    return 1
  fi
}

_pg_bootstrap_sql() {
  _pg_psql_admin "$1" <<EOF
SELECT format('CREATE ROLE %I LOGIN CREATEDB PASSWORD %L', '$TIMEBANK_PG_ROLE', '$TIMEBANK_PG_PASSWORD')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$TIMEBANK_PG_ROLE')
\gexec
SELECT format('CREATE DATABASE %I OWNER %I', '$TIMEBANK_PG_DATABASE', '$TIMEBANK_PG_ROLE')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$TIMEBANK_PG_DATABASE')
\gexec
EOF
}

_pg_start_locked() {
  local datadir=$1 port=$2 pid running_port ver logfile
  logfile=$datadir/server.log

  if pid=$(_pg_server_pid "$datadir"); then
    running_port=$(_pg_server_port "$datadir")
    if [[ "$running_port" != "$port" ]]; then
      _pg_log "reusing the server already running on $datadir (pid $pid) on port $running_port, not $port"
      port=$running_port
    else
      _pg_log "reusing the server already running on $datadir (pid $pid, port $port)"
    fi
  else
    if [[ ! -e "$datadir/PG_VERSION" ]]; then
      _pg_initdb "$datadir" || return 1
    fi
    ver=$(<"$datadir/PG_VERSION")
    if [[ "$(_pg_bin_major "$PG_BIN")" != "$ver" ]]; then
      local bin
      if ! bin=$(PG_BIN='' _pg_find_bin "$ver"); then
        _pg_err "$datadir was created by PostgreSQL $ver but only PostgreSQL $(_pg_bin_major "$PG_BIN") is installed; remove the folder to start afresh."
        return 1
      fi
      PG_BIN=$bin
      [[ -x "$PG_BIN/psql" ]] && PG_PSQL=$PG_BIN/psql
      export PG_BIN PG_PSQL
    fi
    _pg_write_conf "$datadir" "$port" || return 1
    if [[ -e "$datadir/postmaster.pid" ]]; then
      _pg_log "removing stale $datadir/postmaster.pid"
      rm -f -- "$datadir/postmaster.pid"
    fi
    _pg_log "starting PostgreSQL on 127.0.0.1:$port (data $datadir, log $logfile)"
    PG_STARTED_BY_US=1
    if ! _pg_ctl "$PG_BIN" start --pgdata="$datadir" --log="$logfile" --wait --timeout=120 --silent; then
      _pg_err "pg_ctl start failed; last lines of $logfile:"
      tail -n 25 -- "$logfile" >&2 2>/dev/null
      if tail -n 25 -- "$logfile" 2>/dev/null | grep -q 'Address already in use'; then
        _pg_err "port $port is taken by another program; pick another one (TIMEBANK_PG_PORT, TIMEBANK_TEST_PG_PORT)."
      fi
      return 1
    fi
  fi
  _pg_wait_ready "$port" 60 || return 1
  _pg_bootstrap_sql "$port" || return 1

  PG_DATADIR=$datadir
  PG_HOST=127.0.0.1
  PG_PORT=$port
  PG_CONNECTION_STRING=$(pg_connection_string "$port")
  export PG_DATADIR PG_HOST PG_PORT PG_CONNECTION_STRING PG_STARTED_BY_US
}

# pg_start_private <datadir> <port>
pg_start_private() {
  local req=${1:-} port=${2:-} datadir rc=0
  PG_STARTED_BY_US=0
  export PG_STARTED_BY_US
  if [[ -z "$req" ]] || ! _pg_valid_port "$port"; then
    _pg_err "usage: pg_start_private <datadir> <port 1024-65535>"
    return 1
  fi
  if [[ -z "${PG_BIN:-}" || -z "${PG_PSQL:-}" ]] || ! _pg_bin_ok "$PG_BIN"; then
    pg_ensure_binaries || return 1
  fi
  _pg_ensure_os_user || return 1
  datadir=$(_pg_prepare_datadir "$req") || return 1
  _pg_lock "$datadir.lock" || return 1
  _pg_start_locked "$datadir" "$port" || rc=$?
  _pg_unlock
  return "$rc"
}

# pg_stop_private <datadir>
pg_stop_private() {
  local req=${1:-} datadir pid bin i rc=0
  if [[ -z "$req" ]]; then
    _pg_err "usage: pg_stop_private <datadir>"
    return 1
  fi
  datadir=$(_pg_locate_datadir "$req") || return 1
  if ! pid=$(_pg_server_pid "$datadir"); then
    _pg_log "no server running on $datadir"
    return 0
  fi
  [[ -d "$(dirname -- "$datadir")" ]] && { _pg_lock "$datadir.lock" || true; }
  _pg_log "stopping PostgreSQL (pid $pid, data $datadir)"
  if bin=$(_pg_find_bin) && _pg_ctl "$bin" stop --pgdata="$datadir" --mode=fast --wait --timeout=60 --silent; then
    :
  else
    # pg_ctl missing or too slow: immediate shutdown by signal.
    kill -QUIT "$pid" 2>/dev/null || true
    for ((i = 0; i < 60; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.5
    done
    if kill -0 "$pid" 2>/dev/null; then
      _pg_err "PostgreSQL (pid $pid) did not stop"
      rc=1
    fi
  fi
  _pg_unlock
  return "$rc"
}

# pg_status_private <datadir>: print "running <port> <datadir>" and return 0
# if a server runs there, else print "stopped" and return 3 (like pg_ctl status).
pg_status_private() {
  local datadir
  datadir=$(_pg_locate_datadir "${1:?usage: pg_status_private <datadir>}") || return 1
  if _pg_server_pid "$datadir" >/dev/null; then
    printf 'running %s %s\n' "$(_pg_server_port "$datadir")" "$datadir"
  else
    printf 'stopped\n'
    return 3
  fi
}

# pg_preallocate_wal <port>: create WAL segment files up to min_wal_size, so that the first gigabyte of writes reuses
# segments instead of creating them. Creating one means writing 16 MB of zeros and syncing it while every commit waits:
# 40-60 ms on a small virtual disk, and a cluster keeps only what min_wal_size allows after a restart's checkpoints.
pg_preallocate_wal() {
  local port=${1:?usage: pg_preallocate_wal <port>} want have i
  want=$(_pg_psql_admin "$port" -At -c "select pg_size_bytes(current_setting('min_wal_size')) / pg_size_bytes(current_setting('wal_segment_size'))") || return 1
  have=$(_pg_psql_admin "$port" -At -c "select count(*) from pg_ls_waldir() where name ~ '^[0-9A-F]{24}$'") || return 1
  ((have < want)) || return 0
  _pg_log "creating $((want - have)) WAL segments (min_wal_size) ahead of the load"
  {
    echo "create table if not exists public.timebank_wal_segments (n int);"
    for ((i = have; i < want; i++)); do echo "insert into public.timebank_wal_segments values ($i); select pg_switch_wal();"; done
    echo "drop table public.timebank_wal_segments;"
    echo "checkpoint;"
  } | _pg_psql_admin "$port" >/dev/null
}

# pg_huge_pages <datadir>: print "on" when the running cluster's shared memory lies in huge pages, else "off".
pg_huge_pages() {
  local datadir pid
  datadir=$(_pg_locate_datadir "${1:?usage: pg_huge_pages <datadir>}") || return 1
  if pid=$(_pg_server_pid "$datadir") && grep -q 'anon_hugepage' "/proc/$pid/maps" 2>/dev/null; then
    echo on
  else
    echo off
  fi
}

_pg_free_huge_pages() { awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo; }

# pg_reserve_huge_pages <port>: as root on Linux, raise vm.nr_hugepages so that the running cluster's shared memory
# fits in free huge pages once it restarts (its huge_pages is 'try', PostgreSQL's default), and print the setting's
# value before. Fails, changing nothing, where that cannot be done (not root, PostgreSQL before 15, the kernel short of
# memory for them).
pg_reserve_huge_pages() {
  local port=${1:?usage: pg_reserve_huge_pages <port>} setting=/proc/sys/vm/nr_hugepages need before free
  _pg_is_root && [[ -w "$setting" ]] || return 1
  need=$(_pg_psql_admin "$port" -At -c "select current_setting('shared_memory_size_in_huge_pages', true)") || return 1
  [[ "$need" =~ ^[0-9]+$ ]] && ((need > 0)) || return 1
  before=$(<"$setting")
  free=$(_pg_free_huge_pages)
  [[ "$free" =~ ^[0-9]+$ ]] || return 1
  if ((free < need)); then
    echo $((before + need - free)) >"$setting" 2>/dev/null || return 1
    free=$(_pg_free_huge_pages)
    if ((free < need)); then
      echo "$before" >"$setting"
      return 1
    fi
  fi
  echo "$before"
}

# pg_connection_string <port> [database]
pg_connection_string() {
  printf 'Host=127.0.0.1;Port=%s;Database=%s;Username=%s;Password=%s\n' \
    "${1:?port}" "${2:-$TIMEBANK_PG_DATABASE}" "$TIMEBANK_PG_ROLE" "$TIMEBANK_PG_PASSWORD"
}

_pg_db_args_ok() {
  if ! _pg_valid_port "${1:-}" || ! _pg_valid_identifier "${2:-}"; then
    _pg_err "usage: $3 <port> <database name: letters, digits, _>"
    return 1
  fi
  if [[ -z "${PG_PSQL:-}" ]]; then
    pg_ensure_binaries || return 1
  fi
}

# pg_create_database <port> <name> [owner]: create the database if it is missing.
pg_create_database() {
  local port=${1:-} name=${2:-} owner=${3:-$TIMEBANK_PG_ROLE}
  _pg_db_args_ok "$port" "$name" pg_create_database || return 1
  _pg_valid_identifier "$owner" || {
    _pg_err "invalid owner '$owner'"
    return 1
  }
  _pg_psql_admin "$port" -v db="$name" -v owner="$owner" <<'EOF'
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'owner')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db')
\gexec
EOF
}

# pg_drop_database <port> <name>: drop the database if present, ending its sessions.
pg_drop_database() {
  local port=${1:-} name=${2:-}
  _pg_db_args_ok "$port" "$name" pg_drop_database || return 1
  case "$name" in
    postgres | template0 | template1)
      _pg_err "refusing to drop $name"
      return 1
      ;;
  esac
  _pg_psql_admin "$port" -v db="$name" <<'EOF'
SET client_min_messages = warning;
DROP DATABASE IF EXISTS :"db" WITH (FORCE);
EOF
}

# ---------------------------------------------------------------------------
# Command-line use

_pg_usage() {
  cat <<EOF
usage: ops/lib/postgres.sh <command> [args]

  start    [datadir] [port]   start (or reuse) a private cluster and print its
                              Npgsql connection string
  stop     [datadir]          stop it
  status   [datadir]          print "running <port> <datadir>" or "stopped"
  createdb <port> <name>      create a database owned by timebank
  dropdb   <port> <name>      drop a database
  bin                         print the server bin folder (installs if needed)

datadir defaults to $TIMEBANK_REPO_ROOT/.data/postgres, port to \$TIMEBANK_PG_PORT or 54329.
EOF
}

_pg_main() {
  local cmd=${1:-help}
  local default_dir=$TIMEBANK_REPO_ROOT/.data/postgres default_port=${TIMEBANK_PG_PORT:-54329}
  shift || true
  case "$cmd" in
    start)
      pg_start_private "${1:-$default_dir}" "${2:-$default_port}"
      printf '%s\n' "$PG_CONNECTION_STRING"
      ;;
    stop) pg_stop_private "${1:-$default_dir}" ;;
    status) pg_status_private "${1:-$default_dir}" ;;
    createdb) pg_create_database "$@" ;;
    dropdb) pg_drop_database "$@" ;;
    bin)
      pg_ensure_binaries
      printf '%s\n' "$PG_BIN"
      ;;
    help | -h | --help) _pg_usage ;;
    *)
      _pg_usage >&2
      return 2
      ;;
  esac
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  _pg_main "$@"
fi
