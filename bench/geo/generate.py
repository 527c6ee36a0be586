#!/usr/bin/env python3
"""Hazard zones of a Nan-like province and random points over it, for `bench.py`.

    python3 bench/geo/generate.py --points 1000000 --seed 1   # -> bench/geo/data/

Zones (`data/zones.geojson`, about 200 features): flood and flash-flood zones stretched along
meandering valleys (long, bent, often with holes for higher ground), landslide zones as lobed
blobs on slopes (some multipolygons of 2-4 separate scars), a few wildfire/haze zones. Each
polygon part has a few hundred to a few thousand vertices. Every shape is a star-shaped ring
(a positive, noisy radius over strictly increasing angles: always a simple ring), then moved by
maps that keep rings simple (scaling, rotation, a shear y += a*sin(b*x) for the meander), so
every generated ring is valid and holes stay inside their shell. Parts of a multipolygon are
placed apart so they never overlap.

Points (`data/points_N.csv`, `id,lat,lon`): uniform random doubles over the province's bounding
box, printed with 7 decimals, so a point exactly on an edge is practically impossible (both
engines treat the boundary as inside anyway: ruamjai by definition, DuckDB through ST_Intersects).
Deterministic for a given --seed.
"""

import argparse
import json
import math
import os
import random

# Nan province's bounding box (approximately), degrees.
LON0, LON1 = 100.33, 101.36
LAT0, LAT1 = 17.95, 19.63

HERE = os.path.dirname(os.path.abspath(__file__))


def radius_fn(rng, smooth, rough):
    """A positive periodic function of the angle: a few low harmonics (the lobes) plus many
    small high ones (a ragged outline)."""
    terms = []
    for k in range(1, 6):
        terms.append((k, rng.uniform(0, smooth) / k, rng.uniform(0, math.tau)))
    for k in range(6, 60):
        terms.append((k, rng.uniform(0, rough) / k ** 0.8, rng.uniform(0, math.tau)))
    total = sum(a for _, a, _ in terms)
    scale = 0.7 / max(total, 1e-9)  # keeps r in [0.3, 1.7]

    def r(t):
        return 1.0 + scale * sum(a * math.sin(k * t + p) for k, a, p in terms)

    return r


def star(rng, n, r, factor=1.0):
    """n points of r(theta)*factor at jittered, strictly increasing angles."""
    out = []
    for i in range(n):
        t = (i + rng.uniform(0.05, 0.95)) / n * math.tau
        rr = r(t) * factor
        out.append((rr * math.cos(t), rr * math.sin(t)))
    return out


def transform(points, cx, cy, sx, sy, angle, bend_a, bend_b):
    """Scale, meander (shear y += a*sin(b*x)), rotate, then move to (cx, cy). Every step is a
    bijection of the plane, so simple rings stay simple and holes stay inside."""
    ca, sa = math.cos(angle), math.sin(angle)
    out = []
    for x, y in points:
        x, y = x * sx, y * sy
        y += bend_a * math.sin(bend_b * x)
        x, y = x * ca - y * sa, x * sa + y * ca
        # Degrees of longitude are shorter than of latitude at 18-19 N.
        out.append((round(cx + x / math.cos(math.radians(cy)), 7), round(cy + y, 7)))
    out.append(out[0])
    return out


