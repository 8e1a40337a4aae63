#!/usr/bin/env bash
# API throughput and latency, ours vs moto, with the same signing load generator.
#
#   Benchmarks/api-vs-moto.sh            # build (release), run, print a markdown table
#   DURATION=5 WARMUP=1 CONNS="1 8 32" MODES="describe-vpcs create-sg" Benchmarks/api-vs-moto.sh
#   VPC_FLAGS=--no-audit SERVERS=vpc Benchmarks/api-vs-moto.sh   # without the audit trail, ours only
#   SKIP_BUILD=1 BIN=/tmp/old SERVERS=vpc Benchmarks/api-vs-moto.sh  # vpc and vpc-loadgen from another dir
#   RATE=5000 CONNS=32 SERVERS=vpc MODES=describe-vpcs Benchmarks/api-vs-moto.sh  # open loop, 5000 req/s in all
#
# Starts `vpc serve --no-throttle --quota-vpcs 50` (temp data dir) and `moto_server`
# on free loopback ports, runs vpc-loadgen in each mode at each concurrency against
# each, stops both servers on exit. Always exits 0: figures are noisy, CI must not fail on them.
set -uo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-5}
WARMUP=${WARMUP:-1}
CONNS=${CONNS:-"1 8 32"}
MODES=${MODES:-"describe-vpcs create-sg"}
SERVERS=${SERVERS:-"vpc moto"}
VPC_FLAGS=${VPC_FLAGS:-}
RATE=${RATE:-}  # open loop at this many requests/s (vpc-loadgen --rate); closed loop when empty
KEY=AKIDBENCHMARK0000001
SECRET=benchmark-secret-not-for-production

if [[ -z "${SKIP_BUILD:-}" ]]; then
    # One product per invocation: with several --product flags swift build builds only the last.
    swift build -c release --product vpc >&2 || exit 0
    swift build -c release --product vpc-loadgen >&2 || exit 0
fi
BIN=${BIN:-$(swift build -c release --show-bin-path)}  # BIN=dir: run other binaries (A/B)

source Benchmarks/ports.sh  # (the working directory is the repository)

DATA=$(mktemp -d)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
    rm -rf "$DATA"
}
trap cleanup EXIT

VPC_PORT=$(free_port)
"$BIN/vpc" serve --listen "127.0.0.1:$VPC_PORT" --data-dir "$DATA/vpc" --no-throttle --quota-vpcs 50 \
    --credentials "$KEY:$SECRET" $VPC_FLAGS > "$DATA/vpc.log" 2>&1 &
PIDS+=($!)
MOTO_PORT=$(free_port)
moto_server -H 127.0.0.1 -p "$MOTO_PORT" > "$DATA/moto.log" 2>&1 &
PIDS+=($!)
wait_port "$VPC_PORT" || exit 0
wait_port "$MOTO_PORT" || exit 0

# Server CPU time (user + system, all threads) per request served, setup and
# warm-up included: steadier than wall-clock figures on a shared machine.
TICKS=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
served() {  # requests the server has logged
    if [[ $1 == vpc ]]; then grep -c ' status=' "$DATA/vpc.log"; else grep -c 'HTTP/1.1"' "$DATA/moto.log"; fi
}

ROWS=()
for mode in $MODES; do
    for server in $SERVERS; do
        port=$([[ $server == vpc ]] && echo "$VPC_PORT" || echo "$MOTO_PORT")
        pid=$([[ $server == vpc ]] && echo "${PIDS[0]}" || echo "${PIDS[1]}")
        for c in $CONNS; do
            c0=$(cpu_ticks "$pid"); n0=$(served "$server")
            row=$("$BIN/vpc-loadgen" "$mode" --endpoint "http://127.0.0.1:$port" --access-key "$KEY" --secret "$SECRET" \
                  --connections "$c" --duration "$DURATION" --warmup "$WARMUP" ${RATE:+--rate "$RATE"} --label "$server" \
                  --markdown) \
                || row="| $server | $mode | $c | failed | | | | | |"
            sleep 0.3  # let the server finish what it queued (audit records)
            c1=$(cpu_ticks "$pid"); n1=$(served "$server")
            ROWS+=("$row $(( (c1 - c0) * 1000000 / TICKS / (n1 - n0 > 0 ? n1 - n0 : 1) )) |")
        done
    done
done

echo
echo "$(nproc) cores, $(uname -sr), load average $(cut -d' ' -f1-3 /proc/loadavg); ${WARMUP}s warm-up, ${DURATION}s measured per row; vpc serve flags: ${VPC_FLAGS:-none}"
echo
echo "| server | mode | connections | req/s | iterations/s | p50 ms | p99 ms | p99.9 ms | errors/requests | server CPU µs/req |"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
printf '%s\n' "${ROWS[@]}"
exit 0
