#!/usr/bin/env python3
"""Helpers of the load test (bench/load/run.sh calls them; Python standard library only).

    load.py users  --db URL                         accounts: 8 field volunteers, 2 staff
    load.py data   --db URL --base http://HOST:PORT --out FILE.lua
                                                    sign in, make API tokens, pick person ids,
                                                    name prefixes and areas; write the Lua data
    load.py report RESULTS.jsonl                    Markdown table of the RESULT lines

The accounts (all with the password below; loopback only, throw-away databases):
  op1..op8@load.ruamjai.local     operator (อสม.) of the 8 most populous villages of Mueang Nan
  staff1..2@load.ruamjai.local    staff of district 5501 (Mueang Nan: the district hospital)
"""
import argparse
import http.client
import json
import os
import random
import re
import sqlite3
import subprocess
import sys
import urllib.parse

BIN = os.environ.get("RUAMJAI_BIN", "/work/target-bench/release/ruamjai")
PASSWORD = "load test password 2569"
DISTRICT = "5501"
OPERATORS = 8
STAFF = 2
ENV = {k: v for k, v in os.environ.items() if not k.startswith("RUAMJAI_")}


def query(url, sql):
    """Rows of a read-only query, as lists of strings."""
    if url.startswith("sqlite://"):
        path = url[len("sqlite://"):]
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return [["" if v is None else str(v) for v in r] for r in con.execute(sql)]
        finally:
            con.close()
    out = subprocess.run(["psql", url, "-At", "-F", "\t", "-c", sql], check=True,
                         capture_output=True, text=True).stdout
    return [line.split("\t") for line in out.splitlines() if line]


def operator_villages(url):
    rows = query(url, f"""SELECT village_code, count(*) AS n FROM persons
                          WHERE status = 'active' AND village_code LIKE '{DISTRICT}%'
                          GROUP BY village_code ORDER BY n DESC, village_code LIMIT {OPERATORS}""")
    return [r[0] for r in rows]


def accounts(url):
    acc = [(f"op{i + 1}@load.ruamjai.local", f"อสม. ทดสอบโหลด {i + 1}", "operator", v)
           for i, v in enumerate(operator_villages(url))]
    acc += [(f"staff{i + 1}@load.ruamjai.local", f"เจ้าหน้าที่ รพ. ทดสอบโหลด {i + 1}", "staff", DISTRICT)
            for i in range(STAFF)]
    return acc


def cmd_users(a):
    for email, name, role, area in accounts(a.db):
        r = subprocess.run([BIN, "--database-url", a.db, "users", "create", "--email", email, "--name", name,
                            "--role", role, "--area", area, "--password-stdin"],
                           input=PASSWORD + "\n", capture_output=True, text=True, env=ENV)
        state = "created" if r.returncode == 0 else "exists? " + (r.stderr.strip().splitlines() or [""])[-1]
        print(f"  {email:<28} {role:<9} {area}  {state}")


