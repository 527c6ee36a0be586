//! One polygon (an exterior ring and its holes): ring validation and a prepared structure for
//! fast point-in-polygon tests.
//!
//! Coordinates are `[x, y]` = `[longitude, latitude]` in degrees, as in GeoJSON. Containment
//! uses the even–odd rule over all rings of the polygon, so a point in a hole is outside
//! whatever the rings' winding order. **A point exactly on an edge or a vertex (of the
//! exterior ring or of a hole) counts as inside**: a home on a zone's border is exposed. "On"
//! is decided by the sign of the orientation determinant computed in `f64`; it is exact for
//! points on horizontal and vertical edges and at vertices, and a point within rounding error
//! of a slanted edge may fall either way.

use std::fmt;

/// A position `[longitude, latitude]`.
pub type Pt = [f64; 2];

/// Twice the signed area of the triangle `a b p`: positive when `p` is left of `a → b`.
#[inline(always)]
pub(crate) fn orient(a: Pt, b: Pt, p: Pt) -> f64 {
    (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0])
}

/// An edge as `[x1, y1, x2, y2]`.
pub(crate) type Edge = [f64; 4];

/// What a horizontal ray from `(x, y)` towards +x does with one edge.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Hit {
    /// Not crossed, point not on the edge.
    Miss,
    /// The ray crosses the edge (counted with a half-open rule so a vertex is crossed once).
    Cross,
    /// The point lies on the edge.
    On,
}

/// The ray test against one edge. The crossing rule is half-open in y (`y1 > y` differs from
/// `y2 > y`), and both the crossing side and "on the edge" come from one orientation value, so
/// the two answers never contradict each other.
#[inline(always)]
pub(crate) fn hit(e: &Edge, x: f64, y: f64) -> Hit {
    let [x1, y1, x2, y2] = *e;
    if x > x1.max(x2) {
        return Hit::Miss; // entirely left of the point: neither crossed nor touched
    }
    let above1 = y1 > y;
    let above2 = y2 > y;
    if above1 != above2 {
        if x < x1.min(x2) {
            return Hit::Cross;
        }
        let o = (x2 - x1) * (y - y1) - (y2 - y1) * (x - x1);
        if o == 0.0 {
            return Hit::On;
        }
        // Upward edge (above2): the crossing is right of the point when the point is left of it.
        if (o > 0.0) == above2 {
            Hit::Cross
        } else {
            Hit::Miss
        }
    } else if above1 {
        Hit::Miss
    } else if y1 == y && y2 == y {
        if x >= x1.min(x2) { Hit::On } else { Hit::Miss }
    } else if (y1 == y && x == x1) || (y2 == y && x == x2) {
        Hit::On
    } else {
        Hit::Miss
    }
}

/// The edges of rings (each closed: first position == last).
pub(crate) fn edges(rings: &[Vec<Pt>]) -> Vec<Edge> {
    let mut out = Vec::with_capacity(rings.iter().map(|r| r.len()).sum());
    for r in rings {
        for w in r.windows(2) {
            out.push([w[0][0], w[0][1], w[1][0], w[1][1]]);
        }
    }
    out
}

/// Point in polygon over all `edges`, testing every edge (the reference for the prepared one).
#[cfg(test)]
pub(crate) fn contains_brute(edges: &[Edge], x: f64, y: f64) -> bool {
    let mut inside = false;
    for e in edges {
        match hit(e, x, y) {
            Hit::On => return true,
            Hit::Cross => inside = !inside,
            Hit::Miss => {}
        }
    }
    inside
}

/// What is wrong with a polygon's ring.
#[derive(Debug, Clone, PartialEq)]
pub enum RingProblem {
    /// Fewer than 4 positions (after dropping repeated consecutive ones).
    TooFewPositions(usize),
    /// The last position is not the first.
    NotClosed { first: Pt, last: Pt },
    /// A coordinate is NaN or infinite.
    NonFinite { position: usize },
    /// Longitude outside −180..180 or latitude outside −90..90.
    OutOfRange { position: usize, at: Pt },
    /// Two edges cross or touch (other than consecutive edges at their shared vertex).
    SelfIntersection {
        edge_a: usize,
        edge_b: usize,
        a: [Pt; 2],
        b: [Pt; 2],
    },
    /// A hole's first position lies outside the exterior ring.
    HoleOutsideShell { at: Pt },
}

