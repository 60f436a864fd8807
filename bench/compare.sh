#!/usr/bin/env bash
# bench/compare.sh -- two builds of the agent timed against each other, in one JVM, on the
# benchmark's capture or one part of it. Not a test. See docs/benchmarks.md, "Comparing two builds".
#
#   bench/compare.sh [--part all|dns|http|tls|rest] [--rounds N] [--capture FILE] [--packets N]
#                    [--seed S] [--jvm "OPTIONS"] [--keep] REV_A [REV_B]
#
# REV_A and REV_B are git revisions, or "work" for the working tree as it is (the default for
# REV_B). Each revision is checked out in a temporary git worktree and built there (Maven,
# tests skipped). Without --capture, the benchmark's capture is synthesized as bench/run.sh
# makes it (1,600,000 packets, the same seed); --part cuts it with tcpdump:
#   dns   udp port 53                        http  tcp port 80 or tcp port 8080
#   tls   tcp port 443                       rest  everything else
# Each round runs the pipeline with and without payload inspection under each build, the
# builds' order alternating; it prints each build's loss to inspection and the ratio of the
# two builds' times, by the median round, with a 95 % interval for that median. About 4 s a round on the whole capture.
# The timing JVM is the agent pod's (one CPU, 256 MiB of heap); --jvm adds options after
# those, which win where they repeat one (say, a heap large enough that no collection runs).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="$ROOT/bench"
# shellcheck source=scripts/env.sh
source "$ROOT/scripts/env.sh"
# shellcheck source=bench/scripts/capture.sh
source "$BENCH/scripts/capture.sh"

PART=all
ROUNDS=16
CAPTURE=""
PACKETS=1600000
SEED=20250101
KEEP=0
JVM_EXTRA=()
REVS=()
while (($#)); do
  case "$1" in
    --part) PART=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --capture) CAPTURE=$2; shift 2 ;;
    --packets) PACKETS=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    --jvm) read -r -a JVM_EXTRA <<<"$2"; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) sed -n '2,19p' "${BASH_SOURCE[0]}"; exit 0 ;;
    -*) echo "compare: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) REVS+=("$1"); shift ;;
  esac
done
if ((${#REVS[@]} == 1)); then
  REVS+=(work)
fi
if ((${#REVS[@]} != 2)); then
  echo "compare: name one or two builds: REV_A [REV_B] (a git revision, or 'work' for the working tree)" >&2
  exit 2
fi
bench_part_filter compare "$PART"
if [[ -n "$CAPTURE" && ! -r "$CAPTURE" ]]; then
  echo "compare: cannot read the capture $CAPTURE" >&2
  exit 2
fi

say() { printf '[compare] %s\n' "$*" >&2; }

WORKTREES=()
nw_cleanup() {
  local wt
  for wt in "${WORKTREES[@]}"; do
    git -C "$ROOT" worktree remove --force "$wt" >/dev/null 2>&1 || true
  done
}
netwatch_work_dir compare "the captures and build logs"

netwatch_find_jdk
JAVA="$JAVA_HOME/bin/java"
netwatch_need mvn maven
[[ -n "$FILTER" ]] && netwatch_need tcpdump tcpdump

say "building the working tree (log in $WORK/build-work.log) ..."
bench_build "$ROOT" bench "$WORK/build-work.log"
CP="$BENCH/target/classes:$BENCH/target/lib/*"

CLASSES=()
for rev in "${REVS[@]}"; do
  if [[ "$rev" == work ]]; then
    dir="$ROOT"
  else
    if ! commit=$(git -C "$ROOT" rev-parse --verify --quiet "$rev^{commit}"); then
      echo "compare: '$rev' is not a git revision here" >&2
      exit 2
    fi
    dir="$WORK/tree-${commit:0:12}"
    if [[ ! -d "$dir" ]]; then
      git -C "$ROOT" worktree add --detach "$dir" "$commit" >/dev/null 2>&1
      WORKTREES+=("$dir")
      say "building $rev (${commit:0:12}; log in $WORK/build-${commit:0:12}.log) ..."
      bench_build "$dir" bench "$WORK/build-${commit:0:12}.log"
    fi
  fi
  # Each build's own bench classes first: the reference pipeline is wired there (Pipelines), and
  # a build links only to the wiring written for it.
  CLASSES+=("$dir/bench/target/classes:$dir/agent/target/classes:$dir/common/target/classes:$dir/proto/target/classes")
done

bench_capture

say "timing $ROUNDS rounds on $(basename "$CAPTURE") ..."
# The agent pod's JVM, as bench/run.sh times it: one CPU seen (the serial collector), 256 MiB of heap.
"$JAVA" -XX:ActiveProcessorCount=1 -Xmx256m ${JVM_EXTRA[@]+"${JVM_EXTRA[@]}"} \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$CP" \
  io.netwatch.bench.CompareBuilds "$CAPTURE" "$ROUNDS" "$BENCH/target/lib" "$BENCH/target/classes" \
  "${REVS[0]}" "${CLASSES[0]}" "${REVS[1]}" "${CLASSES[1]}"
