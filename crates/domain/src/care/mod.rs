//! Care in the field: home visits with vital signs and the Barthel ADL index (whose group sets
//! the person's ADL category), care plans and issue groups. This module holds the rules that
//! need no storage: scoring, ranges and flags.

pub mod adl;
pub mod plan;
pub mod sync;
pub mod visit;
pub mod vitals;

pub use adl::{Assessment, Group};
pub use visit::{Need, VisitForm, VisitInput, check_client_id};
pub use vitals::{BmiGroup, Flag, Severity, Vitals, VitalsForm};