impl fmt::Display for RingProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooFewPositions(n) => write!(
                f,
                "has {n} distinct positions; a ring needs at least 4 (3 corners and the first repeated)"
            ),
            Self::NotClosed { first, last } => write!(
                f,
                "is not closed: it starts at [{}, {}] and ends at [{}, {}]",
                first[0], first[1], last[0], last[1]
            ),
            Self::NonFinite { position } => {
                write!(f, "position {position} is not a finite number")
            }
            Self::OutOfRange { position, at } => write!(
                f,
                "position {position} [{}, {}] is out of range (longitude −180..180, latitude −90..90; GeoJSON is [longitude, latitude])",
                at[0], at[1]
            ),
            Self::SelfIntersection {
                edge_a,
                edge_b,
                a,
                b,
            } => write!(
                f,
                "intersects itself: edge {edge_a} [{}, {}]→[{}, {}] meets edge {edge_b} [{}, {}]→[{}, {}]",
                a[0][0], a[0][1], a[1][0], a[1][1], b[0][0], b[0][1], b[1][0], b[1][1]
            ),
            Self::HoleOutsideShell { at } => write!(
                f,
                "is a hole outside the exterior ring (its position [{}, {}] is not inside it)",
                at[0], at[1]
            ),
        }
    }
}

/// Checks one ring's positions and returns it with repeated consecutive positions removed.
pub(crate) fn clean_ring(raw: &[Pt]) -> Result<Vec<Pt>, RingProblem> {
    for (i, p) in raw.iter().enumerate() {
        if !p[0].is_finite() || !p[1].is_finite() {
            return Err(RingProblem::NonFinite { position: i });
        }
        if !(-180.0..=180.0).contains(&p[0]) || !(-90.0..=90.0).contains(&p[1]) {
            return Err(RingProblem::OutOfRange {
                position: i,
                at: *p,
            });
        }
    }
    if raw.len() < 4 {
        return Err(RingProblem::TooFewPositions(raw.len()));
    }
    let (first, last) = (raw[0], raw[raw.len() - 1]);
    if first != last {
        return Err(RingProblem::NotClosed { first, last });
    }
    let mut ring: Vec<Pt> = Vec::with_capacity(raw.len());
    for p in raw {
        if ring.last() != Some(p) {
            ring.push(*p);
        }
    }
    if ring.len() < 4 {
        return Err(RingProblem::TooFewPositions(ring.len()));
    }
    self_intersection(&ring)?;
    Ok(ring)
}

fn on_segment(a: Pt, b: Pt, p: Pt) -> bool {
    p[0] >= a[0].min(b[0])
        && p[0] <= a[0].max(b[0])
        && p[1] >= a[1].min(b[1])
        && p[1] <= a[1].max(b[1])
}

/// Whether the closed segments `a` and `b` share any point.
fn segments_meet(a0: Pt, a1: Pt, b0: Pt, b1: Pt) -> bool {
    let o1 = orient(a0, a1, b0);
    let o2 = orient(a0, a1, b1);
    let o3 = orient(b0, b1, a0);
    let o4 = orient(b0, b1, a1);
    if ((o1 > 0.0 && o2 < 0.0) || (o1 < 0.0 && o2 > 0.0))
        && ((o3 > 0.0 && o4 < 0.0) || (o3 < 0.0 && o4 > 0.0))
    {
        return true;
    }
    (o1 == 0.0 && on_segment(a0, a1, b0))
        || (o2 == 0.0 && on_segment(a0, a1, b1))
        || (o3 == 0.0 && on_segment(b0, b1, a0))
        || (o4 == 0.0 && on_segment(b0, b1, a1))
}

