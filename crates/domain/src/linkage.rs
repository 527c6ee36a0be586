//! Record linkage in the product (DESIGN.md §2 part 5): the thresholds that decide what a run
//! applies by itself and what it leaves for a person to review, the review queue's states and
//! the decisions a reviewer takes. The engine itself is the `ruamjai-linkage` crate.

use serde::{Deserialize, Serialize};

use crate::FieldError;

/// Match probabilities at or above `auto` are applied by the run; those at or above `review`
/// (and below `auto`) go to the clerical review queue; the rest are left alone.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    /// Applied without review.
    pub auto: f64,
    /// Reviewed by a person.
    pub review: f64,
}

impl Default for Thresholds {
    /// 0.99 and 0.5: a merge of two persons is hard to notice when wrong, so only pairs the
    /// model is nearly certain of are applied; anything more likely than not is reviewed.
    fn default() -> Self {
        Self {
            auto: 0.99,
            review: 0.5,
        }
    }
}

impl Thresholds {
    /// Check two probabilities typed by a user (`0.95`, `95%` or `95`): each between 0 and 1
    /// (a number above 1 is read as a percentage), and `review` below `auto`.
    pub fn parse(auto: &str, review: &str) -> Result<Self, FieldError> {
        let auto = probability("auto_threshold", auto, Self::default().auto)?;
        let review = probability("review_threshold", review, Self::default().review)?;
        Self::new(auto, review)
    }

    /// Check two probabilities.
    pub fn new(auto: f64, review: f64) -> Result<Self, FieldError> {
        if !(auto > 0.0 && auto <= 1.0) {
            return Err(FieldError::new("auto_threshold", "probability_range"));
        }
        if !(review > 0.0 && review <= 1.0) {
            return Err(FieldError::new("review_threshold", "probability_range"));
        }
        if review > auto {
            return Err(FieldError::new("review_threshold", "review_above_auto"));
        }
        Ok(Self { auto, review })
    }

    /// Where a pair with this probability goes.
    pub fn route(&self, p: f64) -> Route {
        if p >= self.auto {
            Route::Apply
        } else if p >= self.review {
            Route::Review
        } else {
            Route::Leave
        }
    }
}

fn probability(field: &'static str, s: &str, default: f64) -> Result<f64, FieldError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(default);
    }
    let (num, percent) = match s.strip_suffix('%') {
        Some(n) => (n.trim(), true),
        None => (s, false),
    };
    let v: f64 = num
        .parse()
        .map_err(|_| FieldError::new(field, "probability_invalid"))?;
    if !v.is_finite() {
        return Err(FieldError::new(field, "probability_invalid"));
    }
    Ok(if percent || v > 1.0 { v / 100.0 } else { v })
}

/// What a run does with a pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// Apply it (merge the duplicates, link the roll record).
    Apply,
    /// Queue it for a person.
    Review,
    /// Not the same person (or too unlikely to ask).
    Leave,
}

coded! {
    /// What a linkage run linked.
    pub enum RunKind {
        /// Duplicates inside the registry.
        Dedup = "dedup",
        /// An agency's roll linked to the registry.
        Roll = "roll",
    }
}

coded! {
    /// Where a pair in the review queue stands.
    pub enum ReviewStatus {
        /// Waiting for a reviewer.
        Open = "open",
        /// Looked at and put back for later (stays in the queue, after the others).
        Skipped = "skipped",
        /// The same person: merged or linked.
        Matched = "matched",
        /// Not the same person: never proposed again.
        Rejected = "rejected",
    }
}

coded! {
    /// A reviewer's decision on a pair.
    pub enum Decision {
        /// The same person.
        Match = "match",
        /// Not the same person.
        NotMatch = "not_match",
        /// Decide later.
        Skip = "skip",
    }
}

impl Decision {
    /// The state the pair takes.
    pub const fn status(self) -> ReviewStatus {
        match self {
            Self::Match => ReviewStatus::Matched,
            Self::NotMatch => ReviewStatus::Rejected,
            Self::Skip => ReviewStatus::Skipped,
        }
    }
}

coded! {
    /// What became of a record of an imported roll.
    pub enum RollStatus {
        /// Linked to a person (by the run or a reviewer): the person receives the programme.
        Linked = "linked",
        /// Waiting in the review queue.
        Review = "review",
        /// Nobody in the registry is likely enough: on the roll but not in the registry.
        Unmatched = "unmatched",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_read_fractions_and_percentages() {
        let t = Thresholds::parse("0.95", "60%").unwrap();
        assert_eq!((t.auto, t.review), (0.95, 0.6));
        let t = Thresholds::parse("99", "").unwrap();
        assert_eq!((t.auto, t.review), (0.99, Thresholds::default().review));
        assert_eq!(Thresholds::parse("", "").unwrap(), Thresholds::default());
    }

    #[test]
    fn thresholds_name_the_bad_field() {
        assert_eq!(
            Thresholds::parse("abc", "0.5").unwrap_err().field,
            "auto_threshold"
        );
        assert_eq!(
            Thresholds::parse("0.9", "0").unwrap_err().field,
            "review_threshold"
        );
        let e = Thresholds::parse("0.6", "0.8").unwrap_err();
        assert_eq!((e.field, e.code), ("review_threshold", "review_above_auto"));
        assert_eq!(
            Thresholds::parse("150", "0.5").unwrap_err().code,
            "probability_range"
        );
        assert_eq!(
            Thresholds::parse("NaN", "0.5").unwrap_err().code,
            "probability_invalid"
        );
    }

    #[test]
    fn routes_at_the_boundaries() {
        let t = Thresholds::new(0.9, 0.5).unwrap();
        assert_eq!(t.route(0.9), Route::Apply);
        assert_eq!(t.route(0.899), Route::Review);
        assert_eq!(t.route(0.5), Route::Review);
        assert_eq!(t.route(0.4999), Route::Leave);
    }
}
