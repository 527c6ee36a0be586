//! The store's error type.

use ruamjai_domain::{FieldError, Invalid};
use sea_orm::{DbErr, SqlErr};

/// What can go wrong in the store. Each variant maps to one HTTP status at the edge.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The object does not exist *or is outside the caller's scope* (deliberately the same).
    #[error("not found")]
    NotFound,
    /// The caller may see the object but not do this to it (e.g. a viewer changing a user).
    #[error("forbidden")]
    Forbidden,
    /// Input rejected; nothing was written.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// Too many failed sign-ins; try again later.
    #[error("too many attempts")]
    Throttled,
    /// Wrong e-mail or password (never says which).
    #[error("bad credentials")]
    BadCredentials,
    /// Anything else from the database.
    #[error("database error: {0}")]
    Db(#[from] DbErr),
}

impl From<FieldError> for StoreError {
    fn from(e: FieldError) -> Self {
        Self::Invalid(e.into())
    }
}

impl StoreError {
    /// True when `err` is a unique-constraint violation (portable across backends).
    pub(crate) fn is_unique_violation(err: &DbErr) -> bool {
        matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
    }
}
