#!/usr/bin/env python3
"""Registry benchmarks: import throughput into SQLite and PostgreSQL, and dashboard page latency.

Usage (from the repository root, after `cargo build --release --bin ruamjai`):

    python3 bench/registry/bench.py import  --scale 2.08          # ≈1 M persons, both databases
    python3 bench/registry/bench.py latency --scale 2.08          # dashboard pages at ≈1 M
    python3 bench/registry/bench.py latency --scale 20.8          # dashboard pages at ≈10 M

Data: `ruamjai demo --csv-dir` (the demo's generated Nan province; scale 1.0 ≈ 480 k persons).
PostgreSQL: the server at 127.0.0.1:5432 (user postgres, trust); a database `ruamjai_bench` is
dropped and re-created. Results are printed as Markdown rows for RESULTS.md.
"""
import argparse
import http.client
import http.cookiejar
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("RUAMJAI_BIN", os.path.join(ROOT, "target", "release", "ruamjai"))
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
PG_BENCH = "postgres://postgres@127.0.0.1:5432/ruamjai_bench"
WORK = os.environ.get("RUAMJAI_BENCH_DIR", os.path.join(tempfile.gettempdir(), "ruamjai-bench"))
ENV = {**{k: v for k, v in os.environ.items() if not k.startswith("RUAMJAI_")}, "RUST_BACKTRACE": "0"}


def run(args, **kw):
    return subprocess.run([BIN, *args], check=True, env=ENV, capture_output=True, text=True, **kw)


def csv_dir(scale):
    d = os.path.join(WORK, f"csv-{scale}")
    if not os.path.exists(os.path.join(d, "persons.csv")):
        os.makedirs(d, exist_ok=True)
        run(["demo", "--csv-dir", d, "--scale", str(scale)])
    with open(os.path.join(d, "persons.csv"), "rb") as f:
        rows = sum(1 for _ in f) - 1
    return d, rows


def psql(sql):
    subprocess.run(["psql", PG_ADMIN, "-q", "-c", sql], check=True, env=ENV, capture_output=True)


def import_into(url, d, rows):
    run(["--database-url", url, "migrate"])
    run(["--database-url", url, "areas", "import-villages", os.path.join(d, "villages.csv")])
    t = time.perf_counter()
    out = run(["--database-url", url, "import", "persons", os.path.join(d, "persons.csv")])
    secs = time.perf_counter() - t
    added = int(re.search(r"added (\d+)", out.stdout).group(1))
    assert added == rows, (added, rows, out.stdout)
    return secs


def bench_import(scale, sqlite_runs=3):
    d, rows = csv_dir(scale)
    results = []
    db = os.path.join(WORK, f"import-{scale}.db")
    for _ in range(sqlite_runs):
        for f in [db, db + "-wal", db + "-shm"]:
            if os.path.exists(f):
                os.remove(f)
        secs = import_into(f"sqlite://{db}", d, rows)
        results.append(("SQLite", rows, secs))
    psql("DROP DATABASE IF EXISTS ruamjai_bench")
    psql("CREATE DATABASE ruamjai_bench")
    secs = import_into(PG_BENCH, d, rows)
    results.append(("PostgreSQL 15", rows, secs))
    print("| database | persons | seconds | persons/s |")
    print("|---|---:|---:|---:|")
    for name, n, s in results:
        print(f"| {name} | {n:,} | {s:.1f} | {n / s:,.0f} |")
    lite = sorted(s for name, _, s in results if name == "SQLite")
    print(f"\nSQLite median of {len(lite)}: {lite[len(lite) // 2]:.1f} s, "
          f"{rows / lite[len(lite) // 2]:,.0f} persons/s")


def latency_db(scale):
    """A SQLite file with the demo province at `scale` (made once, then reused)."""
    db = os.path.join(WORK, f"demo-{scale}.db")
    if not os.path.exists(db):
        t = time.perf_counter()
        out = run(["demo", "--file", db, "--no-serve", "--scale", str(scale)])
        print(f"demo at scale {scale}: {time.perf_counter() - t:.0f} s", file=sys.stderr)
        print(out.stdout, file=sys.stderr)
    return db


def bench_latency(scale, n):
    db = latency_db(scale)
    port = 18080
    email, password = "bench@example.org", "bench password 2569"
    try:
        run(["--database-url", f"sqlite://{db}", "users", "create", "--email", email, "--name", "bench",
             "--role", "admin", "--password-stdin"], input=password + "\n")
    except subprocess.CalledProcessError:
        pass  # made by an earlier run
    server = subprocess.Popen([BIN, "--database-url", f"sqlite://{db}", "serve", "--listen", f"127.0.0.1:{port}"],
                              env={**ENV, "RUAMJAI_LOG": "warn"}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        cookie = login(port, email, password)
        areas = [("country", ""), ("province 55", "55"), ("district 5501", "5501"),
                 ("subdistrict 550101", "550101"), ("village 55010101", "55010101")]
        print(f"| page | area | p50 ms | p95 ms | p99 ms | max ms |")
        print("|---|---|---:|---:|---:|---:|")
        for page, headers in [("/public", {}), ("/dashboard", {"Cookie": cookie})]:
            for label, code in areas:
                if page == "/dashboard" and code == "":
                    path = page
                else:
                    path = f"{page}?area={code}" if code else page
                ms = timed(port, path, headers, n)
                q = statistics.quantiles(ms, n=100)
                print(f"| `{page}` | {label} | {q[49]:.1f} | {q[94]:.1f} | {q[98]:.1f} | {max(ms):.1f} |")
    finally:
        server.terminate()
        server.wait()


def login(port, email, password):
    c = http.client.HTTPConnection("127.0.0.1", port)
    c.request("GET", "/login")
    r = c.getresponse()
    body = r.read().decode()
    cookies = {m.group(1): m.group(2) for m in re.finditer(r"(ruamjai_\w+)=([^;]+)", ", ".join(r.headers.get_all("Set-Cookie") or []))}
    csrf = re.search(r'name="csrf" value="([^"]+)"', body).group(1)
    form = urllib.parse.urlencode({"csrf": csrf, "email": email, "password": password, "next": "/"})
    c.request("POST", "/login", form, {"Content-Type": "application/x-www-form-urlencoded",
                                       "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())})
    r = c.getresponse()
    r.read()
    for m in re.finditer(r"(ruamjai_\w+)=([^;]+)", ", ".join(r.headers.get_all("Set-Cookie") or [])):
        cookies[m.group(1)] = m.group(2)
    assert "ruamjai_session" in cookies, "login failed"
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def timed(port, path, headers, n):
    c = http.client.HTTPConnection("127.0.0.1", port)
    out = []
    for i in range(n + 10):
        t = time.perf_counter()
        c.request("GET", path, headers=headers)
        r = c.getresponse()
        r.read()
        assert r.status == 200, (path, r.status)
        if i >= 10:  # warm-up
            out.append((time.perf_counter() - t) * 1000)
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("what", choices=["import", "latency"])
    p.add_argument("--scale", type=float, default=2.08)
    p.add_argument("--requests", type=int, default=300)
    a = p.parse_args()
    os.makedirs(WORK, exist_ok=True)
    if a.what == "import":
        bench_import(a.scale)
    else:
        bench_latency(a.scale, a.requests)


if __name__ == "__main__":
    main()
