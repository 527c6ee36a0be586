#!/usr/bin/env python3
"""Record-linkage benchmark: `ruamjai link dedup` against Splink on the same synthetic lists.

Usage (from the repository root, after `cargo build --release --bin ruamjai` and the venv of
README.md):

    python3 bench/linkage/bench.py --persons 100000              # generate if needed, run both
    python3 bench/linkage/bench.py --persons 1000000 --record    # and append to RESULTS.md
    python3 bench/linkage/bench.py --persons 100000 --only ruamjai --explain

Data: `bench/linkage/data/p{N}/` from `generate.py --persons N --seed 1` (made when missing).
Each engine deduplicates `all.csv` (≈1.5 records per person, four agency lists together) and
writes `left_id,right_id,match_probability` for pairs with probability ≥ 0.9. The engine runs
under `/usr/bin/time -v`: wall time and peak resident memory ("Maximum resident set size") of
the whole command, reading the CSV and writing the pairs included.

Quality is pairwise against `truth.csv`: the true pairs are all unordered pairs of records of
the same person; a reported pair (either order, counted once) is a true positive when both
records belong to one person. Precision = TP / reported, recall = TP / true pairs, F1 their
harmonic mean. `--explain` adds where each engine goes wrong: recall by the slips a true pair
carries (from `truth_detail.csv`), what the false positives have in common, and samples of both
(raw rows) written beside the pairs.

Results are printed as Markdown rows for RESULTS.md (`--record` appends them there).
"""
import argparse
import collections
import csv
import datetime
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))


def load():
    return os.getloadavg()[0]


def wait_idle(limit, max_wait):
    """Wait (up to max_wait s) until the 1-minute load average is below `limit`."""
    t = time.time()
    while load() >= limit and time.time() - t < max_wait:
        time.sleep(5)
    return load()


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


