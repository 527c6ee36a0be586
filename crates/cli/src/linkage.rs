//! `ruamjai link registry` and `ruamjai link roll`: record linkage inside the product (the
//! database of the configuration), as the web page does it — sure pairs applied, likely ones
//! left in the review queue for a person, everything audited as the command line's.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use ruamjai_domain::audit::RequestMeta;
use ruamjai_domain::auth::Actor;
use ruamjai_domain::linkage::Thresholds;
use ruamjai_store::Store;
use ruamjai_store::linkage::{MAX_ROLL_ROWS, RunReport};
use ruamjai_store::tabular::read_table;

use crate::{describe, parse_area};

/// Thresholds of a run in the product.
#[derive(Debug, Args)]
pub struct ThresholdArgs {
    /// Apply pairs at or above this match probability (merge duplicates, link roll records).
    #[arg(long, default_value_t = Thresholds::default().auto)]
    auto: f64,
    /// Put pairs at or above this probability (and below --auto) in the review queue.
    #[arg(long, default_value_t = Thresholds::default().review)]
    review: f64,
}

impl ThresholdArgs {
    fn thresholds(&self) -> anyhow::Result<Thresholds> {
        Thresholds::new(self.auto, self.review).map_err(|e| {
            anyhow::anyhow!(
                "--{}: {}",
                e.field.trim_end_matches("_threshold"),
                ruamjai_web::i18n::Lang::En.error(e.code)
            )
        })
    }
}

/// `ruamjai link registry --area CODE`.
#[derive(Debug, Args)]
pub struct RegistryArgs {
    /// The area whose persons are deduplicated (province, district, subdistrict or village).
    #[arg(long)]
    area: String,
    #[command(flatten)]
    thresholds: ThresholdArgs,
}

/// `ruamjai link roll FILE --programme ID`.
#[derive(Debug, Args)]
pub struct RollArgs {
    /// The agency's roll (CSV or XLSX with a header row; columns recognised from Thai or
    /// English headers).
    file: PathBuf,
    /// The programme whose roll it is (see the web page /programmes).
    #[arg(long)]
    programme: i64,
    #[command(flatten)]
    thresholds: ThresholdArgs,
}

fn progress() -> (indicatif::ProgressBar, ruamjai_store::linkage::Progress) {
    let (pb, f) = crate::registry::progress_bar();
    (
        pb,
        Arc::new(move |stage, done, total| f(stage, done as usize, total as usize)),
    )
}

fn print(r: &RunReport) {
    if r.already {
        println!(
            "this file was linked to this programme before (run {}): nothing done",
            r.run_id
        );
    }
    println!(
        "run {}: {} records, {} candidate pairs, {} applied, {} to review{}",
        r.run_id,
        r.records,
        r.candidates,
        r.applied,
        r.queued,
        if r.kind == ruamjai_domain::linkage::RunKind::Roll {
            format!(", {} not in the registry", r.unmatched)
        } else {
            String::new()
        }
    );
}

pub async fn registry(store: &Store, a: &RegistryArgs) -> anyhow::Result<()> {
    let area = parse_area(Some(&a.area))?.expect("given");
    let (pb, f) = progress();
    let r = store
        .link_registry(
            &Actor::command_line(),
            &area,
            a.thresholds.thresholds()?,
            &RequestMeta::cli(),
            f,
        )
        .await
        .map_err(describe)?;
    pb.finish_and_clear();
    print(&r);
    Ok(())
}

pub async fn roll(store: &Store, a: &RollArgs) -> anyhow::Result<()> {
    let thresholds = a.thresholds.thresholds()?;
    let bytes =
        std::fs::read(&a.file).with_context(|| format!("cannot read {}", a.file.display()))?;
    let name = a
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let table = read_table(&bytes, &name, MAX_ROLL_ROWS)
        .with_context(|| format!("cannot read {}", a.file.display()))?;
    let (pb, f) = progress();
    let r = store
        .link_roll(
            &Actor::command_line(),
            a.programme,
            &name,
            &bytes,
            &table,
            thresholds,
            &RequestMeta::cli(),
            f,
        )
        .await
        .map_err(describe)?;
    pb.finish_and_clear();
    print(&r);
    Ok(())
}
