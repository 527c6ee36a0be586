//! Disaster risk: hazard zones and risk points, the watch stations community volunteers run
//! (water level, rain, PM2.5) and their readings, alerts when a reading crosses a station's
//! threshold, incidents, and the order in which the vulnerable persons of a zone are evacuated.
//!
//! The rules here are pure: the store keeps zones, readings and alerts; the `geo` crate says
//! whose home lies inside a zone.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::care::vitals::number;
use crate::network::forms::{choice, done, text};
use crate::registry::Category;
use crate::{FieldError, Invalid};

coded! {
    /// What a zone, risk point or incident is about.
    pub enum HazardKind {
        /// น้ำท่วม.
        Flood = "flood",
        /// น้ำป่าไหลหลาก.
        FlashFlood = "flash_flood",
        /// ดินโคลนถล่ม.
        Landslide = "landslide",
        /// ภัยแล้ง.
        Drought = "drought",
        /// ไฟป่า.
        Wildfire = "wildfire",
        /// หมอกควัน / ฝุ่น PM2.5.
        Haze = "haze",
        /// วาตภัย.
        Storm = "storm",
    }
}

coded! {
    /// What a watch station measures.
    pub enum StationKind {
        /// ระดับน้ำ (metres on the gauge).
        WaterLevel = "water_level",
        /// ปริมาณฝน (millimetres since the last reading, usually a day).
        Rain = "rain",
        /// ฝุ่น PM2.5 (µg/m³).
        Pm25 = "pm25",
    }
}

impl StationKind {
    /// The unit of a reading.
    pub const fn unit(self) -> &'static str {
        match self {
            Self::WaterLevel => "m",
            Self::Rain => "mm",
            Self::Pm25 => "µg/m³",
        }
    }

    /// Plausible readings (inclusive): outside is a slip of the finger, not a reading. A gauge
    /// reads from a datum below the bed (never much below 0, and no Thai river stage reaches
    /// 60 m); Thailand's wettest days are a few hundred millimetres; PM2.5 over 1,000 is a
    /// broken sensor.
    pub const fn range(self) -> (f64, f64) {
        match self {
            Self::WaterLevel => (-5.0, 60.0),
            Self::Rain => (0.0, 1_000.0),
            Self::Pm25 => (0.0, 1_000.0),
        }
    }
}

coded! {
    /// How loud an alert is. Each station sets the value at which each level is reached.
    pub enum AlertLevel {
        /// เฝ้าระวัง: watch the rise.
        Watch = "watch",
        /// เตือนภัย: prepare, move what can be moved.
        Warning = "warning",
        /// อพยพ: leave now.
        Danger = "danger",
    }
}

coded! {
    /// Where an incident stands.
    pub enum IncidentStatus {
        /// เกิดเหตุ.
        Open = "open",
        /// เฝ้าติดตาม (the worst has passed).
        Monitoring = "monitoring",
        /// ยุติ.
        Closed = "closed",
    }
}

/// A station's thresholds: the reading at which each alert level is reached (any may be
/// unset), rising with the level.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    /// เฝ้าระวัง.
    pub watch: Option<f64>,
    /// เตือนภัย.
    pub warning: Option<f64>,
    /// อพยพ.
    pub danger: Option<f64>,
}

impl Thresholds {
    /// The set levels with their values, lowest first.
    pub fn levels(&self) -> Vec<(AlertLevel, f64)> {
        [
            (AlertLevel::Watch, self.watch),
            (AlertLevel::Warning, self.warning),
            (AlertLevel::Danger, self.danger),
        ]
        .into_iter()
        .filter_map(|(l, v)| v.map(|v| (l, v)))
        .collect()
    }

    /// The highest level a reading reaches (a reading equal to a threshold reaches it).
    pub fn level_of(&self, reading: f64) -> Option<AlertLevel> {
        self.levels()
            .into_iter()
            .rev()
            .find(|(_, v)| reading >= *v)
            .map(|(l, _)| l)
    }

    /// The levels a new reading crosses upwards, lowest first: those it reaches that the
    /// reading before it (in observation time) did not. A first reading crosses every level it
    /// reaches. A reading that stays above a threshold crosses nothing, so an alert fires once
    /// per crossing; falling below re-arms the level.
    pub fn crossed(&self, before: Option<f64>, now: f64) -> Vec<AlertLevel> {
        self.levels()
            .into_iter()
            .filter(|(_, v)| now >= *v && before.is_none_or(|b| b < *v))
            .map(|(l, _)| l)
            .collect()
    }
}

