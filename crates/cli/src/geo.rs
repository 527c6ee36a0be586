//! `ruamjai geo`: hazard exposure with no database — which points (homes) lie inside which
//! zones — writing `point_id,zone_id` per containment (see the `ruamjai-geo` crate).

use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use ruamjai_geo::ZoneSet;

#[derive(Debug, Subcommand)]
pub enum GeoCommand {
    /// For every point, every zone containing it (a point on a zone's edge or vertex counts as
    /// inside): `point_id,zone_id` rows in the points' order, then the zones' order.
    Exposure {
        /// Points: CSV with a header naming `id`, `lat` and `lon` columns (any order; also
        /// `latitude`, `longitude`, `lng`). Rows with both coordinates empty are counted and
        /// skipped.
        #[arg(long)]
        points: PathBuf,
        /// Zones: GeoJSON FeatureCollection of Polygon/MultiPolygon features (or a KML document,
        /// its placemarks); a zone's id is the feature's `id`, else its `id` property, else its
        /// index.
        #[arg(long)]
        zones: PathBuf,
        /// Where to write `point_id,zone_id`.
        #[arg(long)]
        out: PathBuf,
    },
}

pub fn run(cmd: &GeoCommand) -> anyhow::Result<()> {
    let GeoCommand::Exposure { points, zones, out } = cmd;
    let started = std::time::Instant::now();
    let text = std::fs::read_to_string(zones)
        .with_context(|| format!("cannot read {}", zones.display()))?;
    // KML (a document starting with markup) is read into GeoJSON first.
    let text = if text.trim_start().starts_with('<') {
        ruamjai_geo::kml::to_geojson(&text)
            .map_err(|e| anyhow::anyhow!("{}: {e}", zones.display()))?
            .to_string()
    } else {
        text
    };
    let set =
        ZoneSet::from_geojson(&text).map_err(|e| anyhow::anyhow!("{}: {e}", zones.display()))?;
    drop(text);
    eprintln!(
        "{} zones read from {} in {:.2} s",
        set.len(),
        zones.display(),
        started.elapsed().as_secs_f64()
    );
    let file =
        std::fs::File::open(points).with_context(|| format!("cannot open {}", points.display()))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let pb = ProgressBar::new(size);
    pb.set_style(
        ProgressStyle::with_template(
            "{msg:>12} [{bar:40}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    pb.set_message("points");
    let writer =
        std::fs::File::create(out).with_context(|| format!("cannot write {}", out.display()))?;
    let shown = pb.clone();
    let summary = ruamjai_geo::exposure::run(
        &set,
        file,
        std::io::BufWriter::with_capacity(1 << 20, writer),
        &move |done| shown.set_position(done),
    )
    .map_err(|e| anyhow::anyhow!("{}: {e}", points.display()))?;
    pb.finish_and_clear();
    eprintln!(
        "{} points ({} without a location, skipped), {} inside at least one zone, {} rows written to {}, {:.2} s",
        summary.points,
        summary.without_location,
        summary.exposed_points,
        summary.containments,
        out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
