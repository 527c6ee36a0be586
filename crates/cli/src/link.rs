//! `ruamjai link`: record linkage of CSV lists with no database — deduplicate one list or link
//! two — writing `left_id,right_id,match_probability` for the pairs above a threshold and,
//! optionally, clusters. Column roles are recognised from Thai or English headers and can be
//! given by flags or a mapping file (`role = column` lines).

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use ruamjai_linkage::io::{Mapping, Role, read_csv, write_clusters, write_pairs};
use ruamjai_linkage::record::Record;
use ruamjai_linkage::run::{Outcome, Settings, clusters, dedup, link};

#[derive(Debug, Subcommand)]
pub enum LinkCommand {
    /// Find duplicates among the registry's persons of an area (the configured database):
    /// sure ones merged (undoable), likely ones queued for review on the web page.
    Registry(crate::linkage::RegistryArgs),
    /// Link an agency's roll to the registry: sure matches receive the programme, likely ones
    /// are queued for review, the rest reported as not in the registry.
    Roll(crate::linkage::RollArgs),
    /// Find the records of one list that are the same person.
    Dedup {
        /// The list (CSV, UTF-8).
        input: PathBuf,
        #[command(flatten)]
        common: Common,
    },
    /// Find the records of RIGHT that are the same person as a record of LEFT.
    Match {
        /// The first list (CSV, UTF-8).
        left: PathBuf,
        /// The second list (same column roles, or its own headers recognised).
        right: PathBuf,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Debug, Args)]
pub struct Common {
    /// Where to write `left_id,right_id,match_probability`.
    #[arg(long)]
    out: PathBuf,
    /// Also write `record_id,cluster_id` (dedup: every record of the list; match: the left
    /// list's records then the right's, clustered through the pairs).
    #[arg(long)]
    clusters: Option<PathBuf>,
    /// Report pairs with at least this match probability.
    #[arg(long, default_value_t = 0.9)]
    threshold: f64,
    /// Blocks larger than this are skipped (and counted).
    #[arg(long, default_value_t = 2000)]
    max_block: usize,
    /// Mapping file: `role = column` lines (roles: id, national-id, prefix, first-name,
    /// last-name, other-last-name, full-name, sex, birth-date, birth-year, village, house,
    /// phone). An empty column takes a recognised role away.
    #[arg(long)]
    map: Option<PathBuf>,
    /// Column of the list's own record id (default: the line number).
    #[arg(long)]
    id: Option<String>,
    /// Column of the Thai national ID.
    #[arg(long)]
    national_id: Option<String>,
    /// Column of the title prefix.
    #[arg(long)]
    prefix: Option<String>,
    /// Column of the first name.
    #[arg(long)]
    first_name: Option<String>,
    /// Column of the last name.
    #[arg(long)]
    last_name: Option<String>,
    /// Column of another surname (maiden or married).
    #[arg(long)]
    other_last_name: Option<String>,
    /// Column of the whole name (when first and last are not apart).
    #[arg(long)]
    full_name: Option<String>,
    /// Column of the sex.
    #[arg(long)]
    sex: Option<String>,
    /// Column of the birth date (Buddhist era recognised).
    #[arg(long)]
    birth_date: Option<String>,
    /// Column of the birth year alone.
    #[arg(long)]
    birth_year: Option<String>,
    /// Column of the DOPA village code.
    #[arg(long)]
    village: Option<String>,
    /// Column of the house number.
    #[arg(long)]
    house: Option<String>,
    /// Column of the phone number.
    #[arg(long)]
    phone: Option<String>,
}

impl Common {
    fn flags(&self) -> Vec<(Role, &str)> {
        [
            (Role::Id, &self.id),
            (Role::NationalId, &self.national_id),
            (Role::Prefix, &self.prefix),
            (Role::FirstName, &self.first_name),
            (Role::LastName, &self.last_name),
            (Role::OtherLastName, &self.other_last_name),
            (Role::FullName, &self.full_name),
            (Role::Sex, &self.sex),
            (Role::BirthDate, &self.birth_date),
            (Role::BirthYear, &self.birth_year),
            (Role::Village, &self.village),
            (Role::House, &self.house),
            (Role::Phone, &self.phone),
        ]
        .into_iter()
        .filter_map(|(r, v)| v.as_deref().map(|v| (r, v)))
        .collect()
    }

