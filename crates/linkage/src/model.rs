//! The Fellegi–Sunter model: for each field comparison level, the probability `m` of seeing it
//! when two records are the same person and `u` when they are not; a pair's weight is the sum of
//! log2(m/u) over its fields (missing fields add nothing) and its match probability follows from
//! the weight and the prior λ. `u` and λ are over *all* pairs of records (Splink's convention):
//! `u` is what two records drawn at random show, λ the share of all pairs that match — a prior
//! over the candidate pairs only would count the agreement that made them candidates twice.
//! `m` (and λ) are estimated from the data itself with expectation–maximisation (EM) over the
//! distinct comparison patterns (Fellegi & Sunter 1969; Winkler 1988; Jaro 1989).

use std::collections::HashMap;

/// Comparison levels of one pair: one entry per field, `None` when a side lacks the field.
pub type Pattern = Vec<Option<u8>>;

/// Distinct comparison patterns with how often each was seen.
#[derive(Debug, Clone, Default)]
pub struct Patterns {
    counts: HashMap<Pattern, u64>,
}

impl Patterns {
    /// Count one pattern.
    pub fn add(&mut self, p: &[Option<u8>]) {
        self.add_n(p, 1);
    }

    /// Count one pattern `n` times.
    pub fn add_n(&mut self, p: &[Option<u8>], n: u64) {
        if n == 0 {
            return;
        }
        if let Some(c) = self.counts.get_mut(p) {
            *c += n;
        } else {
            self.counts.insert(p.to_vec(), n);
        }
    }

    /// Add another tally (threads count apart, then merge).
    pub fn merge(&mut self, other: Patterns) {
        for (p, c) in other.counts {
            *self.counts.entry(p).or_insert(0) += c;
        }
    }

    /// Number of pairs counted.
    pub fn total(&self) -> u64 {
        self.counts.values().sum()
    }

    /// Number of distinct patterns.
    pub fn distinct(&self) -> usize {
        self.counts.len()
    }

    fn iter(&self) -> impl Iterator<Item = (&Pattern, f64)> {
        self.counts.iter().map(|(p, c)| (p, *c as f64))
    }
}

/// A trained (or starting) model.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// Prior probability that a pair is a match: over all pairs of records once trained by
    /// [`crate::run`] (the same pairs `u` is over); over the pairs trained on inside
    /// [`Model::train`].
    pub lambda: f64,
    /// `m[field][level]`.
    pub m: Vec<Vec<f64>>,
    /// `u[field][level]`.
    pub u: Vec<Vec<f64>>,
}

/// Keep probabilities away from 0 and 1 so that weights stay finite.
const FLOOR: f64 = 1e-6;

/// The smallest `u` a level gets from value frequencies (an ID shared by no two people).
const U_FLOOR: f64 = 1e-12;

fn normalise(v: &mut [f64]) {
    for x in v.iter_mut() {
        *x = x.max(FLOOR);
    }
    let s: f64 = v.iter().sum();
    for x in v.iter_mut() {
        *x /= s;
    }
}

/// A Dirichlet prior on `m`: EM's M-step adds `weight` pseudo-pairs shaped like `m` to each
/// field's expected counts (the maximum a posteriori estimate). On a small list — a village
/// survey of a few hundred records with a handful of duplicates — the training sessions hold
/// too few matches to say what a match looks like, and plain EM gives `m ≈ 0` to every level
/// it has not seen (a slipped tone mark then vetoes a true match); the prior keeps those levels
/// where experience puts them. On a large list the data outweigh it (`weight` is tens of pairs
/// against thousands).
#[derive(Debug, Clone, PartialEq)]
pub struct Prior {
    /// `m[field][level]`, each field summing to 1.
    pub m: Vec<Vec<f64>>,
    /// Pseudo-pairs per field.
    pub weight: f64,
}

/// What EM did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Training {
    /// Iterations run.
    pub iterations: usize,
    /// Largest change of any parameter in the last iteration.
    pub last_change: f64,
}

impl Model {
    /// A neutral start for fields with `levels[f]` levels each (level 0 = disagree, the last =
    /// exact): matches mostly agree exactly, non-matches mostly disagree.
    pub fn start(levels: &[usize]) -> Self {
        let m = levels
            .iter()
            .map(|&n| {
                let mut v: Vec<f64> = (0..n)
                    .map(|l| {
                        if l + 1 == n {
                            0.7
                        } else {
                            0.3 / (n - 1).max(1) as f64
                        }
                    })
                    .collect();
                normalise(&mut v);
                v
            })
            .collect();
        let u = levels
            .iter()
            .map(|&n| {
                let mut v: Vec<f64> = (0..n)
                    .map(|l| {
                        if l == 0 {
                            0.9
                        } else {
                            0.1 / (n - 1).max(1) as f64
                        }
                    })
                    .collect();
                normalise(&mut v);
                v
            })
            .collect();
        Self { lambda: 0.1, m, u }
    }

