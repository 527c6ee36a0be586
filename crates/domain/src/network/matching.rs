//! "Which volunteers can go now, near this point, with these skills?" — the ranking used by
//! care, hazards and relief. The store narrows candidates to the caller's scope, the skills and
//! a bounding box; this module decides and orders.

use chrono::NaiveDateTime;
use serde::Serialize;

use super::{Availability, Skill};

/// Mean Earth radius (IUGG), metres.
const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Great-circle distance in metres between two (lat, lon) points in degrees (haversine).
pub fn distance_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (la1, la2) = (a.0.to_radians(), b.0.to_radians());
    let dla = la2 - la1;
    let dlo = (b.1 - a.1).to_radians();
    let h = (dla / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlo / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

/// A (lat, lon) box that holds every point within `radius_m` of `p` (for an indexed prefilter;
/// the exact distance decides).
pub fn bounding_box(p: (f64, f64), radius_m: f64) -> ((f64, f64), (f64, f64)) {
    let dlat = (radius_m / EARTH_RADIUS_M).to_degrees();
    let cos = p.0.to_radians().cos().max(0.01);
    let dlon = (radius_m / (EARTH_RADIUS_M * cos)).to_degrees();
    ((p.0 - dlat, p.1 - dlon), (p.0 + dlat, p.1 + dlon))
}

/// A volunteer who might be sent.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// Volunteer id.
    pub id: i64,
    /// Home location.
    pub home: Option<(f64, f64)>,
    /// Skills held.
    pub skills: Vec<Skill>,
    /// When they can be called.
    pub availability: Availability,
    /// Still volunteering.
    pub active: bool,
}

/// What is needed.
#[derive(Debug, Clone)]
pub struct Need {
    /// Where.
    pub point: (f64, f64),
    /// Every one of these skills.
    pub skills: Vec<Skill>,
    /// When (Thai local time).
    pub at: NaiveDateTime,
    /// No farther than this.
    pub within_m: f64,
    /// At most this many.
    pub limit: usize,
}

/// A volunteer who can go, and how far they live.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Match {
    /// Volunteer id.
    pub id: i64,
    /// From their home to the point, metres.
    pub distance_m: f64,
}

/// Active, available at the time, holding every skill, with a home within reach: nearest
/// first (ties by id, so the order is stable).
pub fn rank(candidates: &[Candidate], need: &Need) -> Vec<Match> {
    let mut out: Vec<Match> = candidates
        .iter()
        .filter(|c| c.active && c.availability.available_at(need.at))
        .filter(|c| need.skills.iter().all(|s| c.skills.contains(s)))
        .filter_map(|c| {
            let d = distance_m(c.home?, need.point);
            (d <= need.within_m).then_some(Match {
                id: c.id,
                distance_m: d,
            })
        })
        .collect();
    out.sort_by(|a, b| a.distance_m.total_cmp(&b.distance_m).then(a.id.cmp(&b.id)));
    out.truncate(need.limit);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn distances_are_right() {
        // Nan city hall to Phrae city hall is about 100 km.
        let nan = (18.7756, 100.7730);
        let phrae = (18.1445, 100.1403);
        let d = distance_m(nan, phrae);
        assert!((95_000.0..100_000.0).contains(&d), "{d}");
        assert_eq!(distance_m(nan, nan), 0.0);
        let ((a, b), (c, e)) = bounding_box(nan, 5_000.0);
        for corner in [(a, nan.1), (c, nan.1), (nan.0, b), (nan.0, e)] {
            let d = distance_m(nan, corner);
            assert!((4_999.0..5_001.0).contains(&d), "{d}");
        }
    }

    #[test]
    fn ranking_keeps_only_who_can_go_nearest_first() {
        let monday_noon = NaiveDate::from_ymd_opt(2026, 11, 23)
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap();
        let p = (18.78, 100.77);
        let always = Availability::always();
        let c = |id,
                 home: Option<(f64, f64)>,
                 skills: &[Skill],
                 availability: &Availability,
                 active| Candidate {
            id,
            home,
            skills: skills.to_vec(),
            availability: availability.clone(),
            active,
        };
        let evenings = Availability::parse("mon-fri 18:00-21:00").unwrap();
        let cands = vec![
            c(
                1,
                Some((18.80, 100.77)),
                &[Skill::FirstAid, Skill::Driving],
                &always,
                true,
            ),
            c(2, Some((18.781, 100.77)), &[Skill::FirstAid], &always, true),
            c(
                3,
                Some((18.7801, 100.77)),
                &[Skill::FirstAid],
                &evenings,
                true,
            ),
            c(4, Some((18.7802, 100.77)), &[Skill::Driving], &always, true),
            c(
                5,
                Some((18.7803, 100.77)),
                &[Skill::FirstAid],
                &always,
                false,
            ),
            c(6, None, &[Skill::FirstAid], &always, true),
            c(7, Some((19.5, 100.77)), &[Skill::FirstAid], &always, true),
        ];
        let need = Need {
            point: p,
            skills: vec![Skill::FirstAid],
            at: monday_noon,
            within_m: 20_000.0,
            limit: 10,
        };
        let ids: Vec<i64> = rank(&cands, &need).iter().map(|m| m.id).collect();
        assert_eq!(ids, vec![2, 1]);
        let both = Need {
            skills: vec![Skill::FirstAid, Skill::Driving],
            ..need.clone()
        };
        assert_eq!(
            rank(&cands, &both).iter().map(|m| m.id).collect::<Vec<_>>(),
            vec![1]
        );
        let evening = Need {
            at: monday_noon.with_hour_min(19),
            ..need.clone()
        };
        assert_eq!(
            rank(&cands, &evening)
                .iter()
                .map(|m| m.id)
                .collect::<Vec<_>>(),
            vec![3, 2, 1]
        );
        let one = Need { limit: 1, ..need };
        assert_eq!(rank(&cands, &one).len(), 1);
    }

    trait WithHour {
        fn with_hour_min(self, h: u32) -> Self;
    }
    impl WithHour for NaiveDateTime {
        fn with_hour_min(self, h: u32) -> Self {
            self.date().and_hms_opt(h, 0, 0).unwrap()
        }
    }
}
