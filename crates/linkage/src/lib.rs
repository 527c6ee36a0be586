//! ruamjai record linkage: deduplicate one list of Thai person records and link one list to
//! another (DESIGN.md §2 part 5, issue 6).
//!
//! A library with no web or store dependency. The pipeline:
//!
//! 1. [`normalise`]: Thai-aware pieces (title prefixes stripped even when glued to the name,
//!    a folded comparison form, a Thai phonetic key, Buddhist-era birth dates, national ID,
//!    phone and house number).
//! 2. [`record`]: one person record built once from raw text ([`record::RawRecord`] →
//!    [`record::Record`]), with everything the comparisons need precomputed.
//! 3. [`compare`]: field comparisons with agreement levels, the γ vector a Fellegi–Sunter model
//!    weighs. Comparing two records does not allocate.
//! 4. [`block`]: which pairs are compared at all (several blocking rules; each pair once).
//! 5. [`model`]: the Fellegi–Sunter model, its `m`/`u` probabilities and prior estimated by EM
//!    over the distinct comparison patterns; weights explainable per field.
//! 6. [`run`]: a whole deduplication or linkage on every core in two passes over the candidate
//!    pairs (train, then score), never holding the pairs; clusters by union–find.
//! 7. [`io`]: CSV lists in (roles recognised from Thai or English headers, or given), pairs and
//!    clusters out — the standalone mode needs no database.

pub mod block;
pub mod compare;
pub mod io;
pub mod model;
pub mod normalise;
pub mod record;
pub mod run;
