#!/usr/bin/env bash
# bench/run.sh -- Netwatch's whole-pipeline benchmark, in one command. Not a test: nothing here
# runs under `mvn test` or CI. What it measures and how to read it: docs/benchmarks.md.
#
#   bench/run.sh [--packets N] [--seed S] [--rounds N] [--live-seconds S] [--no-live] [--keep]
#
# 1. builds the bench module (and the agent it needs) with Maven, tests skipped;
# 2. installs what is missing from Debian's packages: tcpdump, gcc, and Suricata from
#    bookworm-backports (enabled from the mirror this machine's APT sources already use);
# 3. synthesizes a capture of N packets of mixed traffic (default 1,600,000) into a temp dir;
# 4. times, in one JVM on that file: the bare memory-mapped read, Netwatch's pipeline, tcpdump -r
#    and suricata -r (single runmode, no rules), and writes the ratios; then Netwatch's pipeline
#    with and without payload inspection back to back, each in JVMs of its own, the heap never
#    collected between passes (as an agent's is not);
# 5. measures heap bytes per tracked flow with 1,000,000 flows (a JVM of its own);
# 6. measures the live-capture drop rate: two network namespaces joined by a veth, a C blaster
#    at full speed in one, the agent's LiveCapture + Pipeline in the other;
# 7. prints the table, and keeps it with every stage's figures in bench/target/results/<time>/.
#
# Needs root (apt-get, network namespaces, live capture). 5 to 7 minutes on 2 cores.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="$ROOT/bench"
# shellcheck source=scripts/env.sh
source "$ROOT/scripts/env.sh"
# shellcheck source=bench/scripts/deps.sh
source "$BENCH/scripts/deps.sh"
# shellcheck source=bench/scripts/capture.sh
source "$BENCH/scripts/capture.sh"

PACKETS=1600000
SEED=20250101
ROUNDS=5
STEADY_PASSES=8
LIVE_SECONDS=10
LIVE_FLOWS=1024
LIVE=1
KEEP=0
while (($#)); do
  case "$1" in
    --packets) PACKETS=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --live-seconds) LIVE_SECONDS=$2; shift 2 ;;
    --no-live) LIVE=0; shift ;;
    --keep) KEEP=1; shift ;;
    -h|--help) sed -n '2,20p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "bench: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

say() { printf '[bench] %s\n' "$*" >&2; }

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS="$BENCH/target/results/$STAMP"
mkdir -p "$RESULTS"
netwatch_work_dir bench "the capture and the tools' logs"

# --- tools ------------------------------------------------------------------------------------
netwatch_find_jdk
JAVA="$JAVA_HOME/bin/java"
netwatch_need_libpcap
netwatch_need mvn maven
netwatch_need tcpdump tcpdump
netwatch_need ip iproute2
netwatch_need gcc gcc
[[ -e /usr/include/stdio.h ]] || netwatch_apt_install libc6-dev

SURICATA_REASON=""
BENCH_LOG_DIR="$RESULTS"   # where an apt-get log of the Suricata install goes
if ! SURICATA_REASON=$(bench_need_suricata); then
  say "suricata: not available ($SURICATA_REASON); the rest runs without it"
else
  SURICATA_REASON=""
fi

# --- build ------------------------------------------------------------------------------------
say "building the bench module with Maven (tests skipped; log in $RESULTS/build.log) ..."
bench_build "$ROOT" bench "$RESULTS/build.log"
CP="$BENCH/target/classes:$BENCH/target/lib/*"
# pcap4j logs every loop break at INFO through slf4j-simple: warnings only.
JAVA_OPTS=(-Dorg.slf4j.simpleLogger.defaultLogLevel=warn)
gcc -O2 -Wall -Wextra -o "$WORK/blast" "$BENCH/live/blast.c"

# --- the machine ------------------------------------------------------------------------------
{
  echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "host=$(hostname)"
  echo "cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
  echo "cpus=$(nproc)"
  echo "memory=$(awk '/MemTotal/ { printf "%.0f GiB RAM", $2 / 1048576 }' /proc/meminfo)"
  echo "kernel=$(uname -r)"
  echo "load.before=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "capture=synthesized, seed $SEED"
  if git -C "$ROOT" rev-parse --short HEAD >/dev/null 2>&1; then
    echo "source=commit $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- agent proto \
      common bench 2>/dev/null || echo ' with uncommitted changes in agent/, proto/, common/ or bench/')"
  fi
} >"$RESULTS/env.properties"

# --- 1. the capture ---------------------------------------------------------------------------
CAPTURE="$WORK/capture.pcap"
say "synthesizing $PACKETS packets of mixed traffic into $CAPTURE ..."
"$JAVA" "${JAVA_OPTS[@]}" -cp "$CP" io.netwatch.bench.synth.CaptureSynthesizer "$CAPTURE" --packets "$PACKETS" --seed "$SEED" \
  | tee "$RESULTS/synth.txt" >&2

# --- 2. readers on the file -------------------------------------------------------------------
say "timing the readers on the file ($ROUNDS rounds; Suricata 3) ..."
FILE_ARGS=(--rounds "$ROUNDS" --warmup 3 --suricata-rounds 3)
[[ -n "$SURICATA_REASON" ]] && FILE_ARGS+=(--suricata-unavailable "$SURICATA_REASON")
# The JVM the agent's pod gets (manifests/agent-daemonset.yaml: a 1-CPU limit, 512 MiB with half
# of it heap, as the image's -XX:MaxRAMPercentage=50 sets): one CPU makes it pick the serial collector.
FILE_JVM=(-XX:ActiveProcessorCount=1 -Xmx256m)
"$JAVA" "${JAVA_OPTS[@]}" "${FILE_JVM[@]}" -cp "$CP" io.netwatch.bench.FileBench "$CAPTURE" "$RESULTS/file.properties" "$WORK/file" \
  "${FILE_ARGS[@]}" >&2

