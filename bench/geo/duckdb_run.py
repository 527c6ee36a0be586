#!/usr/bin/env python3
"""The peer: DuckDB spatial answering the same question as `ruamjai geo exposure`.

    duckdb_run.py POINTS.csv ZONES.geojson OUT.csv [--threads N] [--extension PATH]

Zones are read with ST_Read (GDAL; the feature `id` becomes the `id` column), points with
read_csv into ST_Point(lon, lat), and the containments are the spatial join
`ST_Intersects(zone, point)`: boundary inclusive, like ruamjai. DuckDB plans this as its
SPATIAL_JOIN operator (an R-tree built over the zones, probed by every point). Output rows are
`point_id,zone_id` like ruamjai's (not ordered: DuckDB gives no order without ORDER BY, and
sorting would only add to its time; bench.py compares the sets).
"""

import argparse
import glob
import os
import sys
import time

import duckdb


def extension_path():
    """The spatial extension installed from PyPI (`duckdb-ext-spatial`), for this DuckDB."""
    base = os.path.join(os.path.dirname(os.path.dirname(duckdb.__file__)), "duckdb_ext", "extensions")
    found = glob.glob(os.path.join(base, "v" + duckdb.__version__, "*", "spatial.duckdb_extension"))
    return found[0] if found else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("points")
    ap.add_argument("zones")
    ap.add_argument("out")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--extension", default=None)
    ap.add_argument("--explain", action="store_true")
    a = ap.parse_args()
    t0 = time.perf_counter()
    con = duckdb.connect()
    if a.threads:
        con.sql(f"SET threads = {a.threads}")
    ext = a.extension or extension_path()
    if ext:
        con.sql(f"LOAD '{ext}'")
    else:
        con.sql("INSTALL spatial; LOAD spatial;")
    con.sql(f"CREATE TABLE zones AS SELECT id AS zone_id, geom FROM ST_Read('{a.zones}')")
    t1 = time.perf_counter()
    query = f"""
        SELECT p.id AS point_id, z.zone_id
        FROM read_csv('{a.points}', header = true,
                      columns = {{'id': 'VARCHAR', 'lat': 'DOUBLE', 'lon': 'DOUBLE'}}) p
        JOIN zones z ON ST_Intersects(z.geom, ST_Point(p.lon, p.lat))
    """
    if a.explain:
        print(con.sql("EXPLAIN " + query).fetchall()[0][1], file=sys.stderr)
    con.sql(f"COPY ({query}) TO '{a.out}' (HEADER, DELIMITER ',')")
    t2 = time.perf_counter()
    rows = con.sql(f"SELECT count(*) FROM read_csv('{a.out}', header = true, all_varchar = true)").fetchone()[0]
    print(f"zones read in {t1 - t0:.2f} s, join and write {t2 - t1:.2f} s, {rows} rows", file=sys.stderr)


if __name__ == "__main__":
    main()
