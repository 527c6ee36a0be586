//! A phone's outbox as it reaches the server (`POST /api/v1/sync/visits`): the wire shape of a
//! visit, lenient about how numbers are typed, turned into the [`VisitForm`] that
//! [`VisitForm::check`] judges. Here rather than in the web crate so that the parser fuzz target
//! (`fuzz/fuzz_targets/sync_payload.rs`) reads exactly what the server reads.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{VisitForm, VitalsForm};

/// Vital signs as typed (numbers as text or JSON numbers; empty or absent when not taken).
#[derive(Debug, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct VitalsFields {
    /// mmHg.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub systolic: Loose,
    /// mmHg.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub diastolic: Loose,
    /// Beats per minute.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub pulse: Loose,
    /// °C.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub temperature: Loose,
    /// %.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub spo2: Loose,
    /// Capillary glucose, mg/dL.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub glucose: Loose,
    /// kg.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub weight: Loose,
    /// cm.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub height: Loose,
}

/// A value typed on the phone: text, a number or null; the server checks it.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Loose(pub String);

impl<'de> Deserialize<'de> for Loose {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Self(match serde_json::Value::deserialize(d)? {
            serde_json::Value::String(s) => s,
            serde_json::Value::Number(n) => n.to_string(),
            _ => String::new(),
        }))
    }
}

/// One visit (or an edit of one) as the device recorded it.
#[derive(Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VisitPayload {
    /// The device's id of this change (a UUID); a retry repeats it.
    pub op_id: String,
    /// The device's id of the visit (a UUID); for a new visit usually the same as `op_id`.
    pub client_id: String,
    pub person_id: i64,
    /// For an edit: the version it was made against; null for a new visit.
    #[serde(default)]
    pub base_version: Option<i32>,
    /// RFC 3339 (`2026-11-23T09:30:00+07:00`).
    pub visited_at: String,
    /// Where the visit was recorded.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub lat: Loose,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub lon: Loose,
    #[serde(default)]
    pub vitals: VitalsFields,
    /// Barthel ADL item scores by item (`feeding`, `grooming`, `transfer`, `toilet`, `mobility`,
    /// `dressing`, `stairs`, `bathing`, `bowels`, `bladder`); null when not assessed.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<BTreeMap<String, String>>))]
    pub adl: Option<BTreeMap<String, Loose>>,
    /// `food`, `medicine`, `assistive_device`, `caregiver`, `home_repair`, `money`,
    /// `transport`, `health_care`, `rehabilitation`, `documents`, `other`.
    #[serde(default)]
    pub needs: Vec<String>,
    #[serde(default)]
    pub needs_note: String,
    #[serde(default)]
    pub notes: String,
}

impl VisitPayload {
    /// The ids of the change and the form to check ([`VisitForm::check`]).
    pub fn into_parts(self) -> (SyncIds, VisitForm) {
        let v = self.vitals;
        let ids = SyncIds {
            op_id: self.op_id,
            client_id: self.client_id,
            person_id: self.person_id,
            base_version: self.base_version,
        };
        let form = VisitForm {
            visited_at: self.visited_at,
            lat: self.lat.0,
            lon: self.lon.0,
            vitals: VitalsForm {
                systolic: v.systolic.0,
                diastolic: v.diastolic.0,
                pulse: v.pulse.0,
                temperature: v.temperature.0,
                spo2: v.spo2.0,
                glucose: v.glucose.0,
                weight: v.weight.0,
                height: v.height.0,
            },
            adl: self
                .adl
                .map(|m| m.into_iter().map(|(k, v)| (k, v.0)).collect()),
            needs: self.needs,
            needs_note: self.needs_note,
            notes: self.notes,
        };
        (ids, form)
    }
}

/// Which visit a payload is about, and which change of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncIds {
    pub op_id: String,
    pub client_id: String,
    pub person_id: i64,
    pub base_version: Option<i32>,
}

/// A batch of visits from a device's outbox.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SyncRequest {
    /// At most 100.
    pub visits: Vec<VisitPayload>,
}
