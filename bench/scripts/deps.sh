# shellcheck shell=bash
# Sourced by bench/run.sh (after scripts/env.sh, which installs the plain Debian packages):
# makes Suricata available from bookworm-backports. Debian's packages only; needs root.

# bench_apt_update: runs apt-get update once per run.
_bench_apt_updated=""
bench_apt_update() {
  if [[ -z "$_bench_apt_updated" ]]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 || true
    _bench_apt_updated=1
  fi
}

# bench_debian_mirror: prints the URI this machine already uses for the bookworm suite, read from
# its own APT sources (deb822 .sources files or one-line .list files), so backports comes from the
# same mirror. Prints nothing when no bookworm entry is found.
bench_debian_mirror() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f "$f" ]] || continue
    # deb822: paragraphs separated by blank lines; take URIs of a paragraph whose Suites has bookworm.
    awk 'BEGIN { RS = ""; FS = "\n" }
         {
           uri = ""; suite = 0
           for (i = 1; i <= NF; i++) {
             if ($i ~ /^URIs:/) { split($i, a, /[ \t]+/); uri = a[2] }
             if ($i ~ /^Suites:/ && $i ~ /(^|[ \t])bookworm([ \t]|$)/) suite = 1
           }
           if (suite && uri != "") { print uri; exit }
         }' "$f"
  done | head -n 1 | grep . && return 0
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f "$f" ]] || continue
    awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i !~ /^\[/ && $i !~ /\]$/) { uri = $i; suite = $(i + 1); break }
                       if (suite == "bookworm") { print uri; exit } }' "$f"
  done | head -n 1
}

# bench_need_suricata: makes `suricata` available, from bookworm-backports. On failure prints the
# reason on stdout and returns 1.
bench_need_suricata() {
  command -v suricata >/dev/null 2>&1 && return 0
  if [[ "$(id -u)" != 0 ]]; then
    echo "not installed, and installing it needs root"
    return 1
  fi
  local list=/etc/apt/sources.list.d/netwatch-bench-backports.sources mirror
  local log="${BENCH_LOG_DIR:-${TMPDIR:-/tmp}}/suricata-install.log"
  if ! apt-cache policy 2>/dev/null | grep -q 'bookworm-backports'; then
    mirror=$(bench_debian_mirror)
    if [[ -z "$mirror" ]]; then
      echo "no bookworm entry in this machine's APT sources to derive a backports mirror from"
      return 1
    fi
    printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      "$mirror" >"$list"
    _bench_apt_updated=""
  fi
  bench_apt_update
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends -t bookworm-backports suricata \
      >"$log" 2>&1; then
    echo "apt-get -t bookworm-backports install suricata failed: $(grep -E '^E:' "$log" | head -n 1)"
    return 1
  fi
  command -v suricata >/dev/null 2>&1 || { echo "installed, but no suricata on PATH"; return 1; }
}
