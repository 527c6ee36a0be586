//! Vital signs taken on a home visit: each checked against a plausible range (a reading outside
//! it is a typing slip, refused on its field) and flagged when a nurse should look at it —
//! `attention` (tell the health centre) or `urgent` (call now). BMI from weight and height,
//! with the Asian cut-offs Thai primary care uses.
//!
//! Thresholds follow common Thai primary-care practice for village health volunteers: blood
//! pressure ≥ 140/90 high and ≥ 180/110 urgent, below 90 systolic low; pulse outside 50–120;
//! temperature ≥ 38 °C or below 35 °C; SpO2 below 95 % (below 90 % urgent); capillary glucose
//! below 70 or ≥ 250 mg/dL (below 54 or ≥ 400 urgent).

use serde::{Deserialize, Serialize};

use crate::FieldError;

/// How soon a nurse should see a reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Tell the health centre.
    Attention,
    /// Call now.
    Urgent,
}

/// A reading that needs a nurse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Flag {
    /// The field (`systolic`, `spo2`, …).
    pub field: &'static str,
    /// Why (`bp_high`, `fever`, `spo2_low`, …; message key `flag-…`).
    pub code: &'static str,
    pub severity: Severity,
}

/// Vital signs as typed (any may be empty).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VitalsForm {
    pub systolic: String,
    pub diastolic: String,
    pub pulse: String,
    pub temperature: String,
    pub spo2: String,
    pub glucose: String,
    pub weight: String,
    pub height: String,
}

/// Checked vital signs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Vitals {
    /// mmHg.
    pub systolic: Option<u16>,
    /// mmHg.
    pub diastolic: Option<u16>,
    /// Beats per minute.
    pub pulse: Option<u16>,
    /// °C.
    pub temperature: Option<f64>,
    /// %.
    pub spo2: Option<u8>,
    /// Capillary blood glucose, mg/dL.
    pub glucose: Option<u16>,
    /// kg.
    pub weight: Option<f64>,
    /// cm.
    pub height: Option<f64>,
}

/// Plausible ranges (inclusive): outside is a slip, not a reading.
pub mod range {
    pub const SYSTOLIC: (f64, f64) = (50.0, 260.0);
    pub const DIASTOLIC: (f64, f64) = (30.0, 160.0);
    pub const PULSE: (f64, f64) = (20.0, 250.0);
    pub const TEMPERATURE: (f64, f64) = (30.0, 45.0);
    pub const SPO2: (f64, f64) = (50.0, 100.0);
    pub const GLUCOSE: (f64, f64) = (20.0, 800.0);
    pub const WEIGHT: (f64, f64) = (1.0, 350.0);
    pub const HEIGHT: (f64, f64) = (30.0, 250.0);
}

pub(crate) fn number(
    field: &'static str,
    raw: &str,
    (lo, hi): (f64, f64),
    errors: &mut Vec<FieldError>,
) -> Option<f64> {
    let t = raw.trim().replace(',', ".");
    if t.is_empty() {
        return None;
    }
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() && (lo..=hi).contains(&v) => Some(v),
        Ok(v) if v.is_finite() => {
            errors.push(FieldError::new(field, "out_of_range"));
            None
        }
        _ => {
            errors.push(FieldError::new(field, "not_a_number"));
            None
        }
    }
}

impl VitalsForm {
    /// Check every reading; report every slip on its field.
    pub fn check(&self) -> Result<Vitals, Vec<FieldError>> {
        let mut e = Vec::new();
        let whole = |v: Option<f64>| v.map(|x| x.round());
        let systolic = whole(number("systolic", &self.systolic, range::SYSTOLIC, &mut e));
        let diastolic = whole(number(
            "diastolic",
            &self.diastolic,
            range::DIASTOLIC,
            &mut e,
        ));
        let pulse = whole(number("pulse", &self.pulse, range::PULSE, &mut e));
        let temperature = number("temperature", &self.temperature, range::TEMPERATURE, &mut e);
        let spo2 = whole(number("spo2", &self.spo2, range::SPO2, &mut e));
        let glucose = whole(number("glucose", &self.glucose, range::GLUCOSE, &mut e));
        let weight = number("weight", &self.weight, range::WEIGHT, &mut e);
        let height = number("height", &self.height, range::HEIGHT, &mut e);
        match (systolic, diastolic) {
            (Some(s), Some(d)) if d >= s => e.push(FieldError::new("diastolic", "bp_inverted")),
            (Some(_), None) => e.push(FieldError::new("diastolic", "required")),
            (None, Some(_)) => e.push(FieldError::new("systolic", "required")),
            _ => {}
        }
        if !e.is_empty() {
            return Err(e);
        }
        Ok(Vitals {
            systolic: systolic.map(|v| v as u16),
            diastolic: diastolic.map(|v| v as u16),
            pulse: pulse.map(|v| v as u16),
            temperature: temperature.map(|t| (t * 10.0).round() / 10.0),
            spo2: spo2.map(|v| v as u8),
            glucose: glucose.map(|v| v as u16),
            weight: weight.map(|w| (w * 10.0).round() / 10.0),
            height: height.map(|h| (h * 10.0).round() / 10.0),
        })
    }
}

