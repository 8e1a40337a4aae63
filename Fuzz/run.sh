#!/bin/bash
# Builds and runs every libFuzzer harness, one at a time.
#   Fuzz/run.sh                     # 10,000,000 runs each (default)
#   Fuzz/run.sh -runs=100000        # any libFuzzer flags, e.g. -max_total_time=60
#   TARGETS="FuzzDNS FuzzDHCP" Fuzz/run.sh -runs=1000
# Writes a table to Fuzz/RESULTS.md (or $FUZZ_RESULTS) and logs to .build-fuzz/logs/.
set -u
cd "$(dirname "$0")/.."
ARGS=("$@")
[ ${#ARGS[@]} -eq 0 ] && ARGS=(-runs=10000000)
TARGETS=${TARGETS:-"FuzzEthernet FuzzARP FuzzIPv4 FuzzIPv6 FuzzICMPv4 FuzzICMPv6 FuzzTCP FuzzUDP FuzzDHCP FuzzDNS FuzzGeneve FuzzAddresses FuzzPipelineInstance FuzzPipelineUnderlay FuzzAPIRequest"}
SCRATCH=.build-fuzz
FLAGS=(-c release --scratch-path "$SCRATCH" -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xswiftc -use-ld=lld)
mkdir -p "$SCRATCH/logs" "$SCRATCH/corpus"
python3 Fuzz/seeds.py "$SCRATCH/corpus"
for t in $TARGETS; do
    swift build "${FLAGS[@]}" --product "$t" >"$SCRATCH/logs/$t.build.log" 2>&1 || { echo "build failed: $t"; tail -20 "$SCRATCH/logs/$t.build.log"; exit 1; }
done
BIN=$(swift build "${FLAGS[@]}" --show-bin-path)
RESULTS=${FUZZ_RESULTS:-Fuzz/RESULTS.md}
if [ ! -f "$RESULTS" ]; then
    {
        echo "# Fuzz results"
        echo
        echo "Written by \`Fuzz/run.sh\`: each harness runs alone (2 cores shared with other builds),"
        echo "libFuzzer + AddressSanitizer, release build, seeded from the pcap fixtures (Fuzz/seeds.py)."
        echo "A rerun of one target replaces its row."
        echo
        echo "| target | flags | executions | seconds | exec/s | crashes | corpus | date |"
        echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |"
    } >"$RESULTS"
fi
fail=0
for t in $TARGETS; do
    mkdir -p "$SCRATCH/corpus/$t" "$SCRATCH/artifacts/$t"
    # FuzzAPIRequest's store keeps what each input wrote (for 1,024 inputs), so every input
    # allocates more than it frees, and libFuzzer's per-input leak check would run a whole
    # LeakSanitizer scan each time: ~65 executions a second instead of ~2,600. A leak there
    # shows instead as growth past -rss_limit_mb, the store being dropped every 1,024 inputs.
    extra=()
    [ "$t" = FuzzAPIRequest ] && extra=(-detect_leaks=0)
    start=$(date +%s)
    SWIFT_BACKTRACE=enable=no "$BIN/$t" ${extra[@]+"${extra[@]}"} "${ARGS[@]}" -print_final_stats=1 \
        -artifact_prefix="$SCRATCH/artifacts/$t/" "$SCRATCH/corpus/$t" >"$SCRATCH/logs/$t.log" 2>&1
    rc=$?
    secs=$(( $(date +%s) - start ))
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$SCRATCH/logs/$t.log" | grep -o '[0-9]*$')
    rate=$(( ${execs:-0} / (secs > 0 ? secs : 1) ))
    crashes=$(ls "$SCRATCH/artifacts/$t" | wc -l)
    corpus=$(ls "$SCRATCH/corpus/$t" | wc -l)
    [ $rc -ne 0 ] && fail=1
    sed -i "/^| $t |/d" "$RESULTS"
    echo "| $t | ${ARGS[*]} | ${execs:-?} | $secs | ${rate:-?} | $crashes | $corpus | $(date -u +%Y-%m-%d) |" >>"$RESULTS"
    echo "$t: rc=$rc execs=${execs:-?} ${secs}s crashes=$crashes"
done
exit $fail
