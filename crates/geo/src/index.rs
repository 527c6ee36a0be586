//! The spatial index over the polygons of all zones: a uniform grid over their joint bounding
//! box. Each cell lists the polygons whose bounding box reaches it, and for each whether the
//! cell lies **wholly inside** it: no edge's bounding box reaches the cell, so the whole cell is
//! on one side of the boundary and one test of its centre (made while building) decides it.
//! Cells wholly outside a polygon do not list it. Most points then need no edge test at all;
//! the rest test the few edges of one band of one polygon (see [`crate::polygon`]).

use rayon::prelude::*;

use crate::polygon::Prepared;

/// Flag bit of an entry: the cell is wholly inside the polygon.
const INSIDE: u32 = 1;

/// A grid of cells over the polygons' joint bounding box.
#[derive(Debug, Clone)]
pub(crate) struct Grid {
    /// The joint bounding box `[min_x, min_y, max_x, max_y]`.
    bbox: [f64; 4],
    x0: f64,
    y0: f64,
    inv_w: f64,
    inv_h: f64,
    nx: usize,
    ny: usize,
    starts: Vec<u32>,
    /// One bit per cell: does any polygon reach it? (Small enough to stay in cache, so the
    /// many points in empty cells never touch `starts`.)
    occupied: Vec<u64>,
    /// `polygon << 1 | INSIDE?`, in polygon order within a cell.
    entries: Vec<u32>,
}

impl Grid {
    /// Builds the grid over `polys` (on every core).
    pub fn new(polys: &[Prepared]) -> Self {
        let mut bb = [
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ];
        let mut edges = 0usize;
        for p in polys {
            bb[0] = bb[0].min(p.bbox[0]);
            bb[1] = bb[1].min(p.bbox[1]);
            bb[2] = bb[2].max(p.bbox[2]);
            bb[3] = bb[3].max(p.bbox[3]);
            edges += p.edge_count;
        }
        if polys.is_empty() {
            bb = [0.0, 0.0, 1.0, 1.0];
        }
        let (w, h) = ((bb[2] - bb[0]).max(1e-9), (bb[3] - bb[1]).max(1e-9));
        // About one cell per edge: the cells near boundaries then hold a few edges' worth of
        // polygon, and the interior cells are large enough to be cheap to classify.
        let target = (edges as f64).clamp(1024.0, (1u64 << 20) as f64);
        let nx = ((target * w / h).sqrt().round() as usize).clamp(1, 4096);
        let ny = ((target / nx as f64).round() as usize).clamp(1, 4096);
        let mut grid = Self {
            bbox: bb,
            x0: bb[0],
            y0: bb[1],
            inv_w: nx as f64 / w,
            inv_h: ny as f64 / h,
            nx,
            ny,
            starts: Vec::new(),
            occupied: Vec::new(),
            entries: Vec::new(),
        };
        let per_poly: Vec<Vec<u32>> = polys
            .par_iter()
            .map(|p| grid.classify(p))
            .collect::<Vec<_>>();
        // Counting sort of (cell, entry) into compressed rows, polygons in order within a cell.
        let mut counts = vec![0u32; nx * ny + 1];
        for cells in &per_poly {
            for c in cells {
                counts[(c >> 1) as usize] += 1;
            }
        }
        let mut starts = vec![0u32; nx * ny + 1];
        for c in 0..nx * ny {
            starts[c + 1] = starts[c] + counts[c];
        }
        let mut fill = starts.clone();
        let mut entries = vec![0u32; starts[nx * ny] as usize];
        for (pi, cells) in per_poly.iter().enumerate() {
            for c in cells {
                let cell = (c >> 1) as usize;
                entries[fill[cell] as usize] = (pi as u32) << 1 | (c & INSIDE);
                fill[cell] += 1;
            }
        }
        let mut occupied = vec![0u64; (nx * ny).div_ceil(64)];
        for c in 0..nx * ny {
            if starts[c + 1] > starts[c] {
                occupied[c / 64] |= 1 << (c % 64);
            }
        }
        grid.starts = starts;
        grid.occupied = occupied;
        grid.entries = entries;
        grid
    }

    #[inline(always)]
    fn col(&self, x: f64) -> usize {
        (((x - self.x0) * self.inv_w) as usize).min(self.nx - 1)
    }

    #[inline(always)]
    fn row(&self, y: f64) -> usize {
        (((y - self.y0) * self.inv_h) as usize).min(self.ny - 1)
    }

    /// The cells of one polygon as `cell << 1 | INSIDE?`: boundary cells (reached by an edge's
    /// bounding box) and interior cells; cells wholly outside are left out.
    fn classify(&self, p: &Prepared) -> Vec<u32> {
        let (c0, c1) = (self.col(p.bbox[0]), self.col(p.bbox[2]));
        let (r0, r1) = (self.row(p.bbox[1]), self.row(p.bbox[3]));
        let cols = c1 - c0 + 1;
        let mut touched = vec![false; cols * (r1 - r0 + 1)];
        p.for_each_edge(|e| {
            let (a0, a1) = (self.col(e[0].min(e[2])), self.col(e[0].max(e[2])));
            let (b0, b1) = (self.row(e[1].min(e[3])), self.row(e[1].max(e[3])));
            for r in b0..=b1 {
                for c in a0..=a1 {
                    touched[(r - r0) * cols + c - c0] = true;
                }
            }
        });
        let (w, h) = (1.0 / self.inv_w, 1.0 / self.inv_h);
        let mut out = Vec::new();
        for r in r0..=r1 {
            for c in c0..=c1 {
                let cell = (r * self.nx + c) as u32;
                if touched[(r - r0) * cols + c - c0] {
                    out.push(cell << 1);
                    continue;
                }
                let (x, y) = (
                    self.x0 + (c as f64 + 0.5) * w,
                    self.y0 + (r as f64 + 0.5) * h,
                );
                if self.col(x) != c || self.row(y) != r {
                    // The centre rounds into another cell: do not trust it, test points.
                    out.push(cell << 1);
                } else if p.contains(x, y) {
                    out.push(cell << 1 | INSIDE);
                }
            }
        }
        out
    }

    /// The entries (`polygon << 1 | INSIDE?`) of the cell holding `(x, y)`; empty outside the
    /// grid.
    #[inline]
    pub fn candidates(&self, x: f64, y: f64) -> &[u32] {
        let [x0, y0, x1, y1] = self.bbox;
        // Written so that NaN is outside.
        if !(x >= x0 && x <= x1 && y >= y0 && y <= y1) {
            return &[];
        }
        let cell = self.row(y) * self.nx + self.col(x);
        if self.occupied[cell / 64] & (1 << (cell % 64)) == 0 {
            return &[];
        }
        &self.entries[self.starts[cell] as usize..self.starts[cell + 1] as usize]
    }

    /// Whether an entry says its cell is wholly inside the polygon.
    #[inline(always)]
    pub fn wholly_inside(entry: u32) -> bool {
        entry & INSIDE != 0
    }
}