/// Finds two edges of a closed ring (no repeated consecutive positions) that meet where they
/// should not. A sweep over the edges sorted by their smallest x compares only edges whose x
/// ranges overlap (and then only if their y ranges overlap too), which on real zone outlines
/// is close to linear in the number of edges.
fn self_intersection(ring: &[Pt]) -> Result<(), RingProblem> {
    let m = ring.len() - 1; // edges
    let seg = |i: usize| (ring[i], ring[i + 1]);
    let mut order: Vec<(f64, f64, u32)> = (0..m)
        .map(|i| {
            let (a, b) = seg(i);
            (a[0].min(b[0]), a[0].max(b[0]), i as u32)
        })
        .collect();
    order.sort_unstable_by(|p, q| p.0.total_cmp(&q.0));
    for k in 0..order.len() {
        let (_, max_x, i) = order[k];
        let i = i as usize;
        let (a0, a1) = seg(i);
        let (ay0, ay1) = (a0[1].min(a1[1]), a0[1].max(a1[1]));
        for &(min_x, _, j) in &order[k + 1..] {
            if min_x > max_x {
                break;
            }
            let j = j as usize;
            let (b0, b1) = seg(j);
            if b0[1].max(b1[1]) < ay0 || b0[1].min(b1[1]) > ay1 {
                continue;
            }
            let (lo, hi) = (i.min(j), i.max(j));
            let problem = if hi == lo + 1 || (lo == 0 && hi == m - 1) {
                // Consecutive edges share a vertex v; they may only fold back onto each other.
                let (v, p, q) = if hi == lo + 1 {
                    (ring[hi], ring[lo], ring[hi + 1])
                } else {
                    (ring[0], ring[1], ring[m - 1])
                };
                orient(p, v, q) == 0.0
                    && (p[0] - v[0]) * (q[0] - v[0]) + (p[1] - v[1]) * (q[1] - v[1]) > 0.0
            } else {
                segments_meet(a0, a1, b0, b1)
            };
            if problem {
                let (a, b) = (seg(lo), seg(hi));
                return Err(RingProblem::SelfIntersection {
                    edge_a: lo,
                    edge_b: hi,
                    a: [a.0, a.1],
                    b: [b.0, b.1],
                });
            }
        }
    }
    Ok(())
}

/// A polygon prepared for many point tests: its bounding box and its edges bucketed by
/// horizontal bands (an edge is listed in every band its y range touches), so a test looks at
/// the few edges of one band instead of all of them.
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    /// `[min_x, min_y, max_x, max_y]`.
    pub bbox: [f64; 4],
    inv_band: f64,
    bands: usize,
    starts: Vec<u32>,
    edges: Vec<Edge>,
    /// How many edges the polygon has (for sizing the grid).
    pub edge_count: usize,
}

impl Prepared {
    /// Prepares cleaned rings (exterior first).
    pub fn new(rings: &[Vec<Pt>]) -> Self {
        let all = edges(rings);
        let mut bbox = [
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ];
        for p in rings.iter().flatten() {
            bbox[0] = bbox[0].min(p[0]);
            bbox[1] = bbox[1].min(p[1]);
            bbox[2] = bbox[2].max(p[0]);
            bbox[3] = bbox[3].max(p[1]);
        }
        let height = bbox[3] - bbox[1];
        // About two edges per band; fewer bands when long edges would be copied into too many.
        let mut bands = (all.len() / 2).clamp(1, 1 << 14);
        loop {
            let inv_band = if height > 0.0 {
                bands as f64 / height
            } else {
                0.0
            };
            let band_of = |y: f64| (((y - bbox[1]) * inv_band) as usize).min(bands - 1);
            let mut counts = vec![0u32; bands + 1];
            let mut copies = 0usize;
            for e in &all {
                let (b0, b1) = (band_of(e[1].min(e[3])), band_of(e[1].max(e[3])));
                copies += b1 - b0 + 1;
                for c in &mut counts[b0..=b1] {
                    *c += 1;
                }
            }
            if copies > 8 * all.len() && bands > 1 {
                bands /= 2;
                continue;
            }
            let mut starts = vec![0u32; bands + 1];
            for b in 0..bands {
                starts[b + 1] = starts[b] + counts[b];
            }
            let mut fill = starts.clone();
            let mut banded = vec![[0.0; 4]; copies];
            for e in &all {
                let (b0, b1) = (band_of(e[1].min(e[3])), band_of(e[1].max(e[3])));
                for f in &mut fill[b0..=b1] {
                    banded[*f as usize] = *e;
                    *f += 1;
                }
            }
            return Self {
                bbox,
                inv_band,
                bands,
                starts,
                edges: banded,
                edge_count: all.len(),
            };
        }
    }

    /// Calls `f` on every edge (some more than once: an edge is kept in each of its bands).
    pub fn for_each_edge(&self, mut f: impl FnMut(&Edge)) {
        self.edges.iter().for_each(&mut f);
    }

