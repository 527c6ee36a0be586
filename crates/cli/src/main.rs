//! `ruamjai` — the one binary: serve, migrate, demo, areas, users, import, export, registry.

mod config;
mod demo;
mod demo_care;
mod demo_data;
mod geo;
mod link;
mod linkage;
mod network;
mod privacy;
mod registry;
mod serve;

use std::io::Read;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use ruamjai_domain::areas::{AreaCode, AreaLevel};
use ruamjai_domain::audit::RequestMeta;
use ruamjai_domain::auth::{Actor, Role, TokenPurpose};
use ruamjai_store::auth::NewUser;
use ruamjai_store::{Store, StoreError};

use crate::config::{DEFAULT_DATABASE_URL, FileConfig, redact_url};

/// ruamjai (ร่วมใจ): the shared platform of a Thai community volunteer network.
#[derive(Debug, Parser)]
#[command(name = "ruamjai", version, about, propagate_version = true)]
pub struct Cli {
    /// TOML configuration file (keys: database_url, files_dir, listen, base_url, admin_email,
    /// secure_cookies, session_hours, log_format; table [retention]: inactive_person_years,
    /// roll_years).
    #[arg(long, global = true, env = "RUAMJAI_CONFIG")]
    config: Option<PathBuf>,
    /// Database: `sqlite://FILE` (default `sqlite://ruamjai.db`) or `postgres://…`.
    #[arg(long, global = true, env = "RUAMJAI_DATABASE_URL")]
    database_url: Option<String>,
    /// Log format: `text` or `json`.
    #[arg(long, global = true, env = "RUAMJAI_LOG_FORMAT")]
    log_format: Option<String>,
    /// Where uploaded files (visit photos) are kept, outside any web root. Default: beside the
    /// SQLite file (`ruamjai-files/` for `ruamjai.db`), or `./ruamjai-files` with PostgreSQL.
    #[arg(long, global = true, env = "RUAMJAI_FILES_DIR")]
    files_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the web server (applies pending migrations first).
    Serve(serve::ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create a fresh SQLite file with a demo province and demo accounts, then serve it.
    Demo(demo::DemoArgs),
    /// Thailand's areas: list and search.
    #[command(subcommand)]
    Areas(AreasCommand),
    /// User accounts: list, create, grant and revoke roles.
    #[command(subcommand)]
    Users(UsersCommand),
    /// Import lists (persons) from CSV or XLSX.
    #[command(subcommand)]
    Import(registry::ImportCommand),
    /// Export lists (persons) to CSV or XLSX.
    #[command(subcommand)]
    Export(registry::ExportCommand),
    /// Registry maintenance.
    #[command(subcommand)]
    Registry(registry::RegistryCommand),
    /// Record linkage: of CSV lists with no database (`dedup LIST.csv`, `match LEFT.csv
    /// RIGHT.csv`), or in the product (`registry --area CODE`, `roll FILE --programme ID`).
    #[command(subcommand)]
    Link(Box<link::LinkCommand>),
    /// Hazard exposure with no database: which points lie inside which zones
    /// (`exposure --points POINTS.csv --zones ZONES.geojson --out OUT.csv`).
    #[command(subcommand)]
    Geo(geo::GeoCommand),
    /// Data-subject rights (PDPA): the retention rules, a person's full export, an erasure.
    #[command(subcommand)]
    Privacy(privacy::PrivacyCommand),
}

#[derive(Debug, Subcommand)]
enum AreasCommand {
    /// List provinces, or the areas directly below `--parent`.
    List {
        /// Parent area code (e.g. 55 lists Nan's districts).
        #[arg(long)]
        parent: Option<String>,
    },
    /// Search by Thai or English name, or by code.
    Search {
        /// Text to look for, e.g. "น่าน" or "Nan" or "5501".
        query: String,
        /// Only this level: province, district, subdistrict or village.
        #[arg(long)]
        level: Option<String>,
        /// At most this many results.
        #[arg(long, default_value_t = 50)]
        limit: u64,
    },
    /// Import villages from a CSV file (UTF-8, header row). Columns: subdistrict_code
    /// (รหัสตำบล), village_no (หมู่ที่), name_th (ชื่อหมู่บ้าน), name_en (optional). Every bad
    /// row is reported; nothing is written unless all rows are good; re-running adds nothing.
    ImportVillages {
        /// The CSV file.
        file: PathBuf,
        /// Check only; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Subcommand)]
enum UsersCommand {
    /// List all accounts with their roles.
    List,
    /// Create an account. Without --password-stdin a one-time set-up link is printed.
    Create(CreateUser),
    /// Grant a role over an area (omit the area for the whole country).
    Grant(GrantArgs),
    /// Revoke a role over an area.
    Revoke(GrantArgs),
    /// Make an API token for an account and print its secret (once): `--purpose sync` for a
    /// field phone (only the field app's routes).
    Token(TokenArgs),
}

#[derive(Debug, Args)]
struct TokenArgs {
    /// The account's e-mail.
    email: String,
    /// Label shown on the account page.
    #[arg(long, default_value = "command line")]
    name: String,
    /// api (every route the roles allow) or sync (the field app's routes only).
    #[arg(long, default_value = "api")]
    purpose: String,
}

#[derive(Debug, Args)]
struct CreateUser {
    /// Login e-mail.
    #[arg(long)]
    email: String,
    /// Display name.
    #[arg(long)]
    name: String,
    /// First role: admin, area_admin, staff, operator or viewer.
    #[arg(long)]
    role: Option<String>,
    /// Area code of the first role (omit for the whole country).
    #[arg(long)]
    area: Option<String>,
    /// Interface language: th or en.
    #[arg(long, default_value = "th")]
    locale: String,
    /// Read the password from standard input instead of printing a set-up link.
    #[arg(long)]
    password_stdin: bool,
    /// Base URL for the printed set-up link.
    #[arg(
        long,
        env = "RUAMJAI_BASE_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    base_url: String,
}

#[derive(Debug, Args)]
struct GrantArgs {
    /// The user's e-mail.
    email: String,
    /// admin, area_admin, staff, operator or viewer.
    role: String,
    /// Area code (omit for the whole country).
    area: Option<String>,
}

impl Cli {
    fn database_url(&self, file: &FileConfig) -> String {
        self.database_url
            .clone()
            .or_else(|| file.database_url.clone())
            .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned())
    }

    /// Open the configured database (migrated) with the configured file store.
    async fn store(&self, file: &FileConfig) -> anyhow::Result<Store> {
        let store = open_store(&self.database_url(file)).await?;
        Ok(
            match self.files_dir.clone().or_else(|| file.files_dir.clone()) {
                Some(dir) => store.with_files(std::sync::Arc::new(
                    ruamjai_store::files::LocalDisk::new(dir),
                )),
                None => store,
            },
        )
    }
}

fn init_logging(format: &str) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("RUAMJAI_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn,sea_orm_migration=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// Connect and migrate, with a readable message when the database cannot be reached.
pub async fn open_store(url: &str) -> anyhow::Result<Store> {
    let store = Store::connect(url)
        .await
        .with_context(|| format!("cannot open database {}", redact_url(url)))?;
    store.migrate().await.context("migration failed")?;
    Ok(store)
}

pub(crate) fn describe(e: StoreError) -> anyhow::Error {
    match e {
        StoreError::Invalid(i) => anyhow::anyhow!(
            "{}",
            i.0.iter()
                .map(|f| format!("{}: {}", f.field, ruamjai_web::i18n::Lang::En.error(f.code)))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        StoreError::NotFound => anyhow::anyhow!("not found"),
        other => anyhow::anyhow!(other),
    }
}

pub(crate) fn parse_area(area: Option<&str>) -> anyhow::Result<Option<AreaCode>> {
    area.map(|a| AreaCode::parse(a).map_err(|_| anyhow::anyhow!("invalid area code {a:?}")))
        .transpose()
}

// glibc's allocator spent over half of a large import in malloc/free fragmentation handling
// (perf, 200 k rows); mimalloc removes that cost. It is built without transparent huge pages
// (Cargo.toml): the kernel zeroing whole 2 MiB pages for short-lived batches was the largest
// single cost left on the checking side of an import.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let file = FileConfig::load(cli.config.as_ref())?;
    let log_format = cli
        .log_format
        .clone()
        .or_else(|| file.log_format.clone())
        .unwrap_or_else(|| "text".into());
    init_logging(&log_format);
    match &cli.command {
        Command::Serve(args) => serve::run(cli.store(&file).await?, args, &file).await,
        Command::Demo(args) => demo::run(args).await,
        Command::Migrate => {
            let url = cli.database_url(&file);
            let store = Store::connect(&url)
                .await
                .with_context(|| format!("cannot open database {}", redact_url(&url)))?;
            let pending = store.pending_migrations().await?;
            store.migrate().await.context("migration failed")?;
            println!(
                "{} migration(s) applied to {}",
                pending.len(),
                redact_url(&url)
            );
            Ok(())
        }
        Command::Areas(cmd) => areas(&cli.store(&file).await?, cmd).await,
        Command::Users(cmd) => users(&cli.store(&file).await?, cmd).await,
        Command::Import(cmd) => registry::import(&cli.store(&file).await?, cmd).await,
        Command::Export(cmd) => registry::export(&cli.store(&file).await?, cmd).await,
        Command::Registry(cmd) => registry::registry(&cli.store(&file).await?, cmd).await,
        Command::Link(cmd) => match cmd.as_ref() {
            link::LinkCommand::Registry(a) => linkage::registry(&cli.store(&file).await?, a).await,
            link::LinkCommand::Roll(a) => linkage::roll(&cli.store(&file).await?, a).await,
            standalone => link::run(standalone),
        },
        Command::Geo(cmd) => geo::run(cmd),
        Command::Privacy(cmd) => privacy::run(&cli.store(&file).await?, cmd, &file).await,
    }
}

async fn areas(store: &Store, cmd: &AreasCommand) -> anyhow::Result<()> {
    let rows = match cmd {
        AreasCommand::ImportVillages { file, dry_run } => {
            return import_villages(store, file, *dry_run).await;
        }
        AreasCommand::List { parent } => match parse_area(parent.as_deref())? {
            Some(p) => {
                store
                    .area_detail(&Actor::command_line(), &p)
                    .await
                    .map_err(|e| match e {
                        StoreError::NotFound => anyhow::anyhow!("no area with code {p}"),
                        other => other.into(),
                    })?
                    .children
            }
            None => store.area_roots(&Actor::command_line()).await?,
        },
        AreasCommand::Search {
            query,
            level,
            limit,
        } => {
            let level = match level.as_deref() {
                None => None,
                Some(l) => Some(AreaLevel::parse(l).with_context(|| {
                    format!("unknown level {l:?}: use province, district, subdistrict or village")
                })?),
            };
            store
                .search_areas(&Actor::command_line(), query, level, *limit)
                .await?
        }
    };
    if rows.is_empty() {
        eprintln!("no areas found");
    }
    for a in rows {
        println!(
            "{:<8}  {:<11}  {}  ({})",
            a.code,
            a.level.as_str(),
            a.name_th,
            a.name_en
        );
    }
    Ok(())
}

/// Header names recognised for each column (English and Thai).
const VILLAGE_COLUMNS: [(&str, &[&str]); 4] = [
    ("subdistrict_code", &["subdistrict_code", "รหัสตำบล"]),
    ("village_no", &["village_no", "หมู่ที่", "หมู่"]),
    ("name_th", &["name_th", "ชื่อหมู่บ้าน", "ชื่อ"]),
    ("name_en", &["name_en", "ชื่อภาษาอังกฤษ"]),
];

async fn import_villages(store: &Store, file: &PathBuf, dry_run: bool) -> anyhow::Result<()> {
    use ruamjai_store::areas::VillageRow;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(file)
        .with_context(|| format!("cannot read {}", file.display()))?;
    let headers: Vec<String> = reader
        .headers()?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_owned())
        .collect();
    let col = |name: &str| -> Option<usize> {
        let names = VILLAGE_COLUMNS.iter().find(|(n, _)| *n == name)?.1;
        headers.iter().position(|h| names.contains(&h.as_str()))
    };
    let (Some(sub), Some(no), Some(th)) =
        (col("subdistrict_code"), col("village_no"), col("name_th"))
    else {
        bail!(
            "{}: the header row needs subdistrict_code (รหัสตำบล), village_no (หมู่ที่) and name_th (ชื่อหมู่บ้าน); found {:?}",
            file.display(),
            headers
        );
    };
    let en = col("name_en");
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.with_context(|| format!("{}: line {}", file.display(), i + 2))?;
        let get = |c: usize| record.get(c).unwrap_or("").to_owned();
        rows.push(VillageRow {
            line: i + 2,
            subdistrict: get(sub),
            village_no: get(no),
            name_th: get(th),
            name_en: en.map(get).unwrap_or_default(),
        });
    }
    match store
        .import_villages(None, &rows, dry_run, &RequestMeta::cli())
        .await?
    {
        Ok(report) => {
            println!(
                "{} new village(s), {} unchanged{}",
                report.created,
                report.unchanged,
                if report.dry_run {
                    " (dry run: nothing written)"
                } else {
                    ""
                }
            );
            Ok(())
        }
        Err(bad) => {
            for row in &bad {
                let reasons: Vec<String> = row
                    .errors
                    .iter()
                    .map(|e| format!("{}: {}", e.field, ruamjai_web::i18n::Lang::En.error(e.code)))
                    .collect();
                eprintln!("line {}: {}", row.line, reasons.join("; "));
            }
            bail!("{} bad row(s); nothing was imported", bad.len())
        }
    }
}

async fn users(store: &Store, cmd: &UsersCommand) -> anyhow::Result<()> {
    match cmd {
        UsersCommand::List => {
            for u in store.list_users(&Actor::command_line()).await? {
                let grants: Vec<String> = u
                    .grants
                    .iter()
                    .map(|g| {
                        format!(
                            "{}@{}",
                            g.role.as_str(),
                            g.area.as_ref().map_or("*".into(), |a| a.to_string())
                        )
                    })
                    .collect();
                println!(
                    "{:>5}  {:<32}  {:<8}  {}",
                    u.user.id,
                    u.user.email,
                    if u.user.active { "active" } else { "disabled" },
                    grants.join(" ")
                );
            }
        }
        UsersCommand::Create(c) => {
            let password = if c.password_stdin {
                let mut s = String::new();
                std::io::stdin().read_to_string(&mut s)?;
                Some(s.trim_end_matches(['\r', '\n']).to_owned())
            } else {
                None
            };
            let grant = match &c.role {
                Some(r) => Some((
                    Role::parse(r).map_err(|_| anyhow::anyhow!("unknown role {r:?}"))?,
                    parse_area(c.area.as_deref())?,
                )),
                None if c.area.is_some() => bail!("--area needs --role"),
                None => None,
            };
            let has_password = password.is_some();
            let made = store
                .create_user(
                    None,
                    NewUser {
                        email: c.email.clone(),
                        display_name: c.name.clone(),
                        password,
                        locale: c.locale.clone(),
                    },
                    grant,
                    &RequestMeta::cli(),
                )
                .await
                .map_err(describe)?;
            println!("created user {} ({})", made.user.id, made.user.email);
            if !has_password {
                let secret = store
                    .create_setup_token(
                        ruamjai_store::auth::SetupPurpose::SetPassword,
                        Some(made.user.id),
                        chrono::Duration::days(7),
                    )
                    .await?;
                println!(
                    "one-time set-up link (valid 7 days): {}/setup/{secret}",
                    c.base_url
                );
            }
        }
        UsersCommand::Token(t) => {
            let user = store
                .user_by_email(&t.email)
                .await?
                .with_context(|| format!("no user with e-mail {}", t.email))?;
            let purpose = TokenPurpose::parse(&t.purpose)
                .map_err(|_| anyhow::anyhow!("--purpose is api or sync, not {:?}", t.purpose))?;
            let actor = store.actor(user.id).await?;
            let (_, secret) = store
                .create_api_token(&actor, &t.name, purpose, &RequestMeta::cli())
                .await
                .map_err(describe)?;
            println!("{secret}");
        }
        UsersCommand::Grant(g) | UsersCommand::Revoke(g) => {
            let user = store
                .user_by_email(&g.email)
                .await?
                .with_context(|| format!("no user with e-mail {}", g.email))?;
            let role =
                Role::parse(&g.role).map_err(|_| anyhow::anyhow!("unknown role {:?}", g.role))?;
            let area = parse_area(g.area.as_deref())?;
            if matches!(cmd, UsersCommand::Grant(_)) {
                store
                    .grant_role_cli(user.id, role, area)
                    .await
                    .map_err(describe)?;
                println!("granted {} to {}", g.role, g.email);
            } else {
                let n = store
                    .revoke_role_cli(user.id, role, area.as_ref())
                    .await
                    .map_err(describe)?;
                if n == 0 {
                    bail!("{} does not hold {} there", g.email, g.role);
                }
                println!("revoked {} from {}", g.role, g.email);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