def polygon(rng, cx, cy, size, kind):
    n = int(math.exp(rng.uniform(math.log(200), math.log(3000))))
    r = radius_fn(rng, smooth=1.0 if kind != "flood" else 0.6, rough=0.25)
    if kind in ("flood", "flash_flood"):
        sx, sy = size * rng.uniform(2.5, 5.0), size * rng.uniform(0.35, 0.7)
        bend_a, bend_b = sy * rng.uniform(0.5, 1.5), rng.uniform(1.5, 4.0) / sx
        angle = rng.uniform(math.pi / 2 - 0.5, math.pi / 2 + 0.5)  # valleys run north-south
    else:
        sx, sy = size * rng.uniform(0.8, 1.6), size * rng.uniform(0.6, 1.2)
        bend_a, bend_b = 0.0, 0.0
        angle = rng.uniform(0, math.pi)
    rings = [star(rng, n, r)]
    # Holes: higher ground inside flood zones, unburnt patches in fire zones.
    holes = rng.choice([0, 0, 1, 1, 2, 3]) if kind in ("flood", "wildfire") else rng.choice([0, 0, 0, 1])
    if holes:
        # Inside the shell's smallest radius (0.3), holes at separate angles never meet.
        for h in range(holes):
            t = (h + 0.5) / holes * math.tau
            hx, hy = 0.16 * math.cos(t) * (holes > 1), 0.16 * math.sin(t) * (holes > 1)
            hr = radius_fn(rng, 1.0, 0.2)
            m = max(16, n // 10)
            hole = [(hx + x, hy + y) for x, y in star(rng, m, hr, 0.07 if holes > 1 else 0.12)]
            rings.append(hole)
    return [transform(ring, cx, cy, sx, sy, angle, bend_a, bend_b) for ring in rings]


def zones(rng):
    features = []
    plan = [("flood", 70), ("flash_flood", 30), ("landslide", 80), ("wildfire", 15), ("haze", 7)]
    k = 0
    for kind, count in plan:
        for _ in range(count):
            size = {"flood": 0.012, "flash_flood": 0.008, "landslide": 0.01, "wildfire": 0.03, "haze": 0.06}[kind]
            size *= math.exp(rng.uniform(-0.6, 0.6))
            parts = 1
            if kind == "landslide" and rng.random() < 0.35:
                parts = rng.randint(2, 4)
            elif kind == "flood" and rng.random() < 0.15:
                parts = 2
            margin = size * 6
            cx = rng.uniform(LON0 + margin, LON1 - margin)
            cy = rng.uniform(LAT0 + margin, LAT1 - margin)
            direction = rng.uniform(0, math.tau)
            polys = []
            for p in range(parts):
                # 1.7 * the largest extent (5x size for floods) keeps parts apart.
                step = size * (5.0 if kind in ("flood", "flash_flood") else 1.6) * 1.7 * 2.2
                px = cx + p * step * math.cos(direction)
                py = cy + p * step * math.sin(direction)
                polys.append(polygon(rng, px, py, size, kind))
            if parts == 1:
                geometry = {"type": "Polygon", "coordinates": polys[0]}
            else:
                geometry = {"type": "MultiPolygon", "coordinates": polys}
            zid = f"{kind}-{k:03d}"
            features.append({
                "type": "Feature",
                "id": zid,
                "properties": {"zone_id": zid, "kind": kind, "severity": rng.choice(["low", "medium", "high"])},
                "geometry": geometry,
            })
            k += 1
    return {"type": "FeatureCollection", "features": features}


def points(rng, n, path):
    with open(path, "w") as f:
        f.write("id,lat,lon\n")
        batch = []
        for i in range(n):
            batch.append("p%d,%.7f,%.7f\n" % (i, rng.uniform(LAT0, LAT1), rng.uniform(LON0, LON1)))
            if len(batch) == 100000:
                f.write("".join(batch))
                batch.clear()
        f.write("".join(batch))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default=os.path.join(HERE, "data"))
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    zpath = os.path.join(a.out, "zones.geojson")
    if not os.path.exists(zpath):
        z = zones(random.Random(a.seed))
        with open(zpath, "w") as f:
            json.dump(z, f, separators=(",", ":"))
        nparts = sum(1 if ft["geometry"]["type"] == "Polygon" else len(ft["geometry"]["coordinates"]) for ft in z["features"])
        nverts = sum(len(r) for ft in z["features"] for p in ([ft["geometry"]["coordinates"]] if ft["geometry"]["type"] == "Polygon" else ft["geometry"]["coordinates"]) for r in p)
        print(f"{zpath}: {len(z['features'])} zones, {nparts} polygons, {nverts} positions")
    ppath = os.path.join(a.out, f"points_{a.points}.csv")
    if not os.path.exists(ppath):
        points(random.Random(a.seed * 1000003 + a.points), a.points, ppath)
        print(f"{ppath}: {a.points} points")


if __name__ == "__main__":
    main()
