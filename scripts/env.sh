# Sourced by ./netwatch, scripts/test and .ci/run: finds a JDK 25 and installs what the
# system lacks with apt-get (this machine kind is Debian, run as root).

# Maven itself runs on this JDK: keep Java 25's notice about Maven's own Guava off the output.
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"

netwatch_find_jdk() {
  local candidate
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]] \
      && "$JAVA_HOME/bin/java" -version 2>&1 | grep -Eq 'version "(2[5-9]|[3-9][0-9])'; then
    export JAVA_HOME
    return
  fi
  for candidate in /usr/lib/jvm/temurin-25-jdk-* /usr/lib/jvm/java-25-* /usr/lib/jvm/jdk-25* /opt/java/openjdk; do
    if [[ -x "$candidate/bin/java" ]] && "$candidate/bin/java" -version 2>&1 | grep -Eq 'version "(2[5-9]|[3-9][0-9])'; then
      export JAVA_HOME="$candidate"
      return
    fi
  done
  if command -v java >/dev/null && java -version 2>&1 | grep -Eq 'version "(2[5-9]|[3-9][0-9])'; then
    JAVA_HOME="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"
    export JAVA_HOME
    return
  fi
  echo "netwatch: needs a JDK 25 or newer; none found under /usr/lib/jvm or on PATH." >&2
  echo "          Install one (for example Debian's openjdk-25-jdk or Temurin 25) or set JAVA_HOME." >&2
  exit 1
}

# netwatch_work_dir NAME WHAT: a temp dir for the calling script, in $WORK, removed when the
# script exits, after the script's own nw_cleanup if it defines one. With KEEP=1 it stays, and
# the script's say (or stderr) tells where WHAT is.
netwatch_work_dir() {
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/netwatch-$1.XXXXXX")
  _netwatch_work_kept=$2
  trap _netwatch_work_cleanup EXIT
  trap 'exit 130' INT TERM
}

_netwatch_work_cleanup() {
  local rc=$?
  if declare -F nw_cleanup >/dev/null; then
    nw_cleanup
  fi
  if ((${KEEP:-0})); then
    if declare -F say >/dev/null; then
      say "kept $_netwatch_work_kept in $WORK"
    else
      echo "netwatch: kept $_netwatch_work_kept in $WORK" >&2
    fi
  else
    rm -rf -- "$WORK"
  fi
  exit $rc
}

_netwatch_apt_updated=""
netwatch_apt_install() {
  if [[ "$(id -u)" != 0 ]]; then
    echo "netwatch: missing system packages: $*; install them (apt-get install $*) or run as root." >&2
    exit 1
  fi
  if [[ -z "$_netwatch_apt_updated" ]]; then
    echo "netwatch: installing $* with apt-get ..." >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    _netwatch_apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# netwatch_need COMMAND PACKAGE: installs PACKAGE when COMMAND is missing.
netwatch_need() {
  command -v "$1" >/dev/null 2>&1 || netwatch_apt_install "$2"
}

netwatch_need_libpcap() {
  if ! compgen -G "/usr/lib/*-linux-gnu/libpcap.so*" >/dev/null && ! compgen -G "/usr/lib/libpcap.so*" >/dev/null; then
    netwatch_apt_install libpcap0.8
  fi
}

# What the live-capture and lab tests need: libpcap, iproute2 (netns, veth), tcpdump,
# nftables (the agent's blocker and its tests), ping, curl, python3 (servers in a namespace).
netwatch_need_test_tools() {
  netwatch_need_libpcap
  local missing=()
  command -v ip >/dev/null 2>&1 || missing+=(iproute2)
  command -v tcpdump >/dev/null 2>&1 || missing+=(tcpdump)
  command -v nft >/dev/null 2>&1 || [[ -x /usr/sbin/nft ]] || missing+=(nftables)
  # ping: the blocking tests (agent/.../block) check ICMP is dropped and restored.
  command -v ping >/dev/null 2>&1 || missing+=(iputils-ping)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  command -v python3 >/dev/null 2>&1 || missing+=(python3)
  command -v mvn >/dev/null 2>&1 || missing+=(maven)
  if ((${#missing[@]})); then
    netwatch_apt_install "${missing[@]}"
  fi
}
