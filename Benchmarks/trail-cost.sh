#!/usr/bin/env bash
# The audit trail's cost under load: DescribeVpcs throughput and p99 with the trail
# on (each build given) and off, alternated round by round, with each server thread's
# CPU time, so a difference can be told from the machine's run-to-run noise.
#
#   Benchmarks/trail-cost.sh                      # build (release), 3 rounds of each load
#   ROUNDS=6 LOADS="rate=10000" BUILDS="new=.build/release old=/tmp/old" SKIP_BUILD=1 Benchmarks/trail-cost.sh
#   SPIN=1 Benchmarks/trail-cost.sh               # also the trail off beside a SCHED_IDLE busy loop
#
# LOADS: `rate=N` is an open loop at N req/s over 32 connections, `conns=N` a closed
# loop over N connections. BUILDS: label=directory holding `vpc` and `vpc-loadgen`.
# The SPIN control shows what using this machine's idle CPU costs by itself (a
# SCHED_IDLE thread takes only time no other thread wants, yet on two vCPUs that
# share a core it still slows the others). Each run: 2 s warm-up, DURATION s measured.
# Prints one line per run; always exits 0 (figures are noisy, CI must not fail on them).
set -uo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
LOADS=${LOADS:-"rate=5000 rate=10000 conns=8 conns=32"}
DURATION=${DURATION:-8}
KEY=AKIDBENCHMARK0000001
SECRET=benchmark-secret-not-for-production

if [[ -z "${SKIP_BUILD:-}" ]]; then
    swift build -c release --product vpc >&2 || exit 0
    swift build -c release --product vpc-loadgen >&2 || exit 0
fi
BUILDS=${BUILDS:-"trail=$(swift build -c release --show-bin-path)"}
OFF_BIN=${BUILDS%% *}; OFF_BIN=${OFF_BIN#*=}  # the trail off: the first build with --no-audit

# Whatever runs is stopped and removed on any exit (Ctrl-C too): a leftover busy
# loop would skew every later measurement.
server=""; spinner=""; data=""
cleanup() {
    [[ -n $server ]] && kill "$server" 2>/dev/null
    [[ -n $spinner ]] && kill "$spinner" 2>/dev/null
    [[ -n $data ]] && rm -rf "$data"
    wait 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM

source Benchmarks/ports.sh  # (the working directory is the repository)

# run LOAD LABEL BIN [serve flags]: one server, one load, one line.
run() {
    local load=$1 label=$2 bin=$3; shift 3
    local port
    data=$(mktemp -d); port=$(free_port)
    "$bin/vpc" serve --listen "127.0.0.1:$port" --data-dir "$data" --no-throttle --quota-vpcs 50 \
        --credentials "$KEY:$SECRET" "$@" > "$data/log" 2>&1 &
    server=$!
    wait_port "$port" || true  # a server that never answers shows as a failed run
    local args=(-c 32)
    case $load in rate=*) args+=(--rate "${load#rate=}");; conns=*) args=(-c "${load#conns=}");; esac
    local output result
    output=$("$bin/vpc-loadgen" describe-vpcs --endpoint "http://127.0.0.1:$port" --access-key "$KEY" \
             --secret "$SECRET" "${args[@]}" --duration "$DURATION" --warmup 2 2>&1)
    result=$(grep -o '[0-9]* req/s\|errors [0-9]*\|p99 [0-9.]*\|p99.9 [0-9.]*' <<< "$output" | awk '!seen[$0]++' | tr '\n' ' ')
    [[ $result == *"errors 0"* ]] || result="FAILED: $(tail -3 <<< "$output" | tr '\n' ' ') server: $(tail -3 "$data/log" | tr '\n' ' ')"
    # Thread CPU in ms (schedstat: nanoseconds on the CPU), busiest threads only.
    local threads
    threads=$(for t in /proc/$server/task/*; do
                  echo "$(cat "$t/comm" 2>/dev/null)=$(( $(cut -d' ' -f1 "$t/schedstat" 2>/dev/null || echo 0) / 1000000 ))ms"
              done | grep -v '=[0-9]ms$' | tr '\n' ' ')
    kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; server=""
    rm -rf "$data"; data=""
    echo "$load $label: $result| server threads: $threads"
}

echo "$(nproc) vCPUs, $(uname -sr), load average $(cut -d' ' -f1-3 /proc/loadavg); ${DURATION}s per run"
for round in $(seq 1 "$ROUNDS"); do
    for load in $LOADS; do
        for build in $BUILDS; do run "$load" "${build%%=*}" "${build#*=}"; done
        run "$load" off "$OFF_BIN" --no-audit
        if [[ -n "${SPIN:-}" ]]; then
            chrt -i 0 python3 -c 'while True: pass' &
            spinner=$!
            run "$load" off+idle-spinner "$OFF_BIN" --no-audit
            kill "$spinner"; wait "$spinner" 2>/dev/null; spinner=""
        fi
    done
done
exit 0
