#!/usr/bin/env python3
"""Runs a command and writes each line of its output prefixed with the time it arrived.

    stamp.py OUT -- CMD ARGS...

Each output line becomes "<epoch milliseconds>\t<line>" in OUT, flushed at once, so the lab
can tell when the aggregator delivered an anomaly. Ends when the command ends.
"""
import subprocess
import sys
import time


def main():
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        sys.exit("usage: stamp.py OUT -- CMD ARGS...")
    with open(sys.argv[1], "a", buffering=1) as out:
        proc = subprocess.Popen(sys.argv[3:], stdout=subprocess.PIPE, text=True, bufsize=1)
        for line in proc.stdout:
            out.write("%d\t%s" % (time.time() * 1000, line))
        sys.exit(proc.wait())


if __name__ == "__main__":
    main()
