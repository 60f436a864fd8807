#!/usr/bin/env python3
"""The lab's verdict: which scenarios were detected, how fast, and what the benign run raised.

    report.py OUT_DIR

Reads OUT_DIR/scenarios.tsv (name, expected types, actor addresses, start ms, end ms; the
benign run is the row named "benign") and OUT_DIR/anomalies.log (lines "<arrival ms>\t<JSON
anomaly>" from `netwatch anomalies --follow --json`). An anomaly belongs to a scenario when
it arrived between the scenario's start and end and names one of its actors as source or
destination. Writes OUT_DIR/results.tsv and OUT_DIR/table.md and prints the table.
"""
import json
import statistics
import sys
from pathlib import Path

SEVERE = {"medium", "high", "critical"}


def load_anomalies(path):
    out = []
    if not path.exists():
        return out
    for line in path.read_text().splitlines():
        arrived, _, text = line.partition("\t")
        try:
            a = json.loads(text)
        except ValueError:
            continue
        if a.get("type") == "anomaly":
            a["_arrived"] = int(arrived)
            out.append(a)
    return out


def main():
    out = Path(sys.argv[1])
    anomalies = load_anomalies(out / "anomalies.log")
    rows, benign = [], None
    for line in (out / "scenarios.tsv").read_text().splitlines():
        name, types, actors, start, end = line.split("\t")
        if name == "benign":
            benign = (int(start), int(end))
            continue
        expected = set(types.split(","))
        actors = set(actors.split(","))
        start, end = int(start), int(end)
        mine = [a for a in anomalies if start <= a["_arrived"] <= end
                and (a.get("src_ip") in actors or a.get("dst_ip") in actors)]
        raised = sorted({a["anomaly_type"] for a in mine})
        hits = [a["_arrived"] - start for a in mine if a["anomaly_type"] in expected]
        rows.append((name, ",".join(sorted(expected)), bool(hits), ",".join(raised) or "-",
                     min(hits) if hits else None))

    lines = ["| scenario | expected | detected | types raised | first anomaly after start |",
             "|---|---|---|---|---|"]
    with open(out / "results.tsv", "w") as tsv:
        tsv.write("scenario\texpected\tdetected\traised\tlatency_ms\n")
        for name, expected, detected, raised, latency in rows:
            tsv.write("%s\t%s\t%s\t%s\t%s\n" % (name, expected, "yes" if detected else "no", raised,
                                                "" if latency is None else latency))
            lines.append("| %s | %s | %s | %s | %s |" % (
                name, expected, "yes" if detected else "**no**", raised,
                "-" if latency is None else "%.2f s" % (latency / 1000)))
        latencies = [r[4] for r in rows if r[4] is not None]
        detected = sum(1 for r in rows if r[2])
        summary = "%d of %d scenarios detected" % (detected, len(rows))
        if latencies:
            summary += "; median time to first anomaly %.2f s" % (statistics.median(latencies) / 1000)
        tsv.write("# %s\n" % summary)
        lines += ["", summary + "."]
        if benign is not None:
            during = [a for a in anomalies if benign[0] <= a["_arrived"] <= benign[1]]
            severe = [a for a in during if a.get("severity") in SEVERE]
            minutes = (benign[1] - benign[0]) / 60000
            lines.append("Benign-only run of %.1f min: %d anomalies, %d of medium severity or above."
                         % (minutes, len(during), len(severe)))
            tsv.write("# benign_minutes=%.1f anomalies=%d severe=%d\n" % (minutes, len(during), len(severe)))
            for a in during:
                lines.append("- %s %s %s -> %s: %s" % (a.get("severity"), a["anomaly_type"], a.get("src_ip"),
                                                      a.get("dst_ip"), a.get("explanation", "")))
    table = "\n".join(lines) + "\n"
    (out / "table.md").write_text(table)
    print(table, end="")


if __name__ == "__main__":
    main()
