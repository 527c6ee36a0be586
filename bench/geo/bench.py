#!/usr/bin/env python3
"""Exposure benchmark: `ruamjai geo exposure` against DuckDB spatial on the same data.

    python3 bench/geo/bench.py --points 1000000 [--record]

Generates the data when missing (generate.py), runs each engine under `/usr/bin/time -v` (wall
time and peak resident memory of the whole command: reading the zones and the points, the
join, writing the rows), checks that both found the same (point, zone) containments — the
total, the count per zone and the set of rows itself — and prints a table; `--record` appends
it to RESULTS.md.
"""

import argparse
import collections
import hashlib
import os
import platform
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))


def wait_idle(limit, max_wait):
    """Wait (up to max_wait s) until the 1-minute load average is below `limit`."""
    t = time.time()
    while os.getloadavg()[0] >= limit and time.time() - t < max_wait:
        time.sleep(5)
    return os.getloadavg()[0]


def timed(cmd, log):
    """Run `cmd` under /usr/bin/time -v: (wall seconds, peak RSS in MiB)."""
    t = time.perf_counter()
    with open(log, "w") as err:
        p = subprocess.run(["/usr/bin/time", "-v", *cmd], stdout=err, stderr=err)
    wall = time.perf_counter() - t
    text = open(log, encoding="utf-8", errors="replace").read()
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}\n{text[-3000:]}")
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1))
    return wall, rss / 1024


def summarise(path):
    """Rows, rows per zone, and an order-independent digest of the set of rows."""
    per_zone = collections.Counter()
    digest = 0
    rows = 0
    with open(path, encoding="utf-8") as f:
        header = f.readline().strip()
        assert header == "point_id,zone_id", f"{path}: header {header!r}"
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            rows += 1
            per_zone[line.rsplit(",", 1)[1]] += 1
            digest ^= int.from_bytes(hashlib.blake2b(line.encode(), digest_size=8).digest(), "little")
    return rows, per_zone, digest


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "ruamjai"))
    ap.add_argument("--python", default="/tmp/geo-venv/bin/python")
    ap.add_argument("--only", choices=["ruamjai", "duckdb"])
    ap.add_argument("--idle", type=float, default=0.7,
                    help="before each run wait (up to 10 minutes) for the 1-minute load average to fall below this")
    ap.add_argument("--warmup", type=int, default=1,
                    help="untimed runs of each engine first (page cache, binary and extension loaded alike)")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs of each engine; the median is reported")
    ap.add_argument("--record", action="store_true", help="append the table to RESULTS.md")
    a = ap.parse_args()

    data = os.path.join(HERE, "data")
    zones = os.path.join(data, "zones.geojson")
    points = os.path.join(data, f"points_{a.points}.csv")
    if not (os.path.exists(zones) and os.path.exists(points)):
        subprocess.run([sys.executable, os.path.join(HERE, "generate.py"), "--points", str(a.points),
                        "--seed", str(a.seed)], check=True)
    out = os.path.join(data, "out")
    os.makedirs(out, exist_ok=True)

    engines = {
        "ruamjai": [a.bin, "geo", "exposure", "--points", points, "--zones", zones, "--out"],
        "duckdb": [a.python, os.path.join(HERE, "duckdb_run.py"), points, zones],
    }
    results = {}
    for name, cmd in engines.items():
        if a.only and a.only != name:
            continue
        rows_path = os.path.join(out, f"{name}_{a.points}.csv")
        for _ in range(a.warmup):
            timed(cmd + [rows_path], os.path.join(out, f"{name}_{a.points}.log"))
        load = wait_idle(a.idle, 600)
        runs = sorted(timed(cmd + [rows_path], os.path.join(out, f"{name}_{a.points}.log"))
                      for _ in range(max(1, a.repeat)))
        wall, rss = runs[len(runs) // 2]
        print(f"{name}: runs {', '.join(f'{w:.2f} s' for w, _ in runs)}", flush=True)
        rows, per_zone, digest = summarise(rows_path)
        results[name] = (wall, rss, rows, per_zone, digest, load)
        print(f"{name}: {wall:.2f} s, {rss:.0f} MiB, {rows} rows (load before {load:.2f})", flush=True)

    same = None
    if len(results) == 2:
        r, d = results["ruamjai"], results["duckdb"]
        same = r[2] == d[2] and r[3] == d[3] and r[4] == d[4]
        print(f"same rows: {same} (totals {r[2]} / {d[2]}; per zone equal: {r[3] == d[3]}; set digest equal: {r[4] == d[4]})")
        print(f"speed-up: {d[0] / r[0]:.1f}x")
        if not same:
            diff = {z: (r[3][z], d[3][z]) for z in set(r[3]) | set(d[3]) if r[3][z] != d[3][z]}
            print(f"zones whose counts differ (ruamjai, duckdb): {sorted(diff.items())[:20]}")
    if a.record:
        commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True).stdout.strip()
        with open(os.path.join(HERE, "RESULTS.md"), "a") as f:
            f.write(f"\n### {a.points:,} points × 202 zones ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, HEAD {commit}, "
                    f"{platform.python_version()})\n\n")
            f.write(f"| engine | wall time (median of {a.repeat}) | peak memory | rows | 1-min load before |\n|---|---|---|---|---|\n")
            for name, (wall, rss, rows, _, _, load) in results.items():
                f.write(f"| {name} | {wall:.2f} s | {rss:.0f} MiB | {rows:,} | {load:.2f} |\n")
            if same is not None:
                f.write(f"\nSame rows: **{same}**; speed-up {results['duckdb'][0] / results['ruamjai'][0]:.1f}×.\n")


if __name__ == "__main__":
    main()
