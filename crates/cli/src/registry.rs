//! `ruamjai import persons`, `ruamjai export persons` and `ruamjai registry refresh-counts`.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use ruamjai_domain::areas::AreaCode;
use ruamjai_domain::audit::RequestMeta;
use ruamjai_domain::auth::Actor;
use ruamjai_domain::registry::Category;
use ruamjai_domain::registry::import::{ImportField, check_map, recognise};
use ruamjai_store::Store;
use ruamjai_store::registry::{EXPORT_COLUMNS, ImportPlan, ImportReport, PersonQuery, RowSource};
use ruamjai_store::tabular::{CsvRows, Format, detect_format, read_table, write_csv, write_xlsx};
use ruamjai_web::i18n::Lang;
use sha2::{Digest, Sha256};

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import persons from a CSV or XLSX file: every row lands, or none does.
    Persons(ImportPersons),
    /// Import partner organisations (name_th, sector, org_type, area_code, …): all or none.
    Partners(crate::network::ImportList),
    /// Import volunteers (first_name, kind, area_code, phone, skills, …): all or none.
    Volunteers(crate::network::ImportList),
}

#[derive(Debug, Args)]
pub struct ImportPersons {
    /// The file (CSV in UTF-8 or Windows-874, or XLSX).
    file: PathBuf,
    /// Check every row and report, but write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Column mapping overrides, `COLUMN=FIELD` where COLUMN is a header or a 1-based number
    /// and FIELD one of id_kind, id_number, prefix, first_name, last_name, full_name, sex,
    /// birth_date, phone, village_code, house_number, relation, lat, lon, categories, or
    /// `ignore`. Repeatable.
    #[arg(long = "map", value_name = "COLUMN=FIELD")]
    map: Vec<String>,
    /// Village (8-digit code) for rows without one.
    #[arg(long)]
    village: Option<String>,
    /// Language of the messages (th or en).
    #[arg(long, default_value = "en")]
    lang: String,
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Export active persons (CSV with a BOM for Excel, or XLSX by the file extension).
    Persons(ExportPersons),
}

