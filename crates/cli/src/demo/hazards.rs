//! Disaster watch in the demo: a river gauge and a PM2.5 sensor in village 1 of Nai Wiang,
//! ten days of readings entered by the village's health volunteer — the river rising into the
//! warning band and the haze season's dust — so the alerts they raised are there to see.
//! Deterministic: the readings follow fixed curves. Then the hazard map: a flood zone along the
//! river over the village's homes (so its evacuation list has people in it), a landslide risk
//! point on the hill above, and the district's haze zone for the burning season.

use chrono::{Datelike, Duration, Utc};
use ruamjai_domain::areas::AreaCode;
use ruamjai_domain::audit::RequestMeta;
use ruamjai_domain::auth::Actor;
use ruamjai_domain::hazards::{StationForm, ZoneForm};
use ruamjai_store::Store;
use serde_json::json;

/// Set up the stations (as `admin`) and enter the readings (as `osm`); the number of alerts
/// raised.
pub async fn fill(store: &Store, admin: &Actor, osm: &Actor) -> anyhow::Result<usize> {
    let station = |name: &str, kind: &str, (lat, lon): (&str, &str), t: [&str; 3]| StationForm {
        name: name.into(),
        kind: kind.into(),
        village_code: "55010101".into(),
        lat: lat.into(),
        lon: lon.into(),
        watch: t[0].into(),
        warning: t[1].into(),
        danger: t[2].into(),
    };
    let gauge = station(
        "สถานีวัดระดับน้ำน่าน สะพานพัฒนาภาคเหนือ",
        "water_level",
        ("18.7756", "100.7830"),
        ["6.0", "7.0", "8.0"],
    );
    let dust = station(
        "เครื่องวัดฝุ่น PM2.5 รพ.สต.ในเวียง",
        "pm25",
        ("18.7833", "100.7751"),
        ["37.5", "75", "150"],
    );
    let mut raised = 0;
    let now = Utc::now();
    for (form, curve) in [
        (gauge, river as fn(f64) -> f64),
        (dust, haze as fn(f64) -> f64),
    ] {
        let input = form
            .check()
            .map_err(|e| anyhow::anyhow!("demo station: {e:?}"))?;
        let id = store
            .create_station(admin, &input)
            .await
            .map_err(crate::describe)?;
        // Morning and evening for ten days, the last one this morning.
        for k in 0..20 {
            let days = (19 - k) as f64 / 2.0;
            let at = now - Duration::hours(12 * (19 - k) + 1);
            let value = format!("{:.2}", curve(days));
            let r = store
                .record_reading(osm, id, &format!("demo-{id}-{k}"), &value, at)
                .await
                .map_err(crate::describe)?;
            raised += r.raised.len();
        }
    }
    Ok(raised)
}

/// Draw the demo's zones and risk point around the village's homes (as `admin`); how many.
pub async fn zones(store: &Store, admin: &Actor) -> anyhow::Result<usize> {
    let village = AreaCode::parse("55010101").map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let centres = store
        .area_centres(std::slice::from_ref(&village), 1)
        .await
        .map_err(crate::describe)?;
    let Some(&(lat, lon)) = centres.get("55010101") else {
        return Ok(0); // no located homes: nothing to draw around
    };
    // A lowland strip along the river, a little over a kilometre wide, west of the centre.
    let flood = json!({"type": "Polygon", "coordinates": [[
        [lon - 0.012, lat - 0.010], [lon + 0.001, lat - 0.008], [lon + 0.003, lat + 0.002],
        [lon - 0.001, lat + 0.011], [lon - 0.013, lat + 0.009], [lon - 0.012, lat - 0.010]
    ]]});
    let haze = json!({"type": "Polygon", "coordinates": [[
        [lon - 0.08, lat - 0.06], [lon + 0.08, lat - 0.06], [lon + 0.08, lat + 0.06],
        [lon - 0.08, lat + 0.06], [lon - 0.08, lat - 0.06]
    ]]});
    let slope = json!({"type": "Point", "coordinates": [lon + 0.015, lat + 0.012]});
    let year = chrono::Utc::now().year();
    let drawn = [
        (
            "ที่ลุ่มริมน้ำน่าน บ้านในเวียง",
            "flood",
            "high",
            "55010101",
            flood,
            ("", ""),
        ),
        (
            "ไหล่เขาหลังวัด (ดินสไลด์ปี 2567)",
            "landslide",
            "moderate",
            "55010101",
            slope,
            ("", ""),
        ),
        (
            "หมอกควันฤดูเผา อ.เมืองน่าน",
            "haze",
            "moderate",
            "5501",
            haze,
            (&*format!("{year}-01-15"), &*format!("{year}-04-30")),
        ),
    ];
    let mut n = 0;
    for (name, kind, severity, area, geometry, (from, to)) in drawn {
        let form = ZoneForm {
            name: name.into(),
            kind: kind.into(),
            severity: severity.into(),
            source: "ข้อมูลตัวอย่าง (demo)".into(),
            valid_from: from.into(),
            valid_to: to.into(),
            area_code: area.into(),
        };
        store
            .create_zone(
                admin,
                &form,
                &geometry.to_string(),
                None,
                &RequestMeta::cli(),
            )
            .await
            .map_err(crate::describe)?
            .map_err(|p| anyhow::anyhow!("demo zone {name}: {p:?}"))?;
        n += 1;
    }
    Ok(n)
}

/// The river's stage `days_ago`: four and a half metres, rising over the last week to past
/// seven.
fn river(days_ago: f64) -> f64 {
    let t = 10.0 - days_ago;
    4.5 + 2.9 / (1.0 + (-(t - 6.5)).exp()) + 0.1 * (t * 1.7).sin()
}

/// PM2.5 `days_ago`: a haze week, worst in the middle.
fn haze(days_ago: f64) -> f64 {
    let t = 10.0 - days_ago;
    25.0 + 60.0 * (-(t - 5.0).powi(2) / 6.0).exp() + 4.0 * (t * 2.3).cos()
}
