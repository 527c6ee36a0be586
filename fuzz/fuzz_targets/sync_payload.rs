//! The body of `POST /api/v1/sync/visits`: JSON from a phone's outbox, deserialised as the web
//! handler does and every visit checked as the store does before touching the database
//! (`check_client_id` on both ids, then `VisitForm::check`).
//!
//! The request types are the handler's own (`ruamjai_domain::care::sync`). The same bytes are
//! also read straight into the domain's `VisitForm` (its own `Deserialize`).
//!
//! A visit that passes must be what the rules promise (readings in range, blood pressure the
//! right way round, ADL scores within their items, needs once each and in order, text within
//! its limit, neither in the future nor before 2000), and writing it back into a form and checking again must give
//! the same visit.
#![no_main]

use chrono::{DateTime, Duration, SecondsFormat, TimeZone, Utc};
use libfuzzer_sys::fuzz_target;
use ruamjai_domain::care::adl::{ITEMS, MAX_SCORE};
use ruamjai_domain::care::check_client_id;
use ruamjai_domain::care::sync::SyncRequest;
use ruamjai_domain::care::visit::{CLOCK_SLACK_MINUTES, MAX_TEXT, earliest_visit};
use ruamjai_domain::care::vitals::range;
use ruamjai_domain::care::{VisitForm, VisitInput, Vitals, VitalsForm};
use ruamjai_domain::registry::person::{THAILAND_LAT, THAILAND_LON};

/// `MAX_BATCH` of the handler.
const MAX_BATCH: usize = 100;

/// The server's clock, fixed so that a failure reproduces.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 3, 0, 0).unwrap()
}

fn within(v: f64, (lo, hi): (f64, f64)) -> bool {
    (lo..=hi).contains(&v)
}

fn check_vitals(v: &Vitals) {
    if let Some(s) = v.systolic {
        assert!(within(f64::from(s), range::SYSTOLIC));
    }
    if let Some(d) = v.diastolic {
        assert!(within(f64::from(d), range::DIASTOLIC));
    }
    assert_eq!(v.systolic.is_some(), v.diastolic.is_some());
    if let (Some(s), Some(d)) = (v.systolic, v.diastolic) {
        assert!(d < s, "{s}/{d}");
    }
    if let Some(p) = v.pulse {
        assert!(within(f64::from(p), range::PULSE));
    }
    if let Some(t) = v.temperature {
        assert!(within(t, range::TEMPERATURE), "{t}");
    }
    if let Some(s) = v.spo2 {
        assert!(within(f64::from(s), range::SPO2));
    }
    if let Some(g) = v.glucose {
        assert!(within(f64::from(g), range::GLUCOSE));
    }
    if let Some(w) = v.weight {
        assert!(within(w, range::WEIGHT), "{w}");
    }
    if let Some(h) = v.height {
        assert!(within(h, range::HEIGHT), "{h}");
    }
    if let Some(bmi) = v.bmi() {
        assert!(bmi.is_finite() && bmi > 0.0, "{bmi}");
        let _ = ruamjai_domain::care::BmiGroup::of(bmi);
    }
    let flags = v.flags();
    for w in flags.windows(2) {
        assert!(
            w[0].severity >= w[1].severity,
            "flags not most severe first"
        );
    }
}

/// A checked visit written back as a form (as the edit page fills it).
fn as_form(input: &VisitInput) -> VisitForm {
    let text = |v: Option<String>| v.unwrap_or_default();
    let num = |v: Option<u16>| v.map(|x| x.to_string()).unwrap_or_default();
    let dec = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
    let v = &input.vitals;
    VisitForm {
        visited_at: input
            .visited_at
            .to_rfc3339_opts(SecondsFormat::AutoSi, true),
        lat: dec(input.location.map(|l| l.0)),
        lon: dec(input.location.map(|l| l.1)),
        vitals: VitalsForm {
            systolic: num(v.systolic),
            diastolic: num(v.diastolic),
            pulse: num(v.pulse),
            temperature: dec(v.temperature),
            spo2: num(v.spo2.map(u16::from)),
            glucose: num(v.glucose),
            weight: dec(v.weight),
            height: dec(v.height),
        },
        adl: input.adl.as_ref().map(VisitInput::adl_fields),
        needs: input.needs.iter().map(|n| n.as_str().to_owned()).collect(),
        needs_note: text(input.needs_note.clone()),
        notes: text(input.notes.clone()),
    }
}

fn check_visit(form: &VisitForm) {
    let Ok(input) = form.check(now()) else {
        return;
    };
    assert!(input.visited_at <= now() + Duration::minutes(CLOCK_SLACK_MINUTES));
    if let Some((lat, lon)) = input.location {
        assert!(within(lat, THAILAND_LAT) && within(lon, THAILAND_LON));
    }
    check_vitals(&input.vitals);
    if let Some(a) = &input.adl {
        for (score, item) in a.scores.iter().zip(ITEMS.iter()) {
            assert!(*score <= item.max, "{} = {score}", item.name);
        }
        assert!(a.total() <= MAX_SCORE);
        let _ = a.group();
    }
    assert!(
        input.needs.windows(2).all(|w| w[0] < w[1]),
        "needs not sorted once each"
    );
    for t in [&input.needs_note, &input.notes].into_iter().flatten() {
        assert!(!t.is_empty() && t.chars().count() <= MAX_TEXT);
        assert_eq!(t.trim(), t);
    }
    // Written back and checked again, it is the same visit. (Found by this target: year -1
    // was accepted as a wall-clock time, and RFC 3339 cannot write it back; visits before 2000
    // are refused now.)
    assert!(input.visited_at >= earliest_visit(), "{}", input.visited_at);
    let again = as_form(&input).check(now());
    assert_eq!(again.as_ref(), Ok(&input), "{:?}", as_form(&input));
}

fuzz_target!(|data: &[u8]| {
    if let Ok(req) = serde_json::from_slice::<SyncRequest>(data)
        && req.visits.len() <= MAX_BATCH
    {
        for v in req.visits {
            let ids_ok = check_client_id("op_id", &v.op_id).is_ok()
                && check_client_id("client_id", &v.client_id).is_ok();
            if ids_ok {
                assert!(v.op_id.len() <= 64 && v.op_id.is_ascii());
            }
            check_visit(&v.into_parts().1);
        }
    }
    if let Ok(form) = serde_json::from_slice::<VisitForm>(data) {
        check_visit(&form);
    }
});