class Truth:
    def __init__(self, data):
        self.index = {}  # record_id → record number
        self.person = []  # record number → person number
        self.detail = []  # record number → (household, slips)
        persons = {}
        with open(os.path.join(data, "truth_detail.csv"), newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                self.index[row["record_id"]] = len(self.person)
                self.person.append(persons.setdefault(row["person_id"], len(persons)))
                self.detail.append((row["household_id"], row["slips"]))
        self.sizes = collections.Counter(self.person)
        self.true_pairs = sum(k * (k - 1) // 2 for k in self.sizes.values())

    def pairs(self, path):
        """Reported pairs as a set of (i, j) record numbers, i < j."""
        out = set()
        with open(path, newline="", encoding="utf-8") as f:
            r = csv.reader(f)
            next(r)
            for row in r:
                i, j = self.index[row[0]], self.index[row[1]]
                if i != j:
                    out.add((i, j) if i < j else (j, i))
        return out

    def score(self, pairs):
        tp = sum(1 for i, j in pairs if self.person[i] == self.person[j])
        fp = len(pairs) - tp
        fn = self.true_pairs - tp
        p = tp / len(pairs) if pairs else 0.0
        r = tp / self.true_pairs if self.true_pairs else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        return dict(reported=len(pairs), tp=tp, fp=fp, fn=fn, precision=p, recall=r, f1=f1)


def true_pair_list(truth):
    by_person = collections.defaultdict(list)
    for i, p in enumerate(truth.person):
        by_person[p].append(i)
    for members in by_person.values():
        for a in range(len(members)):
            for b in range(a + 1, len(members)):
                yield members[a], members[b]


def read_rows(data):
    with open(os.path.join(data, "all.csv"), newline="", encoding="utf-8") as f:
        r = csv.reader(f)
        header = next(r)
        return header, list(r)


def explain(name, truth, pairs, data, out_dir, sample=40):
    """Recall by slip, false positives by kind; samples of both written as CSV."""
    header, rows = read_rows(data)
    col = {h: k for k, h in enumerate(header)}
    slips = [set(s.split(";")) - {""} for _, s in truth.detail]
    per_slip = collections.Counter()
    per_slip_found = collections.Counter()
    combos = collections.Counter()
    missed = []
    for i, j in true_pair_list(truth):
        tags = (slips[i] | slips[j]) - {"hh_phone"}
        if "no_id" in slips[i] and "no_id" in slips[j]:
            tags = (tags - {"no_id"}) | {"no_id_both"}
        elif "no_id" in tags:
            tags = (tags - {"no_id"}) | {"no_id_one"}
        if not tags:
            tags = {"(clean)"}
        found = (i, j) in pairs
        for t in tags:
            per_slip[t] += 1
            per_slip_found[t] += found
        if not found:
            combos["+".join(sorted(tags))] += 1
            if len(missed) < 5000:
                missed.append((i, j))
    print(f"\n### {name}: recall by slip (a true pair counts under every slip either record has)\n")
    print("| slip | true pairs | found | recall |")
    print("|---|---:|---:|---:|")
    for t, n in sorted(per_slip.items(), key=lambda x: -x[1]):
        print(f"| {t} | {n:,} | {per_slip_found[t]:,} | {per_slip_found[t] / n:.3f} |")
    print(f"\n{name}: missed true pairs by their slips (top 15)\n")
    print("| slips of the pair | missed |")
    print("|---|---:|")
    for c, n in combos.most_common(15):
        print(f"| {c} | {n:,} |")

    kinds = collections.Counter()
    wrong = []

    def norm(s):
        return re.sub(r"\s+", "", s)

    for i, j in pairs:
        if truth.person[i] == truth.person[j]:
            continue
        a, b = rows[i], rows[j]
        k = []
        k.append("same household" if truth.detail[i][0] == truth.detail[j][0] else
                 "same village" if a[col["village_code"]] == b[col["village_code"]] else
                 "same subdistrict" if a[col["village_code"]][:6] == b[col["village_code"]][:6]
                 else "elsewhere")
        if a[col["national_id"]] and a[col["national_id"]] == b[col["national_id"]]:
            k.append("same ID")
        if norm(a[col["last_name"]]) == norm(b[col["last_name"]]):
            k.append("same surname")
        if a[col["phone"]] and re.sub(r"\D", "", a[col["phone"]])[-9:] == \
                re.sub(r"\D", "", b[col["phone"]])[-9:]:
            k.append("same phone")
        kinds[", ".join(k)] += 1
        if len(wrong) < 5000:
            wrong.append((i, j))
    fp = sum(kinds.values())
    print(f"\n{name}: false positives by what the two records share ({fp:,} in all; top 12)\n")
    print("| the two records | false positives |")
    print("|---|---:|")
    for c, n in kinds.most_common(12):
        print(f"| {c} | {n:,} |")

    for label, sel in [("missed", missed), ("false", wrong)]:
        path = os.path.join(out_dir, f"{name}_{label}_sample.csv")
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["pair", "person_id", "household_id", "slips", *header])
            step = max(1, len(sel) // sample)
            for n, (i, j) in enumerate(sel[::step][:sample]):
                for x in (i, j):
                    w.writerow([n, f"P{truth.person[x]}", truth.detail[x][0], truth.detail[x][1],
                                *rows[x]])
        print(f"(sample: {os.path.relpath(path, ROOT)})")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--persons", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--data", help="data folder (default bench/linkage/data/p{persons})")
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "ruamjai"))
    ap.add_argument("--python", default="/tmp/linkage-venv/bin/python",
                    help="the venv's Python with splink and duckdb")
    ap.add_argument("--only", choices=["ruamjai", "splink"])
    ap.add_argument("--ruamjai-args", default="", help="extra flags for ruamjai link dedup")
    ap.add_argument("--splink-args", default="", help="extra flags for splink_run.py")
    ap.add_argument("--label", default="", help="appended to the engine name in the table")
    ap.add_argument("--idle", type=float, default=0.7,
                    help="wait (≤ 10 min) for the 1-minute load average to drop below this")
    ap.add_argument("--explain", action="store_true")
    ap.add_argument("--score-only", action="store_true",
                    help="do not run the engines: score the pairs files of an earlier run")
    ap.add_argument("--record", action="store_true", help="append the rows to RESULTS.md")
    a = ap.parse_args()

    data = a.data or os.path.join(HERE, "data", f"p{a.persons}")
    if not os.path.exists(os.path.join(data, "all.csv")):
        t = time.perf_counter()
        subprocess.run([sys.executable, os.path.join(HERE, "generate.py"), "--persons",
                        str(a.persons), "--seed", str(a.seed), "--out", data], check=True)
        print(f"generated in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    out_dir = os.path.join(data, "out")
    os.makedirs(out_dir, exist_ok=True)
    all_csv = os.path.join(data, "all.csv")

    runs = []
    if a.only in (None, "ruamjai"):
        out = os.path.join(out_dir, f"ruamjai{a.label}_pairs.csv")
        runs.append(("ruamjai" + a.label, out,
                     [a.bin, "link", "dedup", all_csv, "--id", "record_id", "--out", out,
                      *a.ruamjai_args.split()]))
    if a.only in (None, "splink"):
        out = os.path.join(out_dir, f"splink{a.label}_pairs.csv")
        runs.append(("splink" + a.label, out,
                     [a.python, os.path.join(HERE, "splink_run.py"), all_csv, "--out", out,
                      *a.splink_args.split()]))

    truth = Truth(data)
    persons = len(truth.sizes)
    header = ("| engine | persons listed | records | true pairs | wall s | peak MiB | reported "
              "| TP | FP | FN | precision | recall | F1 |")
    rule = "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    lines = []
    for name, out, cmd in runs:
        log = os.path.join(out_dir, f"{name}.log")
        if a.score_only:
            before, wall, rss = load(), float("nan"), float("nan")
        else:
            before = wait_idle(a.idle, 600)
            wall, rss = timed(cmd, log)
        s = truth.score(truth.pairs(out))
        line = (f"| {name} | {persons:,} | {len(truth.person):,} | {truth.true_pairs:,} | "
                f"{wall:.1f} | {rss:,.0f} | {s['reported']:,} | {s['tp']:,} | {s['fp']:,} | "
                f"{s['fn']:,} | {s['precision']:.4f} | {s['recall']:.4f} | {s['f1']:.4f} |")
        lines.append(line)
        print(f"{name}: load before {before:.2f}; log {os.path.relpath(log, ROOT)}",
              file=sys.stderr)
        print(header + "\n" + rule + "\n" + line if len(lines) == 1 else line, flush=True)
        if a.explain:
            explain(name, truth, truth.pairs(out), data, out_dir)
    if a.record and not a.score_only:
        commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True).stdout.strip()
        with open(os.path.join(HERE, "RESULTS.md"), "a", encoding="utf-8") as f:
            f.write(f"\n`python3 bench/linkage/bench.py {' '.join(sys.argv[1:])}` — "
                    f"{datetime.date.today()}, repository at {commit}, "
                    f"binary {a.bin if a.only != 'splink' else '-'}\n\n")
            f.write(header + "\n" + rule + "\n" + "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