/// BMI groups with the Asian cut-offs (WHO expert consultation, 2004) used in Thailand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BmiGroup {
    /// Below 18.5.
    Underweight,
    /// 18.5 to below 23.
    Normal,
    /// 23 to below 25.
    Overweight,
    /// 25 to below 30.
    Obese,
    /// 30 and over.
    VeryObese,
}

impl Severity {
    /// Stable name (`attention`, `urgent`; message key `flag-…`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Attention => "attention",
            Self::Urgent => "urgent",
        }
    }
}

impl Flag {
    /// `code:severity` (`bp_high:attention`), as stored and sent.
    pub fn key(&self) -> String {
        format!("{}:{}", self.code, self.severity.as_str())
    }
}

impl BmiGroup {
    /// Stable name (message key `bmi-…`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Underweight => "underweight",
            Self::Normal => "normal",
            Self::Overweight => "overweight",
            Self::Obese => "obese",
            Self::VeryObese => "very_obese",
        }
    }

    /// The group of a BMI.
    pub fn of(bmi: f64) -> Self {
        if bmi < 18.5 {
            Self::Underweight
        } else if bmi < 23.0 {
            Self::Normal
        } else if bmi < 25.0 {
            Self::Overweight
        } else if bmi < 30.0 {
            Self::Obese
        } else {
            Self::VeryObese
        }
    }
}

impl Vitals {
    /// Body-mass index (kg/m²), one decimal, when weight and height are both known.
    pub fn bmi(&self) -> Option<f64> {
        let (w, h) = (self.weight?, self.height? / 100.0);
        Some((w / (h * h) * 10.0).round() / 10.0)
    }

    /// Readings a nurse should see, most severe first.
    pub fn flags(&self) -> Vec<Flag> {
        use Severity::{Attention, Urgent};
        let mut out = Vec::new();
        let mut flag = |field, code, severity| {
            out.push(Flag {
                field,
                code,
                severity,
            })
        };
        if let (Some(s), Some(d)) = (self.systolic, self.diastolic) {
            if s >= 180 || d >= 110 {
                flag("systolic", "bp_very_high", Urgent);
            } else if s >= 140 || d >= 90 {
                flag("systolic", "bp_high", Attention);
            } else if s < 90 {
                flag("systolic", "bp_low", Attention);
            }
        }
        if let Some(p) = self.pulse {
            if !(40..=140).contains(&p) {
                flag("pulse", "pulse_abnormal", Urgent);
            } else if !(50..=120).contains(&p) {
                flag("pulse", "pulse_abnormal", Attention);
            }
        }
        if let Some(t) = self.temperature {
            if t >= 39.5 {
                flag("temperature", "fever", Urgent);
            } else if t >= 38.0 {
                flag("temperature", "fever", Attention);
            } else if t < 35.0 {
                flag("temperature", "hypothermia", Urgent);
            }
        }
        if let Some(o) = self.spo2 {
            if o < 90 {
                flag("spo2", "spo2_low", Urgent);
            } else if o < 95 {
                flag("spo2", "spo2_low", Attention);
            }
        }
        if let Some(g) = self.glucose {
            if g < 54 {
                flag("glucose", "glucose_low", Urgent);
            } else if g < 70 {
                flag("glucose", "glucose_low", Attention);
            } else if g >= 400 {
                flag("glucose", "glucose_high", Urgent);
            } else if g >= 250 {
                flag("glucose", "glucose_high", Attention);
            }
        }
        out.sort_by_key(|f| std::cmp::Reverse(f.severity));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(f: impl FnOnce(&mut VitalsForm)) -> Result<Vitals, Vec<FieldError>> {
        let mut form = VitalsForm::default();
        f(&mut form);
        form.check()
    }

    fn codes(vitals: &Vitals) -> Vec<(&'static str, Severity)> {
        vitals
            .flags()
            .iter()
            .map(|f| (f.code, f.severity))
            .collect()
    }

    #[test]
    fn plausible_ranges_refuse_slips_at_their_edges() {
        assert!(v(|f| f.pulse = "20".into()).is_ok());
        assert!(v(|f| f.pulse = "250".into()).is_ok());
        assert_eq!(
            v(|f| f.pulse = "19".into()).unwrap_err(),
            vec![FieldError::new("pulse", "out_of_range")]
        );
        assert_eq!(
            v(|f| f.temperature = "365".into()).unwrap_err(),
            vec![FieldError::new("temperature", "out_of_range")],
            "36.5 typed without its point"
        );
        assert_eq!(
            v(|f| f.spo2 = "abc".into()).unwrap_err(),
            vec![FieldError::new("spo2", "not_a_number")]
        );
        assert!(v(|f| f.spo2 = "100".into()).is_ok());
        assert!(v(|f| f.spo2 = "101".into()).is_err());
        assert_eq!(
            v(|f| f.temperature = "37,2".into()).unwrap().temperature,
            Some(37.2)
        );
        // Blood pressure comes in pairs, the top number above the bottom one.
        assert_eq!(
            v(|f| f.systolic = "120".into()).unwrap_err(),
            vec![FieldError::new("diastolic", "required")]
        );
        assert_eq!(
            v(|f| {
                f.systolic = "80".into();
                f.diastolic = "120".into();
            })
            .unwrap_err(),
            vec![FieldError::new("diastolic", "bp_inverted")]
        );
        // Every slip at once.
        let errs = v(|f| {
            f.weight = "0".into();
            f.height = "300".into();
            f.glucose = "-5".into();
        })
        .unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field).collect();
        assert_eq!(fields, vec!["glucose", "weight", "height"]);
    }

