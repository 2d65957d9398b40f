#!/usr/bin/env bash
# Single-node Ceph cluster (one mon, one memstore OSD) with a radosgw S3 endpoint on 127.0.0.1, for tests.
#
#   scripts/ceph-rgw.sh [--foreground] DIR [PORT]   start; DIR is wiped first, PORT defaults to 7480
#   scripts/ceph-rgw.sh --stop DIR                  stop the cluster that was started in DIR
#
# Once the S3 endpoint answers and its user exists (about 1 s), it prints, and writes to DIR/env
# (sourceable):
#   S3_ENDPOINT=http://127.0.0.1:PORT
#   S3_ACCESS_KEY=…                    the radosgw user every S3 request must be signed with
#   S3_SECRET_KEY=…
#   CEPH_PIDS='MON OSD RGW'            also in DIR/pids, one a line
# and exits, leaving the three daemons running: stop them with `--stop DIR` or `kill -9 $(cat DIR/pids)`.
#
# With --foreground it stays in the foreground instead and supervises: on SIGTERM, SIGINT or SIGHUP, when
# a daemon dies, or when the process that started it is gone, it kills the daemons, reaps them and exits
# (0 after a signal, 1 otherwise). Test runners use this mode, so that nothing outlives them.
#
# Ceph runs with `auth … = none`, which only turns off cephx between the daemons. S3 requests are
# still checked against radosgw's users: an unknown key gets 403 InvalidAccessKeyId, a wrong secret
# 403 SignatureDoesNotMatch. So the script creates one user with the keys below.
#
# Environment:
#   S3_ACCESS_KEY, S3_SECRET_KEY   the user's keys (default trailproof-test / trailproof-test-secret)
#   CEPH_MON_PORT                  the monitor's port (default: a free port picked at random)
#   CEPH_RGW_TIMEOUT               seconds the whole start may take (default 60)
#
# Exit status: 0 started, 1 the start failed (the message and the daemons' last log lines are on
# stderr; DIR keeps the logs), 2 usage, 3 Ceph is not installed.
#
# The OSD keeps objects in memory (memstore, at most 2 GiB), so nothing survives a stop and the daemons
# are simply killed. Debian packages: radosgw ceph-mon ceph-osd ceph-common.
set -uo pipefail
# A reader that went away (a test runner that was killed) must not kill the script before it has
# stopped its daemons: writes then just fail.
trap '' PIPE

MARKER='# written by trailproof scripts/ceph-rgw.sh'
INSTALL_HINT='apt-get install -y --no-install-recommends radosgw ceph-mon ceph-osd ceph-common'

die() {
  echo "ceph-rgw.sh: $*" >&2
  exit 1
}

usage() {
  echo "usage: $0 [--foreground] DIR [PORT] | $0 --stop DIR" >&2
  exit 2
}

# The daemons of the cluster in $1 that still run: the PIDs of its pids file whose command line names
# its ceph.conf (a recycled PID of some other process is never touched; a zombie has no command line).
cluster_pids() {
  local dir=$1 pid
  [ -f "$dir/pids" ] || return 0
  while read -r pid; do
    [[ $pid =~ ^[0-9]+$ ]] || continue
    tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF -- "$dir/ceph.conf" && echo "$pid"
  done <"$dir/pids"
}

stop_cluster() {
  local dir=$1 pids
  pids=$(cluster_pids "$dir")
  [ -n "$pids" ] || return 0
  # shellcheck disable=SC2086
  kill -9 $pids 2>/dev/null
  for _ in $(seq 1 50); do
    pids=$(cluster_pids "$dir")
    [ -z "$pids" ] && return 0
    sleep 0.1
  done
  echo "ceph-rgw.sh: processes $pids did not exit" >&2
  return 1
}

abs_dir() {
  mkdir -p "$1" && (cd "$1" && pwd -P)
}