# --- 2b. the same pipelines back to back, the heap as an agent keeps it ------------------------
# FileBench collects the whole heap before each pass, untimed; here no pass is preceded by a
# collection, so the full collections that the flows' promoted state brings fall inside the
# passes, as they do in a running agent. Each pipeline in JVMs of its own, in the order
# without, with, with, without, so that a drift of the machine's speed weighs on both alike.
say "timing both pipelines back to back, no collection between passes (4 JVMs, ${STEADY_PASSES} passes each) ..."
for run in uninspected.1 inspected.1 inspected.2 uninspected.2; do
  "$JAVA" "${JAVA_OPTS[@]}" "${FILE_JVM[@]}" -cp "$CP" io.netwatch.bench.SteadyBench "$CAPTURE" \
    "$RESULTS/steady-$run.properties" "steady.$run" "${run%.*}" 5 "$STEADY_PASSES" >&2
done

# --- 3. bytes per tracked flow ----------------------------------------------------------------
say "bytes per tracked flow, 1,000,000 flows ..."
# The serial collector: after System.gc() its used-heap figure is exact, and a 4 GiB heap
# leaves no doubt that a full table fits.
"$JAVA" "${JAVA_OPTS[@]}" -XX:+UseSerialGC -Xms4g -Xmx4g -cp "$CP" io.netwatch.bench.FlowMemoryBench "$RESULTS/memory.properties" >&2

# --- 4. live capture drop rate ----------------------------------------------------------------
live_unavailable() {
  say "live capture: not measured ($1)"
  printf 'reason=%s\n' "$1" >"$RESULTS/live-sender.properties"
}

# Reads one counter of an interface inside one of our namespaces.
counter() { nw_exec "$1" cat "/sys/class/net/$2/statistics/$3"; }

live_stage() {
  # shellcheck source=lab/netns.sh
  source "$ROOT/lab/netns.sh"
  nw_init "nwb$$"
  nw_node tx
  nw_node rx
  # No IPv6 on either end: not one packet but the blaster's crosses the veth.
  local n
  for n in tx rx; do
    nw_exec "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  done
  nw_link tx rx 198.18.0.1/30 198.18.0.2/30   # tx:eth-rx <-> rx:eth-tx
  local txif=eth-rx rxif=eth-tx steps="$WORK/live"
  mkdir -p "$steps"

  # The agent pod's JVM, as for the file readers.
  nw_bg rx "$RESULTS/live-capture.log" "$JAVA" "${JAVA_OPTS[@]}" "${FILE_JVM[@]}" --enable-native-access=ALL-UNNAMED -cp "$CP" \
    io.netwatch.bench.LiveCaptureBench "$rxif" "$steps" "$RESULTS/live.properties"
  local capture_pid=$NW_LAST_PID i
  for ((i = 0; i < 300; i++)); do
    [[ -e "$steps/ready" ]] && break
    kill -0 "$capture_pid" 2>/dev/null || break
    sleep 0.1
  done
  if [[ ! -e "$steps/ready" ]]; then
    live_unavailable "the capture did not start: $(tail -n 3 "$RESULTS/live-capture.log" | tr '\n' ' ')"
    return
  fi

  say "live: warm-up burst (3 s) ..."
  nw_exec tx "$WORK/blast" "$txif" 3 "$LIVE_FLOWS" >/dev/null
  touch "$steps/mark"
  for ((i = 0; i < 300; i++)); do
    [[ -e "$steps/marked" ]] && break
    sleep 0.1
  done
  local rx0 rxd0 txd0
  rx0=$(counter rx "$rxif" rx_packets)
  rxd0=$(counter rx "$rxif" rx_dropped)
  txd0=$(counter tx "$txif" tx_dropped)
  say "live: measured burst ($LIVE_SECONDS s, $LIVE_FLOWS flows) ..."
  local line
  line=$(nw_exec tx "$WORK/blast" "$txif" "$LIVE_SECONDS" "$LIVE_FLOWS")
  local rx1 rxd1 txd1
  rx1=$(counter rx "$rxif" rx_packets)
  rxd1=$(counter rx "$rxif" rx_dropped)
  txd1=$(counter tx "$txif" tx_dropped)
  touch "$steps/stop"
  for ((i = 0; i < 600; i++)); do
    kill -0 "$capture_pid" 2>/dev/null || break
    sleep 0.1
  done
  wait "$capture_pid" 2>/dev/null || true
  # line: "sent N refused M seconds S"
  local -a f
  read -r -a f <<<"$line"
  {
    echo "path=veth between two network namespaces, frames of 60 bytes, AF_PACKET sendmmsg"
    echo "flows=$LIVE_FLOWS"
    echo "sent=${f[1]}"
    echo "refused=${f[3]}"
    echo "seconds=${f[5]}"
    echo "rx.packets=$((rx1 - rx0))"
    echo "rx.dropped=$((rxd1 - rxd0))"
    echo "tx.dropped=$((txd1 - txd0))"
  } >"$RESULTS/live-sender.properties"
  cat "$RESULTS/live-capture.log" >&2
  nw_cleanup
}

if ((!LIVE)); then
  live_unavailable "skipped with --no-live"
elif [[ "$(id -u)" != 0 ]]; then
  live_unavailable "needs root for network namespaces and live capture"
else
  live_stage
fi

# --- report -----------------------------------------------------------------------------------
echo "load.after=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$RESULTS/env.properties"
"$JAVA" "${JAVA_OPTS[@]}" -cp "$CP" io.netwatch.bench.BenchReport "$RESULTS" | tee "$RESULTS/report.txt"
say "figures of every stage: $RESULTS"
