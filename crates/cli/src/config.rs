//! Settings, layered: built-in defaults < TOML file (`--config` / `RUAMJAI_CONFIG`) <
//! environment (`RUAMJAI_*`) < command-line flags.
//!
//! | key (TOML)       | flag               | environment                |
//! |------------------|--------------------|----------------------------|
//! | `database_url`   | `--database-url`   | `RUAMJAI_DATABASE_URL`     |
//! | `files_dir`      | `--files-dir`      | `RUAMJAI_FILES_DIR`        |
//! | `listen`         | `--listen`         | `RUAMJAI_LISTEN`           |
//! | `base_url`       | `--base-url`       | `RUAMJAI_BASE_URL`         |
//! | `admin_email`    | `--admin-email`    | `RUAMJAI_ADMIN_EMAIL`      |
//! | `secure_cookies` | `--secure-cookies` | `RUAMJAI_SECURE_COOKIES`   |
//! | `session_hours`  | `--session-hours`  | `RUAMJAI_SESSION_HOURS`    |
//! | `log_format`     | `--log-format`     | `RUAMJAI_LOG_FORMAT`       |
//!
//! The `[retention]` table (`inactive_person_years`, default 5; `roll_years`, default 2; 0 turns
//! a rule off) sets the retention rules `serve` applies daily and `ruamjai privacy retention`
//! applies on demand.
//!
//! `RUAMJAI_ADMIN_PASSWORD` (environment only, never a flag: flags show up in `ps`) gives the
//! first administrator a password; without it they get a one-time set-up link.
//! `RUAMJAI_LOG` sets the log filter (default `info`).

use std::path::PathBuf;

use anyhow::Context;
use serde::Deserialize;

/// The default embedded database: a SQLite file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://ruamjai.db";
/// Default listening address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// What the TOML file may contain (every key optional).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub database_url: Option<String>,
    pub files_dir: Option<PathBuf>,
    pub listen: Option<String>,
    pub base_url: Option<String>,
    pub admin_email: Option<String>,
    pub secure_cookies: Option<bool>,
    pub session_hours: Option<i64>,
    pub log_format: Option<String>,
    pub retention: Option<ruamjai_domain::registry::privacy::RetentionRules>,
}

impl FileConfig {
    /// Read the file if one was named.
    pub fn load(path: Option<&PathBuf>) -> anyhow::Result<Self> {
        let Some(path) = path else {
            return Ok(Self::default());
        };
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read config file {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("invalid config file {}", path.display()))
    }
}

/// A database URL with any password replaced, for messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}://{user}:***@{}", &url[..s], &url[at + 1..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db:5432/ruamjai"),
            "postgres://app:***@db:5432/ruamjai"
        );
        assert_eq!(redact_url("sqlite://ruamjai.db"), "sqlite://ruamjai.db");
    }

    #[test]
    fn unknown_keys_are_rejected() {
        assert!(toml::from_str::<FileConfig>("listen = \"0.0.0.0:80\"").is_ok());
        assert!(toml::from_str::<FileConfig>("lisen = \"0.0.0.0:80\"").is_err());
    }

    #[test]
    fn retention_rules_come_from_their_table() {
        let c: FileConfig = toml::from_str("[retention]\ninactive_person_years = 7\n").unwrap();
        let r = c.retention.unwrap();
        assert_eq!((r.inactive_person_years, r.roll_years), (7, 2));
        assert!(toml::from_str::<FileConfig>("[retention]\nyears = 7\n").is_err());
    }
}
