//! Installs the front-end libraries from npm (with the lockfile) when they are missing and
//! copies the files we serve into OUT_DIR, from where the binary embeds them. Nothing from
//! npm is committed to the repository.

use std::path::{Path, PathBuf};
use std::process::Command;

/// (file inside node_modules, name we serve it under)
const ASSETS: &[(&str, &str)] = &[
    ("htmx.org/dist/htmx.min.js", "htmx.min.js"),
    (
        "@fontsource/noto-sans-thai/files/noto-sans-thai-thai-400-normal.woff2",
        "noto-sans-thai-400.woff2",
    ),
    (
        "@fontsource/noto-sans-thai/files/noto-sans-thai-thai-700-normal.woff2",
        "noto-sans-thai-700.woff2",
    ),
    // Leaflet (BSD-2-Clause) for the dashboards' maps and the hazard map. Only circle markers
    // are drawn, so its marker images are not needed; the hazard map's layer control takes its
    // icon from reports.css instead of Leaflet's PNG.
    ("leaflet/dist/leaflet.js", "leaflet.js"),
    ("leaflet/dist/leaflet.css", "leaflet.css"),
    // Leaflet.markercluster (MIT) clusters the vulnerable persons on the hazard map; its
    // cluster icons are CSS only.
    (
        "leaflet.markercluster/dist/leaflet.markercluster.js",
        "leaflet.markercluster.js",
    ),
    (
        "leaflet.markercluster/dist/MarkerCluster.css",
        "MarkerCluster.css",
    ),
    (
        "leaflet.markercluster/dist/MarkerCluster.Default.css",
        "MarkerCluster.Default.css",
    ),
    // Geoman free (MIT) draws and edits hazard zones; its toolbar icons are data: URIs inside
    // its CSS (allowed by the CSP's `img-src data:`).
    (
        "@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.min.js",
        "leaflet-geoman.min.js",
    ),
    (
        "@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.css",
        "leaflet-geoman.css",
    ),
];

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let root = manifest
        .join("../..")
        .canonicalize()
        .expect("workspace root");
    let modules = root.join("node_modules");
    println!(
        "cargo:rerun-if-changed={}",
        root.join("package-lock.json").display()
    );
    println!(
        "cargo:rerun-if-changed={}",
        root.join("package.json").display()
    );
    if ASSETS.iter().any(|(src, _)| !modules.join(src).exists()) {
        npm_ci(&root);
    }
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets it"));
    for (src, name) in ASSETS {
        let from = modules.join(src);
        println!("cargo:rerun-if-changed={}", from.display());
        std::fs::copy(&from, out.join(name))
            .unwrap_or_else(|e| panic!("copy {}: {e}", from.display()));
    }
}

fn npm_ci(root: &Path) {
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(root)
        .status()
        .unwrap_or_else(|e| {
            panic!("ruamjai needs Node.js and npm to install its front-end libraries: {e}")
        });
    assert!(status.success(), "`npm ci` failed in {}", root.display());
}