/// A station as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct StationForm {
    /// Name (`สถานีวัดระดับน้ำบ้านผาสิงห์`).
    pub name: String,
    /// Kind code.
    pub kind: String,
    /// Village code where it stands.
    pub village_code: String,
    /// Latitude, or empty.
    pub lat: String,
    /// Longitude, or empty.
    pub lon: String,
    /// Thresholds, each optional.
    pub watch: String,
    /// See `watch`.
    pub warning: String,
    /// See `watch`.
    pub danger: String,
}

/// A checked station.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StationInput {
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: StationKind,
    /// Village code.
    pub village_code: crate::areas::AreaCode,
    /// Latitude and longitude.
    pub location: Option<(f64, f64)>,
    /// Thresholds.
    pub thresholds: Thresholds,
}

impl StationForm {
    /// Check every field; thresholds are readings of the station's kind and rise with the
    /// level (`threshold_order` on the first one out of order).
    pub fn check(&self) -> Result<StationInput, Invalid> {
        let mut e = Vec::new();
        let name = text("name", &self.name, 200, true, &mut e);
        let kind = choice("kind", &self.kind, StationKind::parse, &mut e);
        let village_code = match crate::areas::AreaCode::parse(self.village_code.trim()) {
            Ok(c) if c.level() == crate::areas::AreaLevel::Village => Some(c),
            _ if self.village_code.trim().is_empty() => {
                e.push(FieldError::new("village_code", "required"));
                None
            }
            _ => {
                e.push(FieldError::new("village_code", "not_a_village"));
                None
            }
        };
        let location = crate::registry::person::parse_location(&self.lat, &self.lon)
            .unwrap_or_else(|mut errors| {
                e.append(&mut errors);
                None
            });
        let range = kind.map_or((f64::MIN, f64::MAX), StationKind::range);
        let watch = number("watch", &self.watch, range, &mut e);
        let warning = number("warning", &self.warning, range, &mut e);
        let danger = number("danger", &self.danger, range, &mut e);
        let thresholds = Thresholds {
            watch,
            warning,
            danger,
        };
        let set = thresholds.levels();
        if let Some(w) = set.windows(2).find(|w| w[1].1 <= w[0].1) {
            e.push(FieldError::new(w[1].0.as_str(), "threshold_order"));
        }
        done(e, || StationInput {
            name: name.unwrap_or_default(),
            kind: kind.expect("checked"),
            village_code: village_code.expect("checked"),
            location,
            thresholds,
        })
    }
}

impl StationKind {
    /// The hazard an alert of this station's kind is about (to open an incident from it).
    pub const fn hazard(self) -> HazardKind {
        match self {
            Self::WaterLevel => HazardKind::Flood,
            Self::Rain => HazardKind::FlashFlood,
            Self::Pm25 => HazardKind::Haze,
        }
    }
}

/// An incident as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct IncidentForm {
    /// Hazard kind code.
    pub kind: String,
    /// The area it strikes (any level).
    pub area_code: String,
    /// A short title (`น้ำท่วมบ้านผาสิงห์ หมู่ 3`).
    pub title: String,
    /// When it began: RFC 3339 or Thai wall-clock; now when empty.
    pub started_at: String,
}

/// A checked incident.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IncidentInput {
    /// Kind.
    pub kind: HazardKind,
    /// Area.
    pub area: crate::areas::AreaCode,
    /// Title.
    pub title: String,
    /// Start.
    pub started_at: DateTime<Utc>,
}

impl IncidentForm {
    /// Check every field against `now`.
    pub fn check(&self, now: DateTime<Utc>) -> Result<IncidentInput, Invalid> {
        let mut e = Vec::new();
        let kind = choice("kind", &self.kind, HazardKind::parse, &mut e);
        let area = crate::network::forms::area("area_code", &self.area_code, &mut e);
        let title = text("title", &self.title, 200, true, &mut e);
        let started_at = match self.started_at.trim() {
            "" => Some(now),
            s => match crate::care::visit::parse_time(s) {
                Some(t) if t > now + CLOCK_SLACK => {
                    e.push(FieldError::new("started_at", "in_future"));
                    None
                }
                Some(t) => Some(t),
                None => {
                    e.push(FieldError::new("started_at", "datetime_invalid"));
                    None
                }
            },
        };
        done(e, || IncidentInput {
            kind: kind.expect("checked"),
            area: area.expect("checked"),
            title: title.unwrap_or_default(),
            started_at: started_at.expect("checked"),
        })
    }
}