    fn read(&self, path: &Path) -> anyhow::Result<Vec<Record>> {
        let map_text = match &self.map {
            Some(m) => Some(
                std::fs::read_to_string(m)
                    .with_context(|| format!("cannot read mapping file {}", m.display()))?,
            ),
            None => None,
        };
        let file =
            std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        let records = read_csv(std::io::BufReader::new(file), |headers| {
            let mut m = Mapping::recognise(headers);
            if let Some(t) = &map_text {
                m.apply_file(t, headers)?;
            }
            for (role, col) in self.flags() {
                m.set(role, col, headers)?;
            }
            Ok(m)
        })
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        Ok(records)
    }

    fn settings(&self) -> anyhow::Result<Settings> {
        if !(0.0..=1.0).contains(&self.threshold) {
            bail!("--threshold must be between 0 and 1");
        }
        Ok(Settings {
            threshold: self.threshold,
            max_block: self.max_block.max(2),
            ..Settings::default()
        })
    }
}

fn report(out: &Outcome, started: std::time::Instant) {
    eprintln!(
        "{} candidate pairs compared, {} pairs at or above the threshold, {} oversized blocks skipped, EM {} iterations, {:.1} s",
        out.candidates,
        out.pairs.len(),
        out.skipped_blocks,
        out.training.iterations,
        started.elapsed().as_secs_f64()
    );
}

pub fn run(cmd: &LinkCommand) -> anyhow::Result<()> {
    let (pb, progress) = crate::registry::progress_bar();
    let progress = move |stage: &'static str, done: u64, total: u64| {
        progress(stage, done as usize, total as usize)
    };
    let started = std::time::Instant::now();
    match cmd {
        LinkCommand::Registry(_) | LinkCommand::Roll(_) => {
            bail!("this command works on the database: run it through `ruamjai link`")
        }
        LinkCommand::Dedup { input, common } => {
            let records = common.read(input)?;
            eprintln!("{} records read from {}", records.len(), input.display());
            let out = dedup(&records, &common.settings()?, &progress);
            pb.finish_and_clear();
            let file = std::fs::File::create(&common.out)
                .with_context(|| format!("cannot write {}", common.out.display()))?;
            write_pairs(
                std::io::BufWriter::new(file),
                &records,
                &records,
                &out.pairs,
            )?;
            if let Some(path) = &common.clusters {
                let c = clusters(records.len(), &out.pairs);
                let file = std::fs::File::create(path)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                write_clusters(std::io::BufWriter::new(file), &records, &c)?;
            }
            report(&out, started);
        }
        LinkCommand::Match {
            left,
            right,
            common,
        } => {
            let l = common.read(left)?;
            let r = common.read(right)?;
            eprintln!("{} and {} records read", l.len(), r.len());
            let out = link(&l, &r, &common.settings()?, &progress);
            pb.finish_and_clear();
            let file = std::fs::File::create(&common.out)
                .with_context(|| format!("cannot write {}", common.out.display()))?;
            write_pairs(std::io::BufWriter::new(file), &l, &r, &out.pairs)?;
            if let Some(path) = &common.clusters {
                let all: Vec<Record> = l.iter().chain(r.iter()).cloned().collect();
                let shifted: Vec<(u32, u32, f32)> = out
                    .pairs
                    .iter()
                    .map(|&(i, j, p)| (i, j + l.len() as u32, p))
                    .collect();
                let c = clusters(all.len(), &shifted);
                let file = std::fs::File::create(path)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                write_clusters(std::io::BufWriter::new(file), &all, &c)?;
            }
            report(&out, started);
        }
    }
    Ok(())
}