    #[test]
    fn flags_start_exactly_at_their_thresholds() {
        use Severity::{Attention, Urgent};
        let bp = |s: &str, d: &str| {
            codes(
                &v(|f| {
                    f.systolic = s.into();
                    f.diastolic = d.into();
                })
                .unwrap(),
            )
        };
        assert_eq!(bp("139", "89"), vec![]);
        assert_eq!(bp("140", "80"), vec![("bp_high", Attention)]);
        assert_eq!(bp("130", "90"), vec![("bp_high", Attention)]);
        assert_eq!(bp("179", "109"), vec![("bp_high", Attention)]);
        assert_eq!(bp("180", "100"), vec![("bp_very_high", Urgent)]);
        assert_eq!(bp("150", "110"), vec![("bp_very_high", Urgent)]);
        assert_eq!(bp("89", "60"), vec![("bp_low", Attention)]);
        assert_eq!(bp("90", "60"), vec![]);
        let one = |set: fn(&mut VitalsForm, &str), val: &str| {
            let mut f = VitalsForm::default();
            set(&mut f, val);
            codes(&f.check().unwrap())
        };
        let pulse = |f: &mut VitalsForm, x: &str| f.pulse = x.into();
        assert_eq!(one(pulse, "50"), vec![]);
        assert_eq!(one(pulse, "120"), vec![]);
        assert_eq!(one(pulse, "49"), vec![("pulse_abnormal", Attention)]);
        assert_eq!(one(pulse, "121"), vec![("pulse_abnormal", Attention)]);
        assert_eq!(one(pulse, "39"), vec![("pulse_abnormal", Urgent)]);
        assert_eq!(one(pulse, "141"), vec![("pulse_abnormal", Urgent)]);
        let temp = |f: &mut VitalsForm, x: &str| f.temperature = x.into();
        assert_eq!(one(temp, "37.9"), vec![]);
        assert_eq!(one(temp, "38.0"), vec![("fever", Attention)]);
        assert_eq!(one(temp, "39.5"), vec![("fever", Urgent)]);
        assert_eq!(one(temp, "35.0"), vec![]);
        assert_eq!(one(temp, "34.9"), vec![("hypothermia", Urgent)]);
        let spo2 = |f: &mut VitalsForm, x: &str| f.spo2 = x.into();
        assert_eq!(one(spo2, "95"), vec![]);
        assert_eq!(one(spo2, "94"), vec![("spo2_low", Attention)]);
        assert_eq!(one(spo2, "90"), vec![("spo2_low", Attention)]);
        assert_eq!(one(spo2, "89"), vec![("spo2_low", Urgent)]);
        let dtx = |f: &mut VitalsForm, x: &str| f.glucose = x.into();
        assert_eq!(one(dtx, "70"), vec![]);
        assert_eq!(one(dtx, "249"), vec![]);
        assert_eq!(one(dtx, "69"), vec![("glucose_low", Attention)]);
        assert_eq!(one(dtx, "53"), vec![("glucose_low", Urgent)]);
        assert_eq!(one(dtx, "250"), vec![("glucose_high", Attention)]);
        assert_eq!(one(dtx, "400"), vec![("glucose_high", Urgent)]);
        // Most severe first.
        let both = v(|f| {
            f.spo2 = "93".into();
            f.temperature = "40".into();
        })
        .unwrap();
        assert_eq!(
            codes(&both),
            vec![("fever", Urgent), ("spo2_low", Attention)]
        );
    }

    #[test]
    fn bmi_and_its_asian_groups() {
        let b = v(|f| {
            f.weight = "65".into();
            f.height = "160".into();
        })
        .unwrap();
        assert_eq!(b.bmi(), Some(25.4));
        assert_eq!(BmiGroup::of(25.4), BmiGroup::Obese);
        assert_eq!(v(|f| f.weight = "65".into()).unwrap().bmi(), None);
        for (bmi, g) in [
            (18.4, BmiGroup::Underweight),
            (18.5, BmiGroup::Normal),
            (22.9, BmiGroup::Normal),
            (23.0, BmiGroup::Overweight),
            (24.9, BmiGroup::Overweight),
            (25.0, BmiGroup::Obese),
            (29.9, BmiGroup::Obese),
            (30.0, BmiGroup::VeryObese),
        ] {
            assert_eq!(BmiGroup::of(bmi), g, "{bmi}");
        }
    }
}