#[derive(Debug, Args)]
pub struct ExportPersons {
    /// Output file (`.csv` or `.xlsx`).
    #[arg(long)]
    out: PathBuf,
    /// Only inside this area.
    #[arg(long)]
    area: Option<String>,
    /// Only with this category (e.g. disabled).
    #[arg(long)]
    category: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum RegistryCommand {
    /// Rebuild the dashboard counts and the public snapshot (the server does it daily).
    RefreshCounts,
}

fn bar(len: u64) -> ProgressBar {
    let pb = ProgressBar::new(len);
    pb.set_style(
        ProgressStyle::with_template("{msg:>12} [{bar:40}] {pos}/{len} ({per_sec}, {eta})")
            .expect("valid template")
            .progress_chars("=> "),
    );
    pb
}

/// A progress callback driving one bar: phase as the message, done/total as the position.
/// When a phase ends its duration is printed above the bar (so a slow import says where).
pub fn progress_bar() -> (ProgressBar, impl Fn(&'static str, usize, usize) + Sync) {
    let pb = bar(0);
    let shown = pb.clone();
    let last = Mutex::new(("", std::time::Instant::now()));
    let f = move |phase: &'static str, done: usize, total: usize| {
        let mut l = last.lock().expect("progress lock");
        if l.0 != phase {
            if !l.0.is_empty() {
                let line = format!("{:>12} {:.1} s", l.0, l.1.elapsed().as_secs_f64());
                if shown.is_hidden() {
                    eprintln!("{line}");
                } else {
                    shown.println(line);
                }
            }
            *l = (phase, std::time::Instant::now());
            shown.set_message(phase);
            shown.set_length(total as u64);
        }
        shown.set_position(done as u64);
    };
    (pb, f)
}

fn apply_map(
    headers: &[String],
    map: &mut [Option<ImportField>],
    overrides: &[String],
) -> anyhow::Result<()> {
    for o in overrides {
        let Some((col, field)) = o.split_once('=') else {
            bail!("--map {o:?}: expected COLUMN=FIELD");
        };
        let idx = match col.trim().parse::<usize>() {
            Ok(n) if n >= 1 && n <= headers.len() => n - 1,
            _ => headers
                .iter()
                .position(|h| h.trim() == col.trim())
                .with_context(|| format!("--map {o:?}: no column {col:?} in the file"))?,
        };
        map[idx] = match field.trim() {
            "ignore" | "" => None,
            f => Some(
                ImportField::parse(f)
                    .with_context(|| format!("--map {o:?}: unknown field {f:?}"))?,
            ),
        };
    }
    Ok(())
}

fn print_report(r: &ImportReport, lang: Lang) {
    for e in &r.errors {
        let msgs: Vec<String> = e
            .errors
            .iter()
            .map(|f| format!("{}: {}", f.field, lang.error(f.code)))
            .collect();
        eprintln!("line {}: {}", e.line, msgs.join("; "));
    }
    if let Some((id, at)) = r.previous {
        println!("note: this file was imported before (import {id}, {at})");
    }
    println!(
        "rows {} · {} {} · already in the registry {} · households {}{}",
        r.rows_total,
        if !r.errors.is_empty() {
            "valid"
        } else if r.dry_run {
            "would add"
        } else {
            "added"
        },
        r.added,
        r.skipped,
        r.households_added,
        r.import_id
            .map(|i| format!(" · import {i}"))
            .unwrap_or_default()
    );
}

pub async fn import(store: &Store, cmd: &ImportCommand) -> anyhow::Result<()> {
    let args = match cmd {
        ImportCommand::Persons(args) => args,
        ImportCommand::Partners(args) => return crate::network::import_partners(store, args).await,
        ImportCommand::Volunteers(args) => {
            return crate::network::import_volunteers(store, args).await;
        }
    };
    let lang = Lang::parse(&args.lang);
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let name = args
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let file_sha256 = hex::encode(Sha256::digest(&bytes));
    // A CSV file streams into the import (it never sits in memory as rows); a workbook is read
    // whole.
    let (headers, rows, expected): (Vec<String>, RowSource, usize) =
        match detect_format(&bytes, &name) {
            Format::Csv => {
                // Lines, for the progress bar only (quoted line breaks make it an estimate).
                let lines = bytes.iter().filter(|&&b| b == b'\n').count();
                let rows = CsvRows::new(std::io::Cursor::new(bytes))
                    .with_context(|| format!("cannot read {} as CSV", args.file.display()))?;
                (
                    rows.headers().to_vec(),
                    Box::new(rows),
                    lines.saturating_sub(1),
                )
            }
            Format::Xlsx => {
                let table = read_table(&bytes, &name, 20_000_000).with_context(|| {
                    format!("cannot read {} as a spreadsheet", args.file.display())
                })?;
                let n = table.rows.len();
                (table.headers, Box::new(table.rows.into_iter().map(Ok)), n)
            }
        };
    let mut map = recognise(&headers);
    apply_map(&headers, &mut map, &args.map)?;
    let default_village = args
        .village
        .as_deref()
        .map(|v| AreaCode::parse(v).map_err(|_| anyhow::anyhow!("invalid --village {v:?}")))
        .transpose()?;
    if let Err(errs) = check_map(&map, default_village.is_some()) {
        for e in errs {
            eprintln!("{}: {}", e.field, lang.error(e.code));
        }
        bail!("the columns are not mapped; use --map COLUMN=FIELD");
    }
    for (h, f) in headers.iter().zip(&map) {
        eprintln!(
            "  {:<30} → {}",
            h,
            f.map(|f| f.as_str()).unwrap_or("(ignored)")
        );
    }
    let plan = ImportPlan {
        file_name: name,
        file_sha256,
        map,
        default_village,
        dry_run: args.dry_run,
    };
    let (pb, progress) = progress_bar();
    let report = store
        .import_persons_from(
            &Actor::command_line(),
            &plan,
            rows,
            expected,
            &progress,
            &RequestMeta::cli(),
        )
        .await
        .map_err(crate::describe)?;
    pb.finish_and_clear();
    print_report(&report, lang);
    if !report.errors.is_empty() {
        bail!("{} bad row(s): nothing was imported", report.errors.len());
    }
    Ok(())
}

pub async fn export(store: &Store, cmd: &ExportCommand) -> anyhow::Result<()> {
    let ExportCommand::Persons(args) = cmd;
    let q = PersonQuery {
        area: crate::parse_area(args.area.as_deref())?,
        category: args
            .category
            .as_deref()
            .map(|c| Category::parse(c).with_context(|| format!("unknown category {c:?}")))
            .transpose()?,
        ..Default::default()
    };
    let mut rows = Vec::new();
    let pb = ProgressBar::new_spinner();
    let n = store
        .export_persons(&Actor::command_line(), &q, &RequestMeta::cli(), |r| {
            rows.push(r);
            if rows.len() % 10_000 == 0 {
                pb.set_message(format!("{} rows", rows.len()));
                pb.tick();
            }
            Ok(())
        })
        .await
        .map_err(crate::describe)?;
    pb.finish_and_clear();
    write_rows(&args.out, rows)?;
    println!("{n} persons written to {}", args.out.display());
    Ok(())
}

fn write_rows(out: &Path, rows: Vec<Vec<String>>) -> anyhow::Result<()> {
    let xlsx = out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    if xlsx {
        let bytes = write_xlsx("persons", &EXPORT_COLUMNS, rows.into_iter())?;
        std::fs::write(out, bytes)?;
    } else {
        let f = std::io::BufWriter::new(
            std::fs::File::create(out)
                .with_context(|| format!("cannot create {}", out.display()))?,
        );
        write_csv(&EXPORT_COLUMNS, rows.into_iter(), f)?;
    }
    Ok(())
}

pub async fn registry(store: &Store, cmd: &RegistryCommand) -> anyhow::Result<()> {
    match cmd {
        RegistryCommand::RefreshCounts => {
            store.refresh_counts().await.map_err(crate::describe)?;
            println!("counts rebuilt");
            Ok(())
        }
    }
}
