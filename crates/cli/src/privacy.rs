//! `ruamjai privacy …`: data-subject rights (PDPA) from the command line — the retention rules
//! (also applied daily by `serve`), a person's full export, and an erasure.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use ruamjai_domain::audit::RequestMeta;
use ruamjai_domain::auth::Actor;
use ruamjai_domain::registry::privacy::RetentionRules;
use ruamjai_store::Store;

use crate::config::FileConfig;

#[derive(Debug, Subcommand)]
pub enum PrivacyCommand {
    /// Apply the retention rules: erase persons who moved away or died more than
    /// `inactive_person_years` ago (default 5) and empty agency roll rows older than
    /// `roll_years` (default 2); `[retention]` in the config file, or the flags. `serve` does
    /// this once a day.
    Retention(RetentionArgs),
    /// Write everything held on one person as JSON (a subject-access request).
    Export {
        /// The person's id.
        person_id: i64,
        /// Output file (`-` for standard output).
        #[arg(long, default_value = "-")]
        out: PathBuf,
    },
    /// Erase one person and everything about them (cannot be undone).
    Erase {
        /// The person's id.
        person_id: i64,
        /// Why (kept in the audit log without the person's name or ID number).
        #[arg(long)]
        reason: String,
    },
}

#[derive(Debug, Args)]
pub struct RetentionArgs {
    /// Only say what would be erased or emptied.
    #[arg(long)]
    pub dry_run: bool,
    /// Years after moving away or death before a person is erased (0: never).
    #[arg(long)]
    pub inactive_person_years: Option<u32>,
    /// Years after a roll's run before its rows' names and ID numbers are emptied (0: never).
    #[arg(long)]
    pub roll_years: Option<u32>,
    /// Afterwards rebuild the database files so no remnant of erased data stays in unused
    /// space (SQLite VACUUM, PostgreSQL VACUUM FULL of the tables about persons). Slow on a
    /// large database; other writes wait meanwhile.
    #[arg(long)]
    pub vacuum: bool,
}

/// The rules from the config file's `[retention]` table, flags taking precedence.
pub fn rules(file: &FileConfig, args: Option<&RetentionArgs>) -> anyhow::Result<RetentionRules> {
    let mut r = file.retention.unwrap_or_default();
    if let Some(a) = args {
        if let Some(y) = a.inactive_person_years {
            r.inactive_person_years = y;
        }
        if let Some(y) = a.roll_years {
            r.roll_years = y;
        }
    }
    r.check().map_err(|i| {
        anyhow::anyhow!(
            "retention: {} must be at most {} years",
            i.0.iter().map(|f| f.field).collect::<Vec<_>>().join(", "),
            RetentionRules::MAX_YEARS
        )
    })?;
    Ok(r)
}

pub async fn run(store: &Store, cmd: &PrivacyCommand, file: &FileConfig) -> anyhow::Result<()> {
    let meta = RequestMeta::cli();
    match cmd {
        PrivacyCommand::Retention(args) => {
            let rules = rules(file, Some(args))?;
            let r = store
                .apply_retention(rules, args.dry_run, &meta)
                .await
                .map_err(crate::describe)?;
            let verb = if r.dry_run { "would be" } else { "were" };
            println!(
                "retention: persons moved away or deceased more than {} years ago: {} {verb} erased",
                rules.inactive_person_years,
                r.persons.len()
            );
            if r.dry_run && !r.persons.is_empty() {
                let ids: Vec<String> = r.persons.iter().map(i64::to_string).collect();
                println!("  person ids: {}", ids.join(", "));
            }
            for p in &r.pseudonyms {
                println!("  erased: {p}");
            }
            println!(
                "retention: roll rows older than {} years: {} {verb} emptied",
                rules.roll_years, r.roll_rows
            );
            if args.vacuum && !args.dry_run {
                store.vacuum().await.map_err(crate::describe)?;
                println!("database files rebuilt (vacuum)");
            }
            Ok(())
        }
        PrivacyCommand::Export { person_id, out } => {
            let e = store
                .export_person_data(&Actor::command_line(), *person_id, &meta)
                .await
                .map_err(crate::describe)?;
            let json = serde_json::to_string_pretty(&e)?;
            if out.as_os_str() == "-" {
                println!("{json}");
            } else {
                std::fs::write(out, json)
                    .with_context(|| format!("cannot write {}", out.display()))?;
                eprintln!("written to {}", out.display());
            }
            Ok(())
        }
        PrivacyCommand::Erase { person_id, reason } => {
            let e = store
                .erase_person(&Actor::command_line(), *person_id, reason, &meta)
                .await
                .map_err(crate::describe)?;
            println!(
                "erased: {} ({} record(s), {} visit(s), {} photo(s); {} mention(s) elsewhere replaced)",
                e.pseudonym, e.records, e.visits, e.photos, e.scrubbed
            );
            Ok(())
        }
    }
}