def login(host, port, email):
    c = http.client.HTTPConnection(host, port, timeout=30)
    c.request("GET", "/login")
    r = c.getresponse()
    body = r.read().decode()
    cookies = {m.group(1): m.group(2)
               for m in re.finditer(r"(ruamjai_\w+)=([^;]+)", ", ".join(r.headers.get_all("Set-Cookie") or []))}
    csrf = re.search(r'name="csrf" value="([^"]+)"', body).group(1)
    form = urllib.parse.urlencode({"csrf": csrf, "email": email, "password": PASSWORD, "next": "/"})
    c.request("POST", "/login", form, {"Content-Type": "application/x-www-form-urlencoded",
                                       "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())})
    r = c.getresponse()
    r.read()
    for m in re.finditer(r"(ruamjai_\w+)=([^;]+)", ", ".join(r.headers.get_all("Set-Cookie") or [])):
        cookies[m.group(1)] = m.group(2)
    assert "ruamjai_session" in cookies, f"sign-in of {email} failed ({r.status})"
    return c, cookies


def make_token(host, port, email):
    c, cookies = login(host, port, email)
    c.request("POST", "/api/v1/tokens", json.dumps({"name": "load test"}),
              {"Content-Type": "application/json", "X-CSRF-Token": cookies["ruamjai_csrf"],
               "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())})
    r = c.getresponse()
    body = r.read().decode()
    assert r.status == 201, (email, r.status, body)
    return json.loads(body)["secret"]


def lua(v):
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)  # a JSON string is a valid Lua string here
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, list):
        return "{" + ",".join(lua(x) for x in v) + "}"
    if isinstance(v, dict):
        return "{" + ",".join(f"{k}={lua(x)}" for k, x in v.items()) + "}"
    raise TypeError(v)


def cmd_data(a):
    u = urllib.parse.urlsplit(a.base)
    rnd = random.Random(55)
    operators = []
    staff = []
    for email, _, role, area in accounts(a.db):
        token = make_token(u.hostname, u.port, email)
        if role == "operator":
            rows = query(a.db, f"""SELECT id, lat, lon FROM persons
                                   WHERE status = 'active' AND village_code = '{area}' ORDER BY id""")
            persons = [[int(r[0]), f"{float(r[1]):.6f}" if r[1] else "", f"{float(r[2]):.6f}" if r[2] else ""]
                       for r in rows]
            operators.append({"token": token, "village": area, "persons": persons})
        else:
            staff.append({"token": token})
    ids = [int(r[0]) for r in query(a.db, f"""SELECT id FROM persons
                                              WHERE status = 'active' AND village_code LIKE '{DISTRICT}%'
                                              ORDER BY id""")]
    staff_persons = sorted(rnd.sample(ids, min(2000, len(ids))))
    names = [r[0] for r in query(a.db, f"""SELECT first_name FROM persons
                                           WHERE status = 'active' AND village_code LIKE '{DISTRICT}%'
                                           ORDER BY id""")]
    prefixes = sorted({n[:rnd.choice([2, 3])] for n in rnd.sample(names, min(400, len(names))) if len(n) >= 3})
    areas = query(a.db, "SELECT code, level FROM areas WHERE code LIKE '55%' ORDER BY code")
    by_level = {}
    for code, level in areas:
        by_level.setdefault(level, []).append(code)
    public = ["55"] + by_level.get("district", []) + rnd.sample(by_level.get("subdistrict", []), 20) \
        + rnd.sample(by_level.get("village", []), 20)
    search_areas = [c for c in by_level.get("subdistrict", []) + by_level.get("village", [])
                    if c.startswith(DISTRICT)]
    data = {
        "operators": operators,
        "staff": staff,
        "staff_persons": staff_persons,
        "prefixes": [urllib.parse.quote(p) for p in prefixes],
        "search_areas": search_areas,
        "public_areas": public,
    }
    with open(a.out, "w") as f:
        f.write("-- made by bench/load/load.py data; tokens of a throw-away load-test database\n")
        f.write("return " + lua(data) + "\n")
    print(f"  {len(operators)} operators ({sum(len(o['persons']) for o in operators)} persons in their villages), "
          f"{len(staff)} staff, {len(staff_persons)} person ids, {len(prefixes)} name prefixes "
          f"(e.g. {', '.join(prefixes[:6])}), {len(search_areas)} search areas, {len(public)} public areas")


def ticks(pid):
    """utime + stime of a process (clock ticks), 0 when it is gone."""
    try:
        f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return int(f[11]) + int(f[12])
    except (OSError, IndexError, ValueError):
        return 0


def pg_processes(db):
    """PostgreSQL processes working for the database under test: its backends, and the WAL
    writer, checkpointer and background writer (shared with any other database of the cluster)."""
    out = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            cmd = open(f"/proc/{d}/cmdline", "rb").read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if not cmd.startswith("postgres: "):
            continue
        if f" {db} " in cmd or any(w in cmd for w in ("walwriter", "checkpointer", "background writer")):
            out[d] = ticks(d)
    return out


def cmd_cpu(a):
    """A snapshot of CPU ticks (server, PostgreSQL processes, whole machine) into a JSON file."""
    cpu = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    idle = cpu[3] + cpu[4]
    snap = {"server": ticks(a.server), "pg": pg_processes(a.pg_db) if a.pg_db else {},
            "busy": sum(cpu[:8]) - idle, "total": sum(cpu[:8])}
    with open(a.out, "w") as f:
        json.dump(snap, f)


def cmd_cpudiff(a):
    """The CPU line of one measured run: cores used by the server, PostgreSQL and wrk (from
    /usr/bin/time), and by the whole machine, over the run."""
    b, e = json.load(open(a.before)), json.load(open(a.after))
    hz = os.sysconf("SC_CLK_TCK")
    ncpu = os.cpu_count()
    secs = (e["total"] - b["total"]) / ncpu / hz or 1
    pg = sum(t - b["pg"].get(pid, 0) for pid, t in e["pg"].items())
    user, system = open(a.wrk_time).read().split()[1:3]
    print("CPU " + json.dumps({
        "label": a.label,
        "server_cores": round((e["server"] - b["server"]) / hz / secs, 3),
        "pg_cores": round(pg / hz / secs, 3),
        "wrk_cores": round((float(user) + float(system)) / secs, 3),
        "busy_cores": round(ncpu * (e["busy"] - b["busy"]) / (e["total"] - b["total"]), 3),
        "load1_before": a.load1,
    }))


def cmd_report(a):
    results, cpu = [], {}
    for line in open(a.file):
        kind, _, rest = line.partition(" ")
        if kind == "RESULT":
            results.append(json.loads(rest))
        elif kind == "CPU":
            c = json.loads(rest)
            cpu[c["label"]] = c
    print("| backend | requests | conns | req/s | p50 ms | p95 ms | p99 ms | max ms | non-2xx | socket errors "
          "| visits applied (of answered) | CPU cores: server / PostgreSQL / wrk / whole machine "
          "| server+DB CPU ms per request | req/s if 2 cores did only this |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|")
    for r in results:
        backend, kind, conns = (r["label"].split("/") + ["", ""])[:3]
        answered = r["sync_applied"] + r["sync_not_applied"]
        visits = f"{r['sync_applied']:,} of {answered:,}" if answered else "–"
        c = cpu.get(r["label"])
        cores = per_req = ceiling = ""
        if c:
            cores = f"{c['server_cores']:.2f} / {c['pg_cores']:.2f} / {c['wrk_cores']:.2f} / {c['busy_cores']:.2f}"
            ms = (c["server_cores"] + c["pg_cores"]) * r["seconds"] * 1000 / max(r["requests"], 1)
            per_req = f"{ms:.2f}"
            ceiling = f"{2000 / ms:,.0f}" if ms > 0 else ""
        print(f"| {backend} | {kind} | {conns} | {r['rps']:,.0f} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | "
              f"{r['p99_ms']:.1f} | {r['max_ms']:.0f} | {r['non2xx']} | {r['socket_errors']} | {visits} | {cores} "
              f"| {per_req} | {ceiling} |")


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("users")
    s.add_argument("--db", required=True)
    s = sub.add_parser("data")
    s.add_argument("--db", required=True)
    s.add_argument("--base", required=True)
    s.add_argument("--out", required=True)
    s = sub.add_parser("cpu")
    s.add_argument("--server", required=True)
    s.add_argument("--pg-db", default="")
    s.add_argument("--out", required=True)
    s = sub.add_parser("cpudiff")
    for x in ("label", "before", "after", "wrk_time"):
        s.add_argument(x)
    s.add_argument("load1", type=float)
    s = sub.add_parser("report")
    s.add_argument("file")
    a = p.parse_args()
    {"users": cmd_users, "data": cmd_data, "cpu": cmd_cpu, "cpudiff": cmd_cpudiff, "report": cmd_report}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
