//! `ruamjai import partners` and `ruamjai import volunteers`.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Args;
use ruamjai_domain::areas::AreaCode;
use ruamjai_domain::audit::RequestMeta;
use ruamjai_domain::auth::Actor;
use ruamjai_domain::network::import::{
    Column, PARTNER_COLUMNS, VOLUNTEER_COLUMNS, apply_overrides, check_map, recognise,
};
use ruamjai_store::Store;
use ruamjai_store::network::import::{ListPlan, ListReport};
use ruamjai_store::tabular::read_table;
use ruamjai_web::i18n::Lang;
use sha2::{Digest, Sha256};

#[derive(Debug, Args)]
pub struct ImportList {
    /// The file (CSV in UTF-8 or Windows-874, or XLSX).
    file: PathBuf,
    /// Check every row and report, but write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Column mapping overrides, `COLUMN=FIELD` (COLUMN a header or a 1-based number, FIELD a
    /// field name or `ignore`). Repeatable.
    #[arg(long = "map", value_name = "COLUMN=FIELD")]
    map: Vec<String>,
    /// Area code for rows without one.
    #[arg(long)]
    area: Option<String>,
    /// Language of the messages (th or en).
    #[arg(long, default_value = "en")]
    lang: String,
}

pub async fn import_partners(store: &Store, args: &ImportList) -> anyhow::Result<()> {
    let (plan, rows, lang) = prepare(args, PARTNER_COLUMNS)?;
    let r = store
        .import_partners(&Actor::command_line(), &plan, rows, &RequestMeta::cli())
        .await
        .map_err(crate::describe)?;
    report(&r, lang, "partners")
}

pub async fn import_volunteers(store: &Store, args: &ImportList) -> anyhow::Result<()> {
    let (plan, rows, lang) = prepare(args, VOLUNTEER_COLUMNS)?;
    let r = store
        .import_volunteers(&Actor::command_line(), &plan, rows, &RequestMeta::cli())
        .await
        .map_err(crate::describe)?;
    report(&r, lang, "volunteers")
}

type Prepared = (ListPlan, Vec<ruamjai_store::tabular::TableRow>, Lang);

fn prepare(args: &ImportList, columns: &[Column]) -> anyhow::Result<Prepared> {
    let lang = Lang::parse(&args.lang);
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let name = args
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let table = read_table(&bytes, &name, 1_000_000)
        .with_context(|| format!("cannot read {} as CSV or XLSX", args.file.display()))?;
    let mut map = recognise(columns, &table.headers);
    apply_overrides(columns, &table.headers, &mut map, &args.map.join("\n")).map_err(|_| {
        anyhow::anyhow!(
            "--map: expected COLUMN=FIELD with a column of the file and one of the fields"
        )
    })?;
    let default_area = args
        .area
        .as_deref()
        .map(|a| AreaCode::parse(a).map_err(|_| anyhow::anyhow!("invalid --area {a:?}")))
        .transpose()?;
    if let Err(errs) = check_map(columns, &map, default_area.is_some()) {
        for e in errs {
            eprintln!("{}: {}", e.field, lang.error(e.code));
        }
        bail!("the columns are not mapped; use --map COLUMN=FIELD");
    }
    for (h, f) in table.headers.iter().zip(&map) {
        eprintln!("  {:<30} → {}", h, f.unwrap_or("(ignored)"));
    }
    Ok((
        ListPlan {
            file_name: name,
            file_sha256: hex::encode(Sha256::digest(&bytes)),
            map,
            default_area,
            dry_run: args.dry_run,
        },
        table.rows,
        lang,
    ))
}

fn report(r: &ListReport, lang: Lang, what: &str) -> anyhow::Result<()> {
    for e in &r.errors {
        let msgs: Vec<String> = e
            .errors
            .iter()
            .map(|f| format!("{}: {}", f.field, lang.error(f.code)))
            .collect();
        eprintln!("line {}: {}", e.line, msgs.join("; "));
    }
    println!(
        "rows {} · {} {} {what} · already there {}{}",
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
        r.import_id
            .map(|i| format!(" · import {i}"))
            .unwrap_or_default()
    );
    if !r.errors.is_empty() {
        bail!("{} bad row(s): nothing was imported", r.errors.len());
    }
    Ok(())
}