    /// Whether `(x, y)` is inside the polygon or on its boundary.
    #[inline]
    pub fn contains(&self, x: f64, y: f64) -> bool {
        let [x0, y0, x1, y1] = self.bbox;
        // Written so that NaN is outside.
        if !(x >= x0 && x <= x1 && y >= y0 && y <= y1) {
            return false;
        }
        let b = (((y - y0) * self.inv_band) as usize).min(self.bands - 1);
        let mut inside = false;
        for e in &self.edges[self.starts[b] as usize..self.starts[b + 1] as usize] {
            match hit(e, x, y) {
                Hit::On => return true,
                Hit::Cross => inside = !inside,
                Hit::Miss => {}
            }
        }
        inside
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(x0: f64, y0: f64, x1: f64, y1: f64) -> Vec<Pt> {
        vec![[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
    }

    #[test]
    fn hit_counts_a_vertex_once_and_edges_as_on() {
        let ring = square(0.0, 0.0, 2.0, 2.0);
        let e = edges(&[ring]);
        // A ray through the vertex (2, 2)… from (1, 2) is on the top edge.
        assert!(contains_brute(&e, 1.0, 2.0));
        // From (-1, 0) the ray runs along the bottom edge: outside, not on.
        assert!(!contains_brute(&e, -1.0, 0.0));
        assert!(!contains_brute(&e, -1.0, 2.0));
        assert!(contains_brute(&e, 1.0, 1.0));
        assert!(contains_brute(&e, 0.0, 0.0));
        assert!(contains_brute(&e, 2.0, 1.0));
        assert!(!contains_brute(&e, 2.0000001, 1.0));
    }

    #[test]
    fn clean_ring_drops_repeats_and_rejects_each_problem() {
        let mut r = square(0.0, 0.0, 1.0, 1.0);
        r.insert(1, [0.0, 0.0]);
        assert_eq!(clean_ring(&r).unwrap().len(), 5);
        assert_eq!(
            clean_ring(&[[0.0, 0.0], [1.0, 0.0], [0.0, 0.0]]),
            Err(RingProblem::TooFewPositions(3))
        );
        assert_eq!(
            clean_ring(&[[0.0, 0.0], [1.0, 0.0], [1.0, 0.0], [0.0, 0.0]]),
            Err(RingProblem::TooFewPositions(3))
        );
        assert!(matches!(
            clean_ring(&[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]),
            Err(RingProblem::NotClosed { .. })
        ));
        assert_eq!(
            clean_ring(&[[0.0, 0.0], [f64::NAN, 0.0], [1.0, 1.0], [0.0, 0.0]]),
            Err(RingProblem::NonFinite { position: 1 })
        );
        assert!(matches!(
            clean_ring(&[[0.0, 0.0], [1.0, 95.0], [1.0, 1.0], [0.0, 0.0]]),
            Err(RingProblem::OutOfRange { position: 1, .. })
        ));
        // A bow tie.
        assert!(matches!(
            clean_ring(&[[0.0, 0.0], [1.0, 1.0], [1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]),
            Err(RingProblem::SelfIntersection { .. })
        ));
        // A ring touching itself at a vertex (figure eight).
        assert!(matches!(
            clean_ring(&[
                [0.0, 0.0],
                [1.0, 1.0],
                [2.0, 0.0],
                [2.0, 2.0],
                [1.0, 1.0],
                [0.0, 2.0],
                [0.0, 0.0]
            ]),
            Err(RingProblem::SelfIntersection { .. })
        ));
        // A spike folding back along itself.
        assert!(matches!(
            clean_ring(&[[0.0, 0.0], [2.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]),
            Err(RingProblem::SelfIntersection { .. })
        ));
        // Collinear corners are fine.
        assert!(clean_ring(&[[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [1.0, 1.0], [0.0, 0.0]]).is_ok());
    }

    #[test]
    fn prepared_agrees_with_brute_force_on_a_concave_ring() {
        // A comb: deep notches make many crossings per band.
        let mut ring = vec![[0.0, 0.0]];
        for k in 0..20 {
            let x = k as f64;
            ring.push([x + 0.5, 10.0]);
            ring.push([x + 1.0, 0.5]);
        }
        ring.push([20.0, 0.0]);
        ring.push([0.0, 0.0]);
        let ring = clean_ring(&ring).unwrap();
        let p = Prepared::new(std::slice::from_ref(&ring));
        let e = edges(std::slice::from_ref(&ring));
        for i in 0..200 {
            for j in 0..110 {
                let (x, y) = (i as f64 * 0.1 - 0.05, j as f64 * 0.1 - 0.05);
                assert_eq!(p.contains(x, y), contains_brute(&e, x, y), "({x}, {y})");
            }
        }
        // Every vertex and edge midpoint is on the boundary.
        for w in ring.windows(2) {
            assert!(p.contains(w[0][0], w[0][1]));
            let mid = [(w[0][0] + w[1][0]) / 2.0, (w[0][1] + w[1][1]) / 2.0];
            assert_eq!(
                p.contains(mid[0], mid[1]),
                contains_brute(&e, mid[0], mid[1])
            );
        }
    }
}