coded! {
    /// How bad a zone or risk point is, as its source rates it.
    pub enum Severity {
        /// ต่ำ.
        Low = "low",
        /// ปานกลาง.
        Moderate = "moderate",
        /// สูง.
        High = "high",
    }
}

impl HazardKind {
    /// A kind as agencies write it: the code, or its Thai name (`น้ำท่วม`, `ดินถล่ม`…), as
    /// found in the GeoJSON of the Department of Disaster Prevention and the provinces.
    pub fn parse_loose(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::parse(&s.to_ascii_lowercase()).or(match s {
            "น้ำท่วม" | "อุทกภัย" | "น้ำท่วมขัง" => {
                Some(Self::Flood)
            }
            "น้ำป่า" | "น้ำป่าไหลหลาก" => {
                Some(Self::FlashFlood)
            }
            "ดินถล่ม" | "ดินโคลนถล่ม" => Some(Self::Landslide),
            "ภัยแล้ง" | "แล้ง" => Some(Self::Drought),
            "ไฟป่า" => Some(Self::Wildfire),
            "หมอกควัน" | "ฝุ่น" | "PM2.5" => Some(Self::Haze),
            "วาตภัย" | "พายุ" => Some(Self::Storm),
            _ => None,
        })
    }
}

impl Severity {
    /// A severity as agencies write it: the code, its Thai name, or 1–3.
    pub fn parse_loose(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::parse(&s.to_ascii_lowercase()).or(match s {
            "ต่ำ" | "น้อย" | "1" => Some(Self::Low),
            "ปานกลาง" | "กลาง" | "2" | "medium" => Some(Self::Moderate),
            "สูง" | "มาก" | "3" => Some(Self::High),
            _ => None,
        })
    }
}

/// What is said about a hazard zone or risk point besides its shape: typed on the map's form
/// or read from a GeoJSON feature's properties (every value as text).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ZoneForm {
    /// Name (`ที่ลุ่มริมน้ำน่าน บ้านดอนมูล`).
    pub name: String,
    /// Hazard kind: code or Thai name.
    pub kind: String,
    /// Severity: code, Thai name or 1–3; moderate when empty.
    pub severity: String,
    /// Who mapped it (`ปภ.จังหวัดน่าน 2567`, `community mapping`).
    pub source: String,
    /// Valid from (any accepted date form); always when empty.
    pub valid_from: String,
    /// Valid until (inclusive); open when empty.
    pub valid_to: String,
    /// The area it belongs to (any level).
    pub area_code: String,
}

/// A checked zone or risk point description.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ZoneMeta {
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: HazardKind,
    /// Severity.
    pub severity: Severity,
    /// Source.
    pub source: Option<String>,
    /// Valid from.
    pub valid_from: Option<NaiveDate>,
    /// Valid until (inclusive).
    pub valid_to: Option<NaiveDate>,
    /// Area.
    pub area: crate::areas::AreaCode,
}

impl ZoneForm {
    /// Check every field (`name`, `kind`, `severity`, `source`, `valid_from`, `valid_to`
    /// — `valid_period` when it ends before it starts —, `area_code`).
    pub fn check(&self) -> Result<ZoneMeta, Invalid> {
        let mut e = Vec::new();
        let name = text("name", &self.name, 200, true, &mut e);
        let kind = choice("kind", &self.kind, HazardKind::parse_loose, &mut e);
        let severity = match self.severity.trim() {
            "" => Some(Severity::Moderate),
            s => choice("severity", s, Severity::parse_loose, &mut e),
        };
        let source = text("source", &self.source, 200, false, &mut e);
        let mut date = |field, v: &str| match v.trim() {
            "" => None,
            s => crate::network::forms::full_date(field, s, &mut e),
        };
        let valid_from = date("valid_from", &self.valid_from);
        let valid_to = date("valid_to", &self.valid_to);
        if let (Some(a), Some(b)) = (valid_from, valid_to)
            && b < a
        {
            e.push(FieldError::new("valid_to", "valid_period"));
        }
        let area = crate::network::forms::area("area_code", &self.area_code, &mut e);
        done(e, || ZoneMeta {
            name: name.unwrap_or_default(),
            kind: kind.expect("checked"),
            severity: severity.expect("checked"),
            source,
            valid_from,
            valid_to,
            area: area.expect("checked"),
        })
    }
}