    /// Set `u` from the patterns of randomly drawn pairs (almost all non-matches), as a careful
    /// analyst does before EM: EM then only has to find `m` and λ.
    pub fn set_u_from(&mut self, random: &Patterns) {
        for (f, u) in self.u.iter_mut().enumerate() {
            let mut counts = vec![0.0; u.len()];
            for (p, c) in random.iter() {
                if let Some(Some(l)) = p.get(f) {
                    counts[*l as usize] += c;
                }
            }
            if counts.iter().sum::<f64>() > 0.0 {
                normalise(&mut counts);
                *u = counts;
            }
        }
    }

    /// Set the `u` of one level (from value frequencies: see [`crate::run`]) and scale the
    /// field's other levels so that they sum to the rest.
    pub fn set_u_level(&mut self, field: usize, level: usize, u: f64) {
        let u = u.clamp(U_FLOOR, 1.0 - FLOOR);
        let v = &mut self.u[field];
        let others: f64 = v
            .iter()
            .enumerate()
            .filter(|(l, _)| *l != level)
            .map(|(_, x)| x)
            .sum();
        for (l, x) in v.iter_mut().enumerate() {
            if l == level {
                *x = u;
            } else if others > 0.0 {
                *x *= (1.0 - u) / others;
            }
        }
    }

    /// Bound the weight of every near level (1 up to the one below the top) by the exact
    /// level's: the `u` of a near level is raised where needed to `u[top]·m[l]/m[top]`. A level
    /// that random pairs almost never reach (a transposed ID, a one-digit slip) would otherwise
    /// keep a tiny `u` and weigh more than an exact agreement. Call after `m` is trained; the
    /// raised `u` may sum a little above 1 (only the weights matter).
    pub fn bound_near_levels(&mut self) {
        for (m, u) in self.m.iter().zip(self.u.iter_mut()) {
            let top = u.len() - 1;
            for l in 1..top {
                let bound = (u[top] * m[l] / m[top]).min(1.0);
                if u[l] < bound {
                    u[l] = bound;
                }
            }
        }
    }

    /// Take `m` of the fields in `fields` from `other` (a training session in which those fields
    /// were free), averaging with what earlier sessions gave (`sessions[f]` of them so far).
    pub fn take_m(&mut self, other: &Model, fields: &[usize], sessions: &mut [u32]) {
        for &f in fields {
            let n = f64::from(sessions[f]);
            for (mine, theirs) in self.m[f].iter_mut().zip(&other.m[f]) {
                *mine = if n == 0.0 {
                    *theirs
                } else {
                    (*mine * n + theirs) / (n + 1.0)
                };
            }
            sessions[f] += 1;
        }
    }

    /// log2(m/u) of one field at one level.
    pub fn field_weight(&self, field: usize, level: u8) -> f64 {
        let l = level as usize;
        (self.m[field][l] / self.u[field][l]).log2()
    }

    /// The pair's weight: the sum of its fields' weights (missing fields count 0).
    pub fn weight(&self, p: &[Option<u8>]) -> f64 {
        p.iter()
            .enumerate()
            .filter_map(|(f, l)| l.map(|l| self.field_weight(f, l)))
            .sum()
    }

    /// The probability that the pair is a match.
    pub fn probability(&self, p: &[Option<u8>]) -> f64 {
        let prior = (self.lambda / (1.0 - self.lambda)).log2();
        let w = prior + self.weight(p);
        1.0 / (1.0 + (-w).exp2())
    }

    /// Each field's contribution, to explain a decision: (field index, level, weight).
    pub fn explain(&self, p: &[Option<u8>]) -> Vec<(usize, Option<u8>, f64)> {
        p.iter()
            .enumerate()
            .map(|(f, l)| (f, *l, l.map_or(0.0, |l| self.field_weight(f, l))))
            .collect()
    }

