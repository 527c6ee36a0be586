//! Validation errors that name the field and carry a stable code.
//!
//! Messages are localised at the edge (web/cli) from the `code`; the domain only says *what* is
//! wrong and *where*.

use serde::Serialize;

/// One problem with one input field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// Name of the offending field as the client sent it (`email`, `area_code`, …).
    pub field: &'static str,
    /// Stable, machine-readable code (`required`, `invalid_email`, …); also the i18n key suffix.
    pub code: &'static str,
}

impl FieldError {
    /// A new error for `field` with `code`.
    pub const fn new(field: &'static str, code: &'static str) -> Self {
        Self { field, code }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.code)
    }
}

impl std::error::Error for FieldError {}

/// A set of field errors: the input as a whole was rejected and nothing was stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid input: {}", .0.iter().map(|e| format!("{}:{}", e.field, e.code)).collect::<Vec<_>>().join(", "))]
pub struct Invalid(pub Vec<FieldError>);

impl Invalid {
    /// A single-field error.
    pub fn one(field: &'static str, code: &'static str) -> Self {
        Self(vec![FieldError::new(field, code)])
    }
}

impl From<FieldError> for Invalid {
    fn from(e: FieldError) -> Self {
        Self(vec![e])
    }
}