/// How far ahead of the server's clock a reading's time may be (a phone's clock drifts).
pub const CLOCK_SLACK: Duration = Duration::minutes(10);

/// Check one reading of a station of `kind` taken at `observed_at`: plausible for the kind
/// (`value`: `out_of_range`, `not_a_number`, `required`), not in the future
/// (`observed_at`: `in_future`).
pub fn check_reading(
    kind: StationKind,
    value: &str,
    observed_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<f64, Invalid> {
    let mut e = Vec::new();
    let v = number("value", value, kind.range(), &mut e);
    if v.is_none() && e.is_empty() {
        e.push(FieldError::new("value", "required"));
    }
    if observed_at > now + CLOCK_SLACK {
        e.push(FieldError::new("observed_at", "in_future"));
    }
    done(e, || v.expect("checked"))
}

/// Who leaves first when a zone is evacuated, most urgent first. Only the vulnerable have a
/// priority; within one, those living alone go first (nobody at home to carry them), then the
/// oldest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// ติดเตียงและอยู่ลำพัง.
    BedriddenAlone,
    /// ติดเตียง.
    Bedridden,
    /// ติดบ้าน.
    Homebound,
    /// คนพิการ.
    Disabled,
    /// ผู้สูงอายุ (60 and over).
    Elderly,
    /// เด็กเล็ก (under 6: carried, not walking out alone).
    YoungChild,
}

impl Priority {
    /// Stable code.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::BedriddenAlone => "bedridden_alone",
            Self::Bedridden => "bedridden",
            Self::Homebound => "homebound",
            Self::Disabled => "disabled",
            Self::Elderly => "elderly",
            Self::YoungChild => "young_child",
        }
    }
}

/// Age from which a person is elderly (Thai law: 60).
pub const ELDERLY_AGE: u32 = 60;
/// Age under which a child is carried out.
pub const YOUNG_CHILD_AGE: u32 = 6;

/// A person's evacuation priority from their categories (only those the caller may see),
/// whether they live alone, and their age in whole years when known.
pub fn priority(categories: &[Category], alone: bool, age: Option<u32>) -> Option<Priority> {
    let has = |c| categories.contains(&c);
    if has(Category::Bedridden) {
        return Some(if alone {
            Priority::BedriddenAlone
        } else {
            Priority::Bedridden
        });
    }
    if has(Category::Homebound) {
        Some(Priority::Homebound)
    } else if has(Category::Disabled) {
        Some(Priority::Disabled)
    } else if has(Category::Elderly) || age.is_some_and(|a| a >= ELDERLY_AGE) {
        Some(Priority::Elderly)
    } else if age.is_some_and(|a| a < YOUNG_CHILD_AGE) {
        Some(Priority::YoungChild)
    } else {
        None
    }
}

