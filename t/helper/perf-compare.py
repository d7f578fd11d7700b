#!/usr/bin/env python3
"""perf-compare.py: compare perfloop's profile output with perf's on the same file.

  perf-compare.py report PERFLOOP FILE SORT LIMIT
      perfloop hotspots FILE --sort SORT --percent-limit LIMIT --json against
      perf report -i FILE --stdio --no-children -g none --sort SORT --percent-limit LIMIT:
      per event, the same rows, percentages within 0.01 points. Samples in
      a PLT entry are the entry in perfloop (fopen@plt); perf 6.1 names the
      entry or the zero-sized _init grown over .plt depending on its rb-tree's
      shape, so a DSO's _init and *@plt rows are compared as one sum.
  perf-compare.py diff PERFLOOP A B
      perfloop diff A B --json --percent-limit 0 against perf diff -c delta A B:
      every row perf matched (a baseline and a delta) has perfloop's delta
      within 0.01 points, and rows perf shows without a delta are gone or
      below 0.01 points in perfloop. _init and *@plt rows are left out (see
      above).

Prints what differs and exits 1 when anything does. Used by t/t2*.sh.
"""
import json
import re
import subprocess
import sys


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("command failed (%d): %s\n%s" % (p.returncode, " ".join(cmd), p.stderr))
    return p.stdout


def split_cols(text):
    """Columns of a perf --stdio row are separated by two or more spaces."""
    return [c for c in re.split(r"\s{2,}", text.strip()) if c]


PLT = "(_init and *@plt)"


def plt_row(symbol):
    """A row perf may name either way: _init or a PLT entry (see above)."""
    return symbol == "_init" or symbol.endswith("@plt")


def add_row(rows, folded, key):
    """rows[key] += percent, _init and *@plt rows of one DSO under one key."""
    def add(percent):
        k = key[:-1] + (PLT,) if plt_row(key[-1]) else key
        rows[k] = rows.get(k, 0.0) + percent
        folded[k] = folded.get(k, 0) + 1
    return add


def parse_report(text, keys):
    """{event: {(cols..., level, symbol): percent}} from perf report --stdio."""
    events, rows = {}, None
    for line in text.splitlines():
        m = re.match(r"# Samples: .* of event '(.*)'", line)
        if m:
            rows = events.setdefault(m.group(1), {})
            continue
        if rows is None or not line.strip() or line.startswith("#"):
            continue
        m = re.match(r"\s*([\d.]+)%\s+(.*?)(\[.\]) (.*)$", line)
        if not m:
            continue
        cols = split_cols(m.group(2))
        key = tuple(cols) + (m.group(3), m.group(4).rstrip())
        add_row(rows, FOLDED, key)(float(m.group(1)))
    return events


def ours_report(doc, keys):
    events = {}
    for ev in doc["events"]:
        rows = events.setdefault(ev["event"], {})
        for r in ev["rows"]:
            cols = []
            if "comm" in keys:
                cols.append(r["comm"])
            if "dso" in keys:
                cols.append(r["dso"])
            key = tuple(cols) + ("[%s]" % r["level"], r["symbol"])
            # rounded as perf prints it, so rows that share a name add up alike
            add_row(rows, FOLDED, key)(round(r["percent"], 2))
    return events


FOLDED = {}  # how many rows, perf's and perfloop's, each folded key sums


def report(perfloop, path, sort, limit):
    keys = sort.split(",")
    perf = parse_report(run(["perf", "report", "-i", path, "--stdio", "--no-children", "-g",
                             "none", "--sort", sort, "--percent-limit", limit]), keys)
    ours = ours_report(json.loads(run([perfloop, "hotspots", path, "--sort", sort,
                                       "--percent-limit", limit, "--json"])), keys)
    bad = 0
    if sorted(perf) != sorted(ours):
        print("events differ: perf %s, perfloop %s" % (sorted(perf), sorted(ours)))
        bad += 1
    for ev in sorted(set(perf) & set(ours)):
        p, o = perf[ev], ours[ev]
        for k in sorted(set(p) | set(o)):
            a, b = p.get(k), o.get(k)
            # each rounded row of a folded sum may be 0.005 off
            if a is None or b is None or abs(a - b) > 0.0101 + 0.01 * FOLDED.get(k, 0):
                bad += 1
                if bad <= 20:
                    print("row differs in %s: %s perf %s perfloop %s" % (ev, k, a, b))
        print("%s: %s --sort %s --percent-limit %s: %d rows in perf, %d in perfloop"
              % (path, ev, sort, limit, len(p), len(o)))
    return bad


def parse_diff(text):
    """{(dso, symbol): (baseline or None, delta or None)} from perf diff -c delta."""
    rows = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        m = re.match(r"\s*(?:([\d.]+)%)?\s+(?:([+-][\d.]+)%)?\s+(.*?)\s+\[.\] (.*)$", line)
        if not m:
            continue
        base = float(m.group(1)) if m.group(1) else None
        delta = float(m.group(2)) if m.group(2) else None
        rows[(m.group(3).strip(), m.group(4).rstrip())] = (base, delta)
    return rows


def diff(perfloop, a, b):
    perf = parse_diff(run(["perf", "diff", "-c", "delta", a, b]))
    doc = json.loads(run([perfloop, "diff", a, b, "--json", "--percent-limit", "0"]))
    ours = {(r["dso"], r["symbol"]): r for r in doc["rows"]}
    bad = checked = 0
    for (dso, sym), (base, delta) in perf.items():
        if sym.startswith("0x") or dso.startswith("[JIT]") or plt_row(sym):
            continue  # unresolved addresses: perf diff shows one of them per DSO
        r = ours.get((dso, sym))
        if r is None or r["merged"] != 1:
            continue  # the normalization merged it with another symbol
        checked += 1
        if base is not None and delta is not None:
            ok = r["status"] == "matched" and abs(r["delta"] - delta) <= 0.0101
        elif base is not None:
            ok = r["status"] == "gone" or abs(r["delta"]) < 0.0101
        else:
            ok = r["status"] == "new" and abs(r["new"] - delta) <= 0.0101
        if not ok:
            bad += 1
            if bad <= 20:
                print("row differs: %s %s perf base %s delta %s, perfloop %s" %
                      (dso, sym, base, delta, r))
    print("%s vs %s: %d perf diff rows checked, %d differ" % (a, b, checked, bad))
    if checked == 0:
        print("no row compared")
        bad += 1
    return bad


def main():
    if len(sys.argv) == 6 and sys.argv[1] == "report":
        bad = report(*sys.argv[2:])
    elif len(sys.argv) == 5 and sys.argv[1] == "diff":
        bad = diff(*sys.argv[2:])
    else:
        sys.exit(__doc__)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
