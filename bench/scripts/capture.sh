# shellcheck shell=bash
# Sourced by bench/run.sh, bench/compare.sh and bench/profile.sh (after scripts/env.sh): the
# build they share, and the benchmark's capture, synthesized or cut to one kind of traffic.
# Each caller defines say.

# bench_build DIR MODULE LOG: builds MODULE and what it needs in DIR, tests neither compiled nor
# run (-Dmaven.test.skip: work in progress in another module's tests cannot stop a benchmark);
# on failure shows the log's end and exits.
bench_build() {
  if ! (cd "$1" && mvn -B -ntp -Dstyle.color=never -pl "$2" -am package -Dmaven.test.skip=true) >"$3" 2>&1; then
    tail -30 "$3" >&2
    say "the build in $1 failed; the whole log is in $3"
    exit 1
  fi
}

# bench_part_filter TOOL PART: sets FILTER, the tcpdump filter that cuts PART (all, dns, http,
# tls, rest) out of the capture; empty for all. An unknown PART is TOOL's usage error.
bench_part_filter() {
  case "$2" in
    all) FILTER="" ;;
    dns) FILTER="udp port 53" ;;
    http) FILTER="tcp port 80 or tcp port 8080" ;;
    tls) FILTER="tcp port 443" ;;
    rest) FILTER="not (udp port 53 or tcp port 80 or tcp port 8080 or tcp port 443)" ;;
    *) echo "$1: --part is one of all, dns, http, tls, rest; not '$2'" >&2; exit 2 ;;
  esac
}

# bench_capture: the capture to run on, in CAPTURE. Without one given, synthesizes PACKETS
# packets (seed SEED) into WORK with JAVA and CP; with a FILTER, cuts PART out of it into WORK.
bench_capture() {
  if [[ -z "$CAPTURE" ]]; then
    CAPTURE="$WORK/capture.pcap"
    say "synthesizing $PACKETS packets of mixed traffic (seed $SEED) ..."
    "$JAVA" -cp "$CP" io.netwatch.bench.synth.CaptureSynthesizer "$CAPTURE" --packets "$PACKETS" --seed "$SEED" \
      >/dev/null
  fi
  if [[ -n "$FILTER" ]]; then
    tcpdump -r "$CAPTURE" -w "$WORK/$PART.pcap" "$FILTER" 2>/dev/null
    CAPTURE="$WORK/$PART.pcap"
  fi
}