/// The order of an evacuation list: priority, then living alone, then the oldest (unknown age
/// last within its group). Sort ascending by this key.
pub fn evacuation_key(p: Priority, alone: bool, age: Option<u32>) -> (Priority, bool, u32) {
    (p, !alone, u32::MAX - age.unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(watch: f64, warning: f64, danger: f64) -> Thresholds {
        Thresholds {
            watch: Some(watch),
            warning: Some(warning),
            danger: Some(danger),
        }
    }

    #[test]
    fn a_threshold_is_reached_at_its_value() {
        let th = t(3.0, 4.0, 5.0);
        assert_eq!(th.level_of(2.99), None);
        assert_eq!(th.level_of(3.0), Some(AlertLevel::Watch));
        assert_eq!(th.level_of(4.5), Some(AlertLevel::Warning));
        assert_eq!(th.level_of(5.0), Some(AlertLevel::Danger));
    }

    #[test]
    fn an_alert_fires_once_per_crossing() {
        let th = t(3.0, 4.0, 5.0);
        // Rising through two levels at once fires both, lowest first.
        assert_eq!(
            th.crossed(Some(2.0), 4.2),
            [AlertLevel::Watch, AlertLevel::Warning]
        );
        // Staying above fires nothing.
        assert!(th.crossed(Some(4.2), 4.8).is_empty());
        assert!(th.crossed(Some(4.0), 4.0).is_empty());
        // Falling below re-arms; rising again fires again.
        assert!(th.crossed(Some(4.8), 3.5).is_empty());
        assert_eq!(th.crossed(Some(3.5), 4.0), [AlertLevel::Warning]);
        // A first reading fires what it reaches.
        assert_eq!(th.crossed(None, 3.0), [AlertLevel::Watch]);
        assert!(th.crossed(None, 2.0).is_empty());
    }

    #[test]
    fn unset_levels_are_skipped() {
        let th = Thresholds {
            watch: None,
            warning: Some(80.0),
            danger: None,
        };
        assert_eq!(th.crossed(Some(10.0), 200.0), [AlertLevel::Warning]);
        assert_eq!(th.level_of(79.9), None);
    }

    fn station(kind: &str, watch: &str, warning: &str, danger: &str) -> StationForm {
        StationForm {
            name: "สถานีบ้านผาสิงห์".into(),
            kind: kind.into(),
            village_code: "55010101".into(),
            lat: "18.80".into(),
            lon: "100.78".into(),
            watch: watch.into(),
            warning: warning.into(),
            danger: danger.into(),
        }
    }

    fn fields(r: Result<StationInput, Invalid>) -> Vec<(&'static str, &'static str)> {
        r.unwrap_err().0.iter().map(|e| (e.field, e.code)).collect()
    }

    #[test]
    fn a_station_is_checked_field_by_field() {
        let ok = station("water_level", "3.5", "4.5", "5.5").check().unwrap();
        assert_eq!(ok.thresholds, t(3.5, 4.5, 5.5));
        assert_eq!(ok.location, Some((18.80, 100.78)));
        assert_eq!(
            fields(station("water_level", "4", "3", "").check()),
            [("warning", "threshold_order")]
        );
        assert_eq!(
            fields(station("water_level", "4", "", "4").check()),
            [("danger", "threshold_order")]
        );
        assert_eq!(
            fields(station("pm25", "", "5000", "").check()),
            [("warning", "out_of_range")]
        );
        assert_eq!(
            fields(station("seismic", "", "", "").check()),
            [("kind", "invalid_choice")]
        );
        let mut bad = station("rain", "abc", "", "");
        bad.village_code = "5501".into();
        assert_eq!(
            fields(bad.check()),
            [("village_code", "not_a_village"), ("watch", "not_a_number")]
        );
    }

    #[test]
    fn readings_are_plausible_and_not_from_the_future() {
        let now = Utc::now();
        assert_eq!(
            check_reading(StationKind::WaterLevel, "4.25", now, now).unwrap(),
            4.25
        );
        assert!(check_reading(StationKind::WaterLevel, "60", now, now).is_ok());
        let codes = |r: Result<f64, Invalid>| -> Vec<(&str, &str)> {
            r.unwrap_err().0.iter().map(|e| (e.field, e.code)).collect()
        };
        assert_eq!(
            codes(check_reading(StationKind::WaterLevel, "60.1", now, now)),
            [("value", "out_of_range")]
        );
        assert_eq!(
            codes(check_reading(StationKind::Rain, "-1", now, now)),
            [("value", "out_of_range")]
        );
        assert_eq!(
            codes(check_reading(StationKind::Pm25, "", now, now)),
            [("value", "required")]
        );
        assert!(check_reading(StationKind::Pm25, "35", now + CLOCK_SLACK, now).is_ok());
        assert_eq!(
            codes(check_reading(
                StationKind::Pm25,
                "35",
                now + CLOCK_SLACK + Duration::seconds(1),
                now
            )),
            [("observed_at", "in_future")]
        );
    }

    #[test]
    fn an_incident_is_checked_field_by_field() {
        let now = Utc::now();
        let form = |kind: &str, area: &str, title: &str, at: &str| IncidentForm {
            kind: kind.into(),
            area_code: area.into(),
            title: title.into(),
            started_at: at.into(),
        };
        let ok = form("flood", "550101", "น้ำท่วมในเวียง", "")
            .check(now)
            .unwrap();
        assert_eq!((ok.kind, ok.started_at), (HazardKind::Flood, now));
        let codes = |r: Result<IncidentInput, Invalid>| -> Vec<(&str, &str)> {
            r.unwrap_err().0.iter().map(|e| (e.field, e.code)).collect()
        };
        assert_eq!(
            codes(form("tsunami", "5501x", "", "yesterday").check(now)),
            [
                ("kind", "invalid_choice"),
                ("area_code", "invalid_area_code"),
                ("title", "required"),
                ("started_at", "datetime_invalid")
            ]
        );
        let tomorrow = (now + Duration::days(1)).to_rfc3339();
        assert_eq!(
            codes(form("haze", "55", "หมอกควัน", &tomorrow).check(now)),
            [("started_at", "in_future")]
        );
        assert_eq!(StationKind::Pm25.hazard(), HazardKind::Haze);
    }

    #[test]
    fn the_bedridden_living_alone_leave_first() {
        use Category::*;
        assert_eq!(
            priority(&[Bedridden], true, Some(40)),
            Some(Priority::BedriddenAlone)
        );
        assert_eq!(
            priority(&[Bedridden, Disabled], false, Some(80)),
            Some(Priority::Bedridden)
        );
        assert_eq!(
            priority(&[Homebound, Disabled], true, Some(70)),
            Some(Priority::Homebound)
        );
        assert_eq!(
            priority(&[Disabled], false, Some(30)),
            Some(Priority::Disabled)
        );
        assert_eq!(priority(&[], false, Some(60)), Some(Priority::Elderly));
        assert_eq!(priority(&[Elderly], false, None), Some(Priority::Elderly));
        assert_eq!(priority(&[], false, Some(59)), None);
        assert_eq!(priority(&[], false, Some(5)), Some(Priority::YoungChild));
        assert_eq!(priority(&[], false, Some(6)), None);
        assert_eq!(priority(&[Poor], true, None), None);
        // Living alone only raises the bedridden above their group.
        assert_eq!(
            priority(&[Homebound], true, Some(70)),
            priority(&[Homebound], false, Some(70))
        );
    }

    #[test]
    fn the_list_is_ordered_by_priority_then_alone_then_age() {
        let mut list = [
            ("child", Priority::YoungChild, false, Some(2)),
            ("elder 70", Priority::Elderly, false, Some(70)),
            ("elder 90", Priority::Elderly, false, Some(90)),
            ("elder alone", Priority::Elderly, true, Some(61)),
            ("elder unknown age", Priority::Elderly, false, None),
            ("bedridden", Priority::Bedridden, false, Some(50)),
            ("bedridden alone", Priority::BedriddenAlone, true, Some(45)),
        ];
        list.sort_by_key(|(_, p, alone, age)| evacuation_key(*p, *alone, *age));
        let names: Vec<&str> = list.iter().map(|x| x.0).collect();
        assert_eq!(
            names,
            [
                "bedridden alone",
                "bedridden",
                "elder alone",
                "elder 90",
                "elder 70",
                "elder unknown age",
                "child"
            ]
        );
    }

    #[test]
    fn zone_form_reads_thai_names_and_checks_the_period() {
        let f = ZoneForm {
            name: "ที่ลุ่มริมน้ำน่าน".into(),
            kind: "น้ำท่วม".into(),
            severity: "สูง".into(),
            valid_from: "2026-06-01".into(),
            valid_to: "2026-10-31".into(),
            area_code: "550101".into(),
            ..ZoneForm::default()
        };
        let m = f.check().expect("valid");
        assert_eq!((m.kind, m.severity), (HazardKind::Flood, Severity::High));
        assert_eq!(m.valid_from, NaiveDate::from_ymd_opt(2026, 6, 1));
        assert_eq!(m.valid_to, NaiveDate::from_ymd_opt(2026, 10, 31));
        assert_eq!(
            ZoneForm {
                severity: String::new(),
                ..f.clone()
            }
            .check()
            .unwrap()
            .severity,
            Severity::Moderate
        );
        let bad = ZoneForm {
            kind: "tsunami".into(),
            valid_from: "2026-10-31".into(),
            valid_to: "2026-06-01".into(),
            name: " ".into(),
            ..f
        };
        let codes: Vec<_> = bad
            .check()
            .unwrap_err()
            .0
            .iter()
            .map(|e| (e.field, e.code))
            .collect();
        assert_eq!(
            codes,
            [
                ("name", "required"),
                ("kind", "invalid_choice"),
                ("valid_to", "valid_period")
            ]
        );
    }
}
