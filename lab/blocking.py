#!/usr/bin/env python3
"""The lab's blocking verdict (--enforce): how fast the scanner was cut off, whether the drop
lifted by itself, whether benign pods kept talking, and whether the spoofed scan blocked the
protected DNS pod.

    blocking.py OUT_DIR

Reads the probes lab/run.sh writes: probe-attacker.log and probe-benign.log ("<ms> ok|fail",
one request every 0.1 s), scan-blocked.start (ms), scan-first-syn.txt (the attacker's tcpdump
line for the scan's first SYN), probe-spoof-benign.log, spoofed-dns.txt.

The block is timed from the scan's first SYN: what Netwatch controls. How long nmap took to
send it after the scenario's start is reported beside it. Without the tcpdump line, the
scenario's start stands in.
Appends to OUT_DIR/table.md and writes OUT_DIR/blocking.tsv.
"""
import sys
from pathlib import Path


def probes(path):
    if not path.exists():
        return []
    out = []
    for line in path.read_text().split("\n"):
        parts = line.split()
        if len(parts) == 2 and parts[0].isdigit():
            out.append((int(parts[0]), parts[1] == "ok"))
    return out


def first_syn_ms(path):
    """The epoch time, in ms, of tcpdump's first packet line ("1764182612.123456 IP ..."), or None."""
    if not path.exists():
        return None
    for line in path.read_text().split("\n"):
        stamp = line.split(" ", 1)[0]
        whole, _, frac = stamp.partition(".")
        if whole.isdigit() and frac.isdigit():
            return int(whole) * 1000 + int(frac[:3].ljust(3, "0"))
    return None


def main():
    out = Path(sys.argv[1])
    start = int((out / "scan-blocked.start").read_text().strip())
    attacker = probes(out / "probe-attacker.log")
    benign = probes(out / "probe-benign.log")
    syn = first_syn_ms(out / "scan-first-syn.txt")
    scan_start = start if syn is None else syn
    first_fail = next((t for t, ok in attacker if t >= scan_start and not ok), None)
    restored = next((t for t, ok in attacker if first_fail and t > first_fail and ok), None)
    benign_fail = sum(1 for _, ok in benign if not ok)
    spoof_benign = probes(out / "probe-spoof-benign.log")
    dns_file = out / "spoofed-dns.txt"
    dns = dns_file.read_text().strip() if dns_file.exists() else ""
    rows = [
        ("blocked_after_ms", "" if first_fail is None else first_fail - scan_start),
        ("first_syn_after_ms", "" if syn is None else syn - start),
        ("restored_after_block_ms", "" if restored is None else restored - first_fail),
        ("benign_requests", len(benign)),
        ("benign_failures", benign_fail),
        ("spoofed_scan_benign_failures", sum(1 for _, ok in spoof_benign if not ok)),
        ("protected_dns_pod_answers", "yes" if dns == "10.244.2.20" else "no"),
    ]
    with open(out / "blocking.tsv", "w") as tsv:
        for k, v in rows:
            tsv.write("%s\t%s\n" % (k, v))
    lines = ["", "Blocking (enforce):",
             "- the scanner's traffic was dropped %s after the scan's first SYN (nmap sent it %s "
             "after the scenario began)" % (
                 "never" if first_fail is None else "%.2f s" % ((first_fail - scan_start) / 1000),
                 "at an unknown time" if syn is None else "%.2f s" % ((syn - start) / 1000)),
             "- the drop lifted by itself (its TTL: 5 s) %s" % (
                 "never" if restored is None else "%.1f s after it began" % ((restored - first_fail) / 1000)),
             "- a benign pod made %d requests meanwhile, %d failed" % (len(benign), benign_fail),
             "- after a scan spoofing the DNS pod's address, the DNS pod still answers: %s; benign "
             "requests failed meanwhile: %d" % (rows[6][1], rows[5][1])]
    text = "\n".join(lines) + "\n"
    with open(out / "table.md", "a") as t:
        t.write(text)
    print(text, end="")


if __name__ == "__main__":
    main()
