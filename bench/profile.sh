#!/usr/bin/env bash
# bench/profile.sh -- where payload inspection's time goes: the pipeline with and without it,
# each pass sampled by async-profiler, on the benchmark's capture or one part of it. Not a test.
# See docs/benchmarks.md, "Profiling the difference".
#
#   bench/profile.sh [--part all|dns|http|tls|rest] [--rounds N] [--capture FILE] [--packets N]
#                    [--seed S] [--top N] [--jvm "OPTIONS"] [--event cpu|alloc] [--floor] [--keep]
#
# Builds the working tree (tests skipped). Without --capture, the benchmark's capture is
# synthesized as bench/run.sh makes it; --part cuts it with tcpdump as bench/compare.sh does.
# Each round runs the pipeline with and without inspection, the order alternating; every pass
# after the warm-up is sampled (every thread, 1 ms, the collector's and the compiler's too).
# Prints the samples by thread and the frames the inspected passes spend the most more samples
# in, and keeps both sides' stacks (flame graph input) in the printed directory. --event alloc
# samples heap allocations instead of CPU time: the frames then count bytes allocated. --floor
# profiles the inspection stage with no parser and no rule as the inspected side.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="$ROOT/bench"
# shellcheck source=scripts/env.sh
source "$ROOT/scripts/env.sh"
# shellcheck source=bench/scripts/capture.sh
source "$BENCH/scripts/capture.sh"

PART=all
ROUNDS=8
CAPTURE=""
PACKETS=1600000
SEED=20250101
TOP=40
KEEP=0
JVM_EXTRA=()
EVENT=cpu
INSPECTION=all
while (($#)); do
  case "$1" in
    --part) PART=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --capture) CAPTURE=$2; shift 2 ;;
    --packets) PACKETS=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    --top) TOP=$2; shift 2 ;;
    --jvm) read -r -a JVM_EXTRA <<<"$2"; shift 2 ;;
    --event) EVENT=$2; shift 2 ;;
    --floor) INSPECTION=floor; shift ;;
    --keep) KEEP=1; shift ;;
    -h|--help) sed -n '2,19p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "profile: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
bench_part_filter profile "$PART"
if [[ "$EVENT" != cpu && "$EVENT" != alloc ]]; then
  echo "profile: --event is cpu or alloc, not $EVENT" >&2
  exit 2
fi
if [[ -n "$CAPTURE" && ! -r "$CAPTURE" ]]; then
  echo "profile: cannot read the capture $CAPTURE" >&2
  exit 2
fi

say() { printf '[profile] %s\n' "$*" >&2; }

netwatch_work_dir profile "the capture and the stacks"
# The stacks are the result: they stay, whatever --keep says.
OUT="$BENCH/target/profiles/$(date -u +%Y%m%dT%H%M%SZ)"

netwatch_find_jdk
JAVA="$JAVA_HOME/bin/java"
netwatch_need mvn maven
[[ -n "$FILTER" ]] && netwatch_need tcpdump tcpdump

say "building the working tree (log in $WORK/build.log) ..."
bench_build "$ROOT" bench "$WORK/build.log"
CP="$BENCH/target/classes:$BENCH/target/lib/*"

bench_capture

say "profiling $ROUNDS rounds on $(basename "$CAPTURE") ..."
# The agent pod's JVM, as bench/run.sh times it: one CPU seen (the serial collector), 256 MiB of heap.
"$JAVA" -XX:ActiveProcessorCount=1 -Xmx256m ${JVM_EXTRA[@]+"${JVM_EXTRA[@]}"} \
  --enable-native-access=ALL-UNNAMED -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -Dnetwatch.profile.event="$EVENT" -Dnetwatch.profile.inspection="$INSPECTION" -cp "$CP" io.netwatch.bench.ProfileBench "$CAPTURE" "$ROUNDS" "$OUT" "$TOP"
say "both sides' stacks (collapsed, flame graph input): $OUT"