if [ "${1:-}" = "--stop" ]; then
  [ $# -eq 2 ] || usage
  [ -d "$2" ] || exit 0
  stop_cluster "$(abs_dir "$2")"
  exit
fi
FOREGROUND=0
if [ "${1:-}" = "--foreground" ]; then
  FOREGROUND=1
  shift
fi
[ $# -ge 1 ] && [ $# -le 2 ] && [ -n "$1" ] || usage
PORT=${2:-7480}
[[ $PORT =~ ^[0-9]+$ ]] && [ "$PORT" -ge 1 ] && [ "$PORT" -le 65535 ] || die "invalid port: $PORT"
ACCESS_KEY=${S3_ACCESS_KEY:-trailproof-test}
SECRET_KEY=${S3_SECRET_KEY:-trailproof-test-secret}
TIMEOUT=${CEPH_RGW_TIMEOUT:-60}
[[ $TIMEOUT =~ ^[0-9]+$ ]] || die "invalid CEPH_RGW_TIMEOUT: $TIMEOUT"

missing=()
for bin in monmaptool ceph-mon ceph-osd ceph radosgw radosgw-admin; do
  command -v "$bin" >/dev/null 2>&1 || missing+=("$bin")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "ceph-rgw.sh: missing ${missing[*]} (Ceph radosgw is not installed)." >&2
  echo "On Debian/Ubuntu install it with: $INSTALL_HINT" >&2
  exit 3
fi

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Idempotent cleanup: stop whatever an earlier run left in DIR, then wipe it. A non-empty directory
# that this script did not create is never wiped.
if [ -d "$1" ] && [ -n "$(ls -A "$1")" ]; then
  grep -qxF "$MARKER" "$1/ceph.conf" 2>/dev/null ||
    die "$1 is not empty and was not created by this script; refusing to wipe it"
fi
C=$(abs_dir "$1") || die "cannot create $1"
stop_cluster "$C" || die "cannot stop the cluster still running in $C"
rm -rf "${C:?}"/* || die "cannot wipe $C"
mkdir -p "$C"/{mon,osd/ceph-0,run,log,rgw} || die "cannot create $C"

port_in_use "$PORT" && die "port $PORT on 127.0.0.1 is already in use"
if [ -n "${CEPH_MON_PORT:-}" ]; then
  MON_PORT=$CEPH_MON_PORT
  port_in_use "$MON_PORT" && die "monitor port $MON_PORT on 127.0.0.1 is already in use"
else
  # Below Linux's ephemeral range (32768+) and away from the OSDs' 6800–7300.
  for _ in $(seq 1 50); do
    MON_PORT=$((20000 + RANDOM % 12000))
    [ "$MON_PORT" != "$PORT" ] && ! port_in_use "$MON_PORT" && break
  done
fi

START=$SECONDS
remaining() {
  local left=$((TIMEOUT - (SECONDS - START)))
  [ "$left" -gt 0 ] && echo "$left" || echo 1
}

PIDS=()
NAMES=()
DEAD=''
STEP=''

# Kills the daemons started so far and waits until they are gone (and, being our children, reaped).
stop_own() {
  local pid
  [ "${#PIDS[@]}" -gt 0 ] || return 0
  kill -9 "${PIDS[@]}" 2>/dev/null
  for pid in "${PIDS[@]}"; do
    wait "$pid" 2>/dev/null
  done
}

# A stop requested while starting (after the command under way finishes).
trap 'stop_own; exit 143' TERM INT HUP

fail() {
  local log
  echo "ceph-rgw.sh: $STEP failed after $((SECONDS - START)) s: $*" >&2
  for log in "$C"/log/*; do
    [ -s "$log" ] || continue
    echo "--- last lines of $log" >&2
    tail -n 15 "$log" >&2
  done
  stop_own
  exit 1
}

# Starts a daemon in the foreground of a background job, so that its PID is known and it stays this
# script's child (and in its process group); its output goes to DIR/log.
start_daemon() {
  local name=$1
  shift
  "$@" -f </dev/null >>"$C/log/$name.out" 2>&1 &
  PIDS+=("$!")
  NAMES+=("$name")
  printf '%s\n' "${PIDS[@]}" >"$C/pids"
}

# Fails, naming the daemon, when one of those started has exited.
alive() {
  local i
  for i in "${!PIDS[@]}"; do
    kill -0 "${PIDS[$i]}" 2>/dev/null || {
      DEAD="${NAMES[$i]} (PID ${PIDS[$i]})"
      return 1
    }
  done
}

# Runs a `ceph` command, output in $out. With auth none a client can send its command before it has
# the monmap, and the monitor refuses it with EPERM ("wrong fsid" in its log): that is retried.
ceph_cmd() {
  local attempt
  for attempt in $(seq 1 20); do
    out=$(timeout "$(remaining)" ceph -c "$CONF" --connect-timeout "$(remaining)" "$@" 2>&1) && return 0
    [[ $out == *EPERM* ]] && [ "$attempt" -lt 20 ] || return 1
    sleep 0.05
  done
}

# Admin sockets are Unix sockets, whose path may have at most 107 bytes; without them the daemons
# work the same.
ADMIN_SOCKET="$C/run/\$cluster-\$name.asok"
[ "${#C}" -gt 50 ] && ADMIN_SOCKET=''

FSID=$(cat /proc/sys/kernel/random/uuid)
CONF="$C/ceph.conf"
cat >"$CONF" <<CONF
$MARKER
[global]
fsid = $FSID
mon host = v1:127.0.0.1:$MON_PORT
mon initial members = a
auth cluster required = none
auth service required = none
auth client required = none
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
mon warn on pool no redundancy = false
osd crush chooseleaf type = 0
osd objectstore = memstore
memstore device bytes = 2147483648
osd pool default pg num = 8
osd pool default pgp num = 8
mon max pg per osd = 1000
ms bind msgr2 = false
# Every osdmap change (radosgw creates its pools one after another at its first start) otherwise waits
# for the 1 s paxos proposal interval: 11 s to start instead of about 1 s.
paxos propose interval = 0.01
paxos min wait = 0.001
# A nearly full disk must not stop the monitor of a throwaway cluster.
mon data avail crit = 0
# With auth none the OSD may send its start-up crush commands before it has the monmap; the monitor
# refuses them ("wrong fsid") and the OSD exits (a third of the starts here). The script places the
# OSD in the crush map instead.
osd crush update on start = false
osd class update on start = false
run dir = $C/run
admin socket = $ADMIN_SOCKET
log file = $C/log/\$cluster-\$name.log
pid file = $C/run/\$cluster-\$name.pid
mon data = $C/mon/\$cluster-\$id
osd data = $C/osd/\$cluster-\$id
keyring = $C/keyring
[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$PORT tcp_nodelay=1
rgw data = $C/rgw
# SSE-KMS over plain HTTP with radosgw's built-in test key store: requests may name the key ids
# below (32-byte keys, fixed; for tests only), as a deployment names a tenant's KMS key.
rgw crypt require ssl = false
rgw crypt s3 kms backend = testing
rgw crypt s3 kms encryption keys = tenant-acme=YWNtZS1yZXBvcnQta2V5LWZvci10ZXN0cy0zMmJ5dGU= tenant-globex=Z2xvYmV4LXJlcG9ydC1rZXktZm9yLXRlc3RzLTMyYnk=
CONF

cd "$C" || die "cannot enter $C"

STEP='monitor setup'
out=$(monmaptool --create --addv a "[v1:127.0.0.1:$MON_PORT]" --fsid "$FSID" "$C/monmap" 2>&1) || fail "$out"
out=$(ceph-mon -c "$CONF" --mkfs -i a --monmap "$C/monmap" 2>&1) || fail "$out"

STEP='monitor start'
start_daemon mon ceph-mon -c "$CONF" -i a
ceph_cmd osd create || fail "ceph osd create: ${out:-timed out}"
ceph_cmd osd crush add osd.0 1.0 root=default || fail "ceph osd crush add: ${out:-timed out}"

STEP='OSD start'
out=$(ceph-osd -c "$CONF" -i 0 --mkfs 2>&1) || fail "$out"
start_daemon osd ceph-osd -c "$CONF" -i 0

STEP='radosgw start'
start_daemon rgw radosgw -c "$CONF" -n client.rgw.a
http_answers() {
  (
    exec 3<>"/dev/tcp/127.0.0.1/$PORT" || exit 1
    printf 'GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
    IFS= read -r -t 2 line <&3 || exit 1
    [[ $line == HTTP/1.* ]]
  ) 2>/dev/null
}
until http_answers; do
  alive || fail "$DEAD exited"
  [ $((SECONDS - START)) -lt "$TIMEOUT" ] || fail "no HTTP answer on port $PORT within $TIMEOUT s"
  sleep 0.1
done

STEP='radosgw user creation'
out=$(timeout "$(remaining)" radosgw-admin -c "$CONF" user create --uid=trailproof-test \
  --display-name='Trailproof tests' --access-key="$ACCESS_KEY" --secret-key="$SECRET_KEY" \
  --max-buckets=0 2>&1) || fail "${out:-timed out}"
alive || fail "$DEAD exited"

{
  echo "S3_ENDPOINT=http://127.0.0.1:$PORT"
  echo "S3_ACCESS_KEY=$ACCESS_KEY"
  echo "S3_SECRET_KEY=$SECRET_KEY"
  echo "CEPH_PIDS='${PIDS[*]}'"
} | tee "$C/env"

if [ "$FOREGROUND" = 0 ]; then
  echo "ceph-rgw.sh: ready in $((SECONDS - START)) s; stop it with: $0 --stop $C" >&2
  exit 0
fi

# Supervise. A trapped signal interrupts the `wait` builtin at once (not a foreground command).
STOPPED=0
TICK=''
trap 'STOPPED=1' TERM INT HUP
PARENT=$PPID
# The parent is gone once this script has been handed to another one (a killed parent that nobody
# reaped yet would still answer `kill -0`).
parent_alive() {
  local stat
  read -r stat </proc/$$/stat || return 1
  stat=${stat##*) }
  [ "$(cut -d' ' -f2 <<<"$stat")" = "$PARENT" ]
}
while [ "$STOPPED" = 0 ] && alive && parent_alive; do
  sleep 1 &
  TICK=$!
  wait "$TICK"
done
if [ -n "$TICK" ]; then
  kill "$TICK" 2>/dev/null
  wait "$TICK" 2>/dev/null
fi
if [ "$STOPPED" = 1 ]; then
  stop_own
  exit 0
fi
if [ -n "$DEAD" ]; then
  echo "ceph-rgw.sh: $DEAD exited; stopping the cluster" >&2
else
  echo "ceph-rgw.sh: the process that started the cluster (PID $PARENT) is gone; stopping it" >&2
fi
stop_own
exit 1