    /// Expectation–maximisation over the candidate pairs' patterns. What moves: λ always, `m`
    /// unless `fix_m`, `u` unless `fix_u` (fix it after [`Model::set_u_from`]). `m` is pulled
    /// towards `prior` when one is given. Stops when no parameter moves more than `tolerance`,
    /// or after `max_iterations`.
    pub fn train(
        &mut self,
        patterns: &Patterns,
        (fix_m, fix_u): (bool, bool),
        prior: Option<&Prior>,
        max_iterations: usize,
        tolerance: f64,
    ) -> Training {
        let mut last_change = f64::INFINITY;
        let mut iterations = 0;
        while iterations < max_iterations && last_change > tolerance {
            iterations += 1;
            // E: the posterior match probability of each pattern.
            let mut total = 0.0;
            let mut matched = 0.0;
            let mut m_acc: Vec<Vec<f64>> = self.m.iter().map(|v| vec![0.0; v.len()]).collect();
            let mut u_acc: Vec<Vec<f64>> = self.u.iter().map(|v| vec![0.0; v.len()]).collect();
            for (p, c) in patterns.iter() {
                let g = self.probability(p);
                total += c;
                matched += c * g;
                for (f, l) in p.iter().enumerate() {
                    if let Some(l) = l {
                        m_acc[f][*l as usize] += c * g;
                        u_acc[f][*l as usize] += c * (1.0 - g);
                    }
                }
            }
            if total == 0.0 {
                break;
            }
            // M: new parameters from the expected counts.
            let mut change: f64 = 0.0;
            let lambda = (matched / total).clamp(FLOOR, 1.0 - FLOOR);
            change = change.max((lambda - self.lambda).abs());
            self.lambda = lambda;
            if let Some(prior) = prior {
                for (acc, p) in m_acc.iter_mut().zip(&prior.m) {
                    for (a, p) in acc.iter_mut().zip(p) {
                        *a += prior.weight * p;
                    }
                }
            }
            for (f, acc) in m_acc.iter_mut().enumerate() {
                if !fix_m && acc.iter().sum::<f64>() > 0.0 {
                    normalise(acc);
                    for (old, new) in self.m[f].iter().zip(acc.iter()) {
                        change = change.max((old - new).abs());
                    }
                    self.m[f].clone_from(acc);
                }
            }
            if !fix_u {
                for (f, acc) in u_acc.iter_mut().enumerate() {
                    if acc.iter().sum::<f64>() > 0.0 {
                        normalise(acc);
                        for (old, new) in self.u[f].iter().zip(acc.iter()) {
                            change = change.max((old - new).abs());
                        }
                        self.u[f].clone_from(acc);
                    }
                }
            }
            last_change = change;
        }
        Training {
            iterations,
            last_change,
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    use super::*;

    fn draw(rng: &mut StdRng, probs: &[f64]) -> u8 {
        let mut x: f64 = rng.random();
        for (l, p) in probs.iter().enumerate() {
            if x < *p {
                return l as u8;
            }
            x -= p;
        }
        (probs.len() - 1) as u8
    }

    /// Pairs drawn from a known model (with some fields missing at random).
    fn generate(truth: &Model, n: usize, seed: u64) -> Patterns {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut out = Patterns::default();
        for _ in 0..n {
            let matched = rng.random::<f64>() < truth.lambda;
            let p: Pattern = (0..truth.m.len())
                .map(|f| {
                    if rng.random::<f64>() < 0.1 {
                        None
                    } else if matched {
                        Some(draw(&mut rng, &truth.m[f]))
                    } else {
                        Some(draw(&mut rng, &truth.u[f]))
                    }
                })
                .collect();
            out.add(&p);
        }
        out
    }

    fn truth() -> Model {
        Model {
            lambda: 0.04,
            m: vec![
                vec![0.02, 0.03, 0.05, 0.90],
                vec![0.05, 0.10, 0.85],
                vec![0.10, 0.20, 0.70],
                vec![0.05, 0.95],
                vec![0.15, 0.85],
            ],
            u: vec![
                vec![0.97, 0.015, 0.01, 0.005],
                vec![0.90, 0.08, 0.02],
                vec![0.60, 0.35, 0.05],
                vec![0.50, 0.50],
                vec![0.95, 0.05],
            ],
        }
    }

    #[test]
    fn em_recovers_the_model_that_made_the_data() {
        let t = truth();
        let data = generate(&t, 400_000, 7);
        let mut model = Model::start(&[4, 3, 3, 2, 2]);
        let run = model.train(&data, (false, false), None, 500, 1e-7);
        assert!(run.iterations < 500, "EM converged");
        assert!(
            (model.lambda - t.lambda).abs() < 0.005,
            "λ {}",
            model.lambda
        );
        for f in 0..t.m.len() {
            for l in 0..t.m[f].len() {
                assert!(
                    (model.m[f][l] - t.m[f][l]).abs() < 0.03,
                    "m[{f}][{l}] {} vs {}",
                    model.m[f][l],
                    t.m[f][l]
                );
                assert!(
                    (model.u[f][l] - t.u[f][l]).abs() < 0.01,
                    "u[{f}][{l}] {} vs {}",
                    model.u[f][l],
                    t.u[f][l]
                );
            }
        }
    }

    /// The prior on `m` carries a small list and gives way to a large one.
    #[test]
    fn the_prior_on_m_carries_few_pairs_and_yields_to_many() {
        let t = truth();
        let random = generate(
            &Model {
                lambda: 0.0,
                ..t.clone()
            },
            200_000,
            11,
        );
        // A prior unlike the truth, so that its pull is visible.
        let prior = Prior {
            m: vec![
                vec![0.10, 0.10, 0.10, 0.70],
                vec![0.20, 0.20, 0.60],
                vec![0.30, 0.30, 0.40],
                vec![0.20, 0.80],
                vec![0.30, 0.70],
            ],
            weight: 50.0,
        };
        let fit = |n: usize, prior: Option<&Prior>| {
            let mut model = Model::start(&[4, 3, 3, 2, 2]);
            model.set_u_from(&random);
            model.train(&generate(&t, n, 17), (false, true), prior, 500, 1e-7);
            model
        };
        // 300 pairs hold about 12 matches: without the prior, a level no match reached has
        // m at the floor (its weight a veto); with it, that level keeps a share near the
        // prior's.
        let bare = fit(300, None);
        let held = fit(300, Some(&prior));
        let unseen = (0..t.m.len())
            .flat_map(|f| (0..t.m[f].len()).map(move |l| (f, l)))
            .find(|(f, l)| bare.m[*f][*l] < 1e-3)
            .expect("some level unseen among a dozen matches");
        let (f, l) = unseen;
        assert!(
            held.m[f][l] > prior.m[f][l] / 3.0,
            "m[{f}][{l}] {} with the prior",
            held.m[f][l]
        );
        // 300,000 pairs: the data decide, as without the prior.
        let many = fit(300_000, Some(&prior));
        for f in 0..t.m.len() {
            for l in 0..t.m[f].len() {
                assert!((many.m[f][l] - t.m[f][l]).abs() < 0.03, "m[{f}][{l}]");
            }
        }
    }

    #[test]
    fn u_from_random_pairs_then_em_finds_m() {
        let t = truth();
        // Random pairs: almost never a match.
        let random = generate(
            &Model {
                lambda: 0.0,
                ..t.clone()
            },
            200_000,
            11,
        );
        let data = generate(&t, 300_000, 13);
        let mut model = Model::start(&[4, 3, 3, 2, 2]);
        model.set_u_from(&random);
        let before = model.u.clone();
        model.train(&data, (false, true), None, 500, 1e-7);
        assert_eq!(model.u, before, "u stays fixed");
        for f in 0..t.m.len() {
            for l in 0..t.m[f].len() {
                assert!((model.m[f][l] - t.m[f][l]).abs() < 0.03, "m[{f}][{l}]");
            }
        }
    }

    #[test]
    fn weights_add_up_and_explain_the_probability() {
        let t = truth();
        let exact: Pattern = vec![Some(3), Some(2), Some(2), Some(1), Some(1)];
        let none: Pattern = vec![Some(0), Some(0), Some(0), Some(0), Some(0)];
        assert!(t.probability(&exact) > 0.999);
        assert!(t.probability(&none) < 0.001);
        let parts = t.explain(&exact);
        let sum: f64 = parts.iter().map(|p| p.2).sum();
        assert!((sum - t.weight(&exact)).abs() < 1e-9);
        // A missing field neither helps nor hurts.
        let mut missing = exact.clone();
        missing[3] = None;
        assert!((t.weight(&exact) - t.weight(&missing) - t.field_weight(3, 1)).abs() < 1e-9);
    }

    #[test]
    fn a_level_set_from_frequencies_keeps_the_field_summing_to_one() {
        let mut t = truth();
        t.set_u_level(0, 3, 1e-9);
        assert!((t.u[0][3] - 1e-9).abs() < 1e-15);
        assert!((t.u[0].iter().sum::<f64>() - 1.0).abs() < 1e-12);
        // The other levels keep their proportions.
        assert!((t.u[0][1] / t.u[0][2] - 0.015 / 0.01).abs() < 1e-9);
        // Never zero: weights stay finite.
        t.set_u_level(1, 2, 0.0);
        assert!(t.u[1][2] > 0.0 && t.field_weight(1, 2).is_finite());
    }

    #[test]
    fn no_near_level_outweighs_the_exact_one() {
        let mut t = truth();
        // A one-digit slip random pairs never showed: floored u, a weight above exact.
        t.u[0] = vec![0.999_999, 1e-12, 1e-12, 1e-6];
        assert!(t.field_weight(0, 2) > t.field_weight(0, 3));
        let exact_before = t.field_weight(0, 3);
        t.bound_near_levels();
        for f in 0..t.m.len() {
            let top = t.m[f].len() - 1;
            for l in 1..top {
                assert!(
                    t.field_weight(f, l as u8) <= t.field_weight(f, top as u8) + 1e-9,
                    "field {f} level {l}"
                );
            }
        }
        // The exact level and the levels already below it are left alone.
        assert_eq!(t.field_weight(0, 3), exact_before);
        assert_eq!(t.u[1], truth().u[1]);
    }
}
