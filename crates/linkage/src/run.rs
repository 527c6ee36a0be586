//! A whole run: block, compare, train the model on the candidate pairs (EM, with `u` from
//! random pairs), then score every candidate pair again and hand on those above the threshold.
//! Two passes over the candidate pairs instead of keeping them: memory holds the records, the
//! blocking index and the distinct comparison patterns, never the pairs. Both passes run on
//! every core (rayon).

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rayon::prelude::*;

use crate::block::{Index, RULE_FIELDS, TRAINING_RULES};
use crate::compare::{FIELDS, compare};
use crate::model::{Model, Patterns, Training};
use crate::record::Record;

/// Settings of a run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// Pairs at or above this match probability are reported.
    pub threshold: f64,
    /// Blocks larger than this are skipped (and counted).
    pub max_block: usize,
    /// Random pairs drawn to estimate `u`.
    pub u_sample: usize,
    /// EM iterations at most.
    pub max_iterations: usize,
    /// Seed of the random pairs (the same input gives the same answer).
    pub seed: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            threshold: 0.9,
            max_block: 2_000,
            u_sample: 1_000_000,
            max_iterations: 100,
            seed: 1,
        }
    }
}

/// Where a run is (for progress bars): stage, done, of.
pub type Progress<'a> = &'a (dyn Fn(&'static str, u64, u64) + Sync);

/// What a run found.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The trained model.
    pub model: Model,
    /// EM's iterations and last change.
    pub training: Training,
    /// Candidate pairs compared (each twice).
    pub candidates: u64,
    /// Blocks skipped as too large.
    pub skipped_blocks: usize,
    /// Pairs at or above the threshold: (i, j, probability), indexes into the input (for two
    /// lists, `j` counts from the start of the right list).
    pub pairs: Vec<(u32, u32, f32)>,
}

fn levels() -> Vec<usize> {
    FIELDS.iter().map(|f| f.levels.len()).collect()
}

/// Deduplicate one list.
pub fn dedup(records: &[Record], s: &Settings, progress: Progress) -> Outcome {
    let all: Vec<&Record> = records.iter().collect();
    run(&all, records.len(), false, s, progress)
}

/// Link two lists (pairs across them only).
pub fn link(left: &[Record], right: &[Record], s: &Settings, progress: Progress) -> Outcome {
    let all: Vec<&Record> = left.iter().chain(right.iter()).collect();
    let mut out = run(&all, left.len(), true, s, progress);
    let l = left.len() as u32;
    for p in &mut out.pairs {
        p.1 -= l;
    }
    out
}

fn run(all: &[&Record], left: usize, across: bool, s: &Settings, progress: Progress) -> Outcome {
    progress("block", 0, 1);
    let index = Index::build(all, left, across, s.max_block);
    progress("block", 1, 1);
    let blocks = index.blocks.len() as u64;

    // u from random pairs (across the lists when linking).
    let mut model = Model::start(&levels());
    // (`model` holds the starting m and the u from random pairs until training.)
    let mut rng = StdRng::seed_from_u64(s.seed);
    let mut random = Patterns::default();
    let n = all.len();
    if n >= 2 {
        for _ in 0..s.u_sample {
            let (i, j) = if across && left > 0 && left < n {
                (rng.random_range(0..left), rng.random_range(left..n))
            } else {
                let i = rng.random_range(0..n);
                let mut j = rng.random_range(0..n - 1);
                if j >= i {
                    j += 1;
                }
                (i, j)
            };
            random.add(&compare(all[i], all[j]));
        }
        model.set_u_from(&random);
    }

    // Pass 1: the patterns of every candidate pair (each once), and for each training rule the
    // patterns of the pairs it blocked with the fields it forced to agree left out.
    let done = std::sync::atomic::AtomicU64::new(0);
    let sessions = || vec![Patterns::default(); TRAINING_RULES.len()];
    let (patterns, by_rule) = (0..index.blocks.len())
        .into_par_iter()
        .fold(
            || (Patterns::default(), sessions()),
            |(mut all_p, mut by_rule), b| {
                let rule = index.blocks[b].0;
                let session = TRAINING_RULES.iter().position(|r| *r == rule);
                index.all_pairs(b, |i, j, owned| {
                    let mut g = compare(all[i as usize], all[j as usize]);
                    if owned {
                        all_p.add(&g);
                    }
                    if let Some(k) = session {
                        for f in RULE_FIELDS[rule] {
                            g[*f] = None;
                        }
                        by_rule[k].add(&g);
                    }
                });
                let d = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                if d.is_multiple_of(1024) {
                    progress("compare", d, blocks);
                }
                (all_p, by_rule)
            },
        )
        .reduce(
            || (Patterns::default(), sessions()),
            |(mut a, mut ra), (b, rb)| {
                a.merge(b);
                for (x, y) in ra.iter_mut().zip(rb) {
                    x.merge(y);
                }
                (a, ra)
            },
        );
    progress("compare", blocks, blocks);
    let candidates = patterns.total();

    // Training: `m` by EM on each training rule's pairs (the rule's own fields left out), `u`
    // fixed from the random pairs; the m of each field averaged over the sessions where it
    // was free; then λ alone over all candidates.
    progress("train", 0, 1);
    let mut trained = model.clone();
    let mut counted = vec![0u32; levels().len()];
    let mut iterations = 0;
    for (k, rule) in TRAINING_RULES.iter().enumerate() {
        if by_rule[k].total() == 0 {
            continue;
        }
        let mut session = model.clone();
        let t = session.train(&by_rule[k], (false, true), s.max_iterations, 1e-6);
        iterations += t.iterations;
        let free: Vec<usize> = (0..levels().len())
            .filter(|f| !RULE_FIELDS[*rule].contains(f))
            .collect();
        trained.take_m(&session, &free, &mut counted);
    }
    let mut model = trained;
    let last = model.train(&patterns, (true, true), s.max_iterations, 1e-7);
    let training = Training {
        iterations: iterations + last.iterations,
        last_change: last.last_change,
    };
    progress("train", 1, 1);

    // Pass 2: score again, keep those above the threshold.
    let done = std::sync::atomic::AtomicU64::new(0);
    let mut pairs: Vec<(u32, u32, f32)> = (0..index.blocks.len())
        .into_par_iter()
        .fold(Vec::new, |mut acc, b| {
            index.pairs(b, |i, j| {
                let p = model.probability(&compare(all[i as usize], all[j as usize]));
                if p >= s.threshold {
                    acc.push((i, j, p as f32));
                }
            });
            let d = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            if d.is_multiple_of(1024) {
                progress("score", d, blocks);
            }
            acc
        })
        .reduce(Vec::new, |mut a, mut b| {
            a.append(&mut b);
            a
        });
    progress("score", blocks, blocks);
    pairs.sort_by_key(|p| (p.0, p.1));
    Outcome {
        model,
        training,
        candidates,
        skipped_blocks: index.skipped_blocks,
        pairs,
    }
}

/// Clusters from pairs (union–find): `cluster[i]` is the smallest record index of i's cluster.
pub fn clusters(n: usize, pairs: &[(u32, u32, f32)]) -> Vec<u32> {
    let mut parent: Vec<u32> = (0..n as u32).collect();
    fn root(parent: &mut [u32], mut x: u32) -> u32 {
        while parent[x as usize] != x {
            let up = parent[parent[x as usize] as usize];
            parent[x as usize] = up;
            x = up;
        }
        x
    }
    for &(a, b, _) in pairs {
        let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
        if ra != rb {
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            parent[hi as usize] = lo;
        }
    }
    (0..n as u32).map(|i| root(&mut parent, i)).collect()
}
