//! Exposure of many points: read `id,lat,lon` CSV in chunks, find every zone containing each
//! point on every core, and write `point_id,zone_id` rows in input point order then zone order.
//! Memory stays bounded by the chunk size whatever the number of points.
//!
//! The CSV reader is deliberately small and fast: a header row naming the columns `id`, `lat`
//! (or `latitude`) and `lon` (or `lng`, `long`, `longitude`) in any order and case, fields
//! separated by commas, optionally double-quoted (a quoted field may contain commas and `""`
//! but not a line break). A row with both coordinates empty is a point without a location: it
//! is counted and skipped. Any other bad row stops the run with its line number.

use std::io::{Read, Write};

use rayon::prelude::*;

use crate::zones::ZoneSet;

/// Bytes of CSV read per chunk (a chunk's points are processed on every core, then written).
pub const CHUNK_BYTES: usize = 16 << 20;

/// Why an exposure run failed.
#[derive(Debug, thiserror::Error)]
pub enum ExposureError {
    /// Reading the points or writing the output failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The header row lacks a column or the file is empty.
    #[error("header: {0}")]
    Header(String),
    /// A row is bad.
    #[error("line {line}: {problem}")]
    Row {
        /// Its line number in the file (1 is the header).
        line: u64,
        /// What is wrong.
        problem: String,
    },
}

/// What a run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Points read (with a location).
    pub points: u64,
    /// Rows with both coordinates empty (no location; not tested).
    pub without_location: u64,
    /// Rows written: (point, zone) containments.
    pub containments: u64,
    /// Points inside at least one zone.
    pub exposed_points: u64,
}

impl Summary {
    fn add(&mut self, o: &Summary) {
        self.points += o.points;
        self.without_location += o.without_location;
        self.containments += o.containments;
        self.exposed_points += o.exposed_points;
    }
}

#[derive(Debug, Clone, Copy)]
struct Columns {
    id: usize,
    lat: usize,
    lon: usize,
    count: usize,
}

/// Splits one line into raw fields (quotes kept), or says why it cannot.
fn split_fields<'a>(line: &'a [u8], out: &mut Vec<&'a [u8]>) -> Result<(), String> {
    out.clear();
    let mut i = 0;
    loop {
        let start = i;
        if line.get(i) == Some(&b'"') {
            i += 1;
            loop {
                match line.get(i) {
                    None => return Err("a quoted field is not closed on its line".into()),
                    Some(b'"') if line.get(i + 1) == Some(&b'"') => i += 2,
                    Some(b'"') => {
                        i += 1;
                        break;
                    }
                    Some(_) => i += 1,
                }
            }
            if !matches!(line.get(i), None | Some(b',')) {
                return Err("text after a quoted field".into());
            }
        } else {
            while !matches!(line.get(i), None | Some(b',')) {
                i += 1;
            }
        }
        out.push(&line[start..i]);
        if i >= line.len() {
            return Ok(());
        }
        i += 1; // the comma
    }
}

fn trim(f: &[u8]) -> &[u8] {
    f.trim_ascii()
}

/// The field's text without its quotes (numbers only: `""` is not unescaped).
fn unquote(f: &[u8]) -> &[u8] {
    let f = trim(f);
    if f.len() >= 2 && f[0] == b'"' && f[f.len() - 1] == b'"' {
        trim(&f[1..f.len() - 1])
    } else {
        f
    }
}

fn columns(header: &[u8]) -> Result<Columns, ExposureError> {
    let header = header.strip_prefix(b"\xef\xbb\xbf").unwrap_or(header);
    let header = header.strip_suffix(b"\r").unwrap_or(header);
    let mut fields = Vec::new();
    split_fields(header, &mut fields).map_err(ExposureError::Header)?;
    let names: Vec<String> = fields
        .iter()
        .map(|f| String::from_utf8_lossy(unquote(f)).to_lowercase())
        .collect();
    let find = |wanted: &[&str], what: &str| {
        names
            .iter()
            .position(|n| wanted.contains(&n.as_str()))
            .ok_or_else(|| {
                ExposureError::Header(format!(
                    "no {what} column (looked for {}; found {})",
                    wanted.join(", "),
                    names.join(", ")
                ))
            })
    };
    Ok(Columns {
        id: find(&["id", "point_id"], "id")?,
        lat: find(&["lat", "latitude"], "latitude")?,
        lon: find(&["lon", "lng", "long", "longitude"], "longitude")?,
        count: names.len(),
    })
}

fn coordinate(raw: &[u8], what: &str, range: f64) -> Result<f64, String> {
    let text = std::str::from_utf8(raw).map_err(|_| format!("{what} is not UTF-8 text"))?;
    let v: f64 = text
        .parse()
        .map_err(|_| format!("{what} {text:?} is not a number"))?;
    if !v.is_finite() || v.abs() > range {
        return Err(format!("{what} {text} is outside −{range}..{range}"));
    }
    Ok(v)
}

/// Writes a zone id as a CSV field (quoted when it needs to be).
fn csv_field(id: &str) -> Vec<u8> {
    if id.contains([',', '"', '\n', '\r']) || id.starts_with(' ') || id.ends_with(' ') {
        format!("\"{}\"", id.replace('"', "\"\"")).into_bytes()
    } else {
        id.as_bytes().to_vec()
    }
}

/// Processes one piece of whole lines into `out` (cleared first): `Ok((summary, line
/// breaks))` or `Err((line index within the piece, problem))`.
fn piece(
    zones: &ZoneSet,
    zone_fields: &[Vec<u8>],
    cols: Columns,
    text: &[u8],
    out: &mut Vec<u8>,
) -> Result<(Summary, u64), (u64, String)> {
    out.clear();
    let mut sum = Summary::default();
    let mut fields = Vec::with_capacity(cols.count);
    let mut found = Vec::new();
    let mut breaks = 0;
    for (n, line) in text.split(|&b| b == b'\n').enumerate() {
        breaks = n as u64;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.trim_ascii().is_empty() {
            continue;
        }
        let bad = |p: String| (n as u64, p);
        split_fields(line, &mut fields).map_err(bad)?;
        if fields.len() != cols.count {
            return Err(bad(format!(
                "{} fields, the header has {}",
                fields.len(),
                cols.count
            )));
        }
        let id = trim(fields[cols.id]);
        if id.is_empty() || id == b"\"\"" {
            return Err(bad("the id is empty".into()));
        }
        let (lat, lon) = (unquote(fields[cols.lat]), unquote(fields[cols.lon]));
        if lat.is_empty() && lon.is_empty() {
            sum.without_location += 1;
            continue;
        }
        let lat = coordinate(lat, "latitude", 90.0).map_err(bad)?;
        let lon = coordinate(lon, "longitude", 180.0).map_err(bad)?;
        sum.points += 1;
        found.clear();
        zones.zones_at(lon, lat, &mut found);
        if !found.is_empty() {
            sum.exposed_points += 1;
            sum.containments += found.len() as u64;
        }
        for &z in &found {
            out.extend_from_slice(id);
            out.push(b',');
            out.extend_from_slice(&zone_fields[z as usize]);
            out.push(b'\n');
        }
    }
    Ok((sum, breaks))
}

/// Cuts `text` (whole lines) into about `n` pieces at line ends.
fn pieces(text: &[u8], n: usize) -> Vec<&[u8]> {
    let mut out = Vec::with_capacity(n);
    let mut rest = text;
    let size = text.len().div_ceil(n.max(1)).max(1);
    while !rest.is_empty() {
        if rest.len() <= size {
            out.push(rest);
            break;
        }
        let cut = match rest[size..].iter().position(|&b| b == b'\n') {
            Some(k) => size + k + 1,
            None => rest.len(),
        };
        out.push(&rest[..cut]);
        rest = &rest[cut..];
    }
    out
}

/// Reads points CSV from `input`, writes `point_id,zone_id` rows (with that header) to `out`.
/// `progress` is called with the bytes of input consumed so far.
pub fn run<R: Read + Send, W: Write>(
    zones: &ZoneSet,
    input: R,
    out: W,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Summary, ExposureError> {
    run_chunked(zones, input, out, progress, CHUNK_BYTES)
}

/// A buffer of whole lines from the reader thread: the buffer, how much of it is text, and
/// whether the input ended there.
type Filled = std::io::Result<(Vec<u8>, usize, bool)>;

/// Reads `input` into the buffers handed back on `empty`, cut after the last line break (the
/// rest carried to the next buffer), and sends them on `full`. Runs beside the processing so
/// that copying the file in overlaps the work on the chunk before.
fn reader<R: Read>(
    mut input: R,
    empty: &std::sync::mpsc::Receiver<Vec<u8>>,
    full: &std::sync::mpsc::SyncSender<Filled>,
) {
    let mut carry: Vec<u8> = Vec::new();
    while let Ok(mut buf) = empty.recv() {
        if buf.len() < carry.len() * 2 {
            buf.resize(carry.len() * 2, 0);
        }
        buf[..carry.len()].copy_from_slice(&carry);
        let mut filled = carry.len();
        let mut eof = false;
        let end = loop {
            while !eof && filled < buf.len() {
                match input.read(&mut buf[filled..]) {
                    Ok(0) => eof = true,
                    Ok(n) => filled += n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        let _ = full.send(Err(e));
                        return;
                    }
                }
            }
            if eof {
                break filled;
            }
            match buf[..filled].iter().rposition(|&b| b == b'\n') {
                Some(k) => break k + 1,
                // One line longer than the buffer: grow it and read on.
                None => {
                    let len = buf.len();
                    buf.resize(len * 2, 0);
                }
            }
        };
        carry.clear();
        carry.extend_from_slice(&buf[end..filled]);
        if full.send(Ok((buf, end, eof))).is_err() || eof {
            return;
        }
    }
}

fn run_chunked<R: Read + Send, W: Write>(
    zones: &ZoneSet,
    input: R,
    mut out: W,
    progress: &(dyn Fn(u64) + Sync),
    chunk: usize,
) -> Result<Summary, ExposureError> {
    let zone_fields: Vec<Vec<u8>> = zones.ids().iter().map(|id| csv_field(id)).collect();
    out.write_all(b"point_id,zone_id\n")?;
    let (to_fill, empty) = std::sync::mpsc::sync_channel::<Vec<u8>>(2);
    let (full_tx, full) = std::sync::mpsc::sync_channel::<Filled>(1);
    std::thread::scope(|s| {
        // Owned here so that an early return drops them and the reader stops.
        let (to_fill, full) = (to_fill, full);
        s.spawn(move || reader(input, &empty, &full_tx));
        // Two buffers for the whole run, never zeroed again (fresh memory is slow to come by):
        // one being filled while the other is processed.
        for _ in 0..2 {
            // (The reader may already have finished a short input.)
            let _ = to_fill.send(vec![0; chunk.max(1)]);
        }
        let mut cols: Option<Columns> = None;
        let mut line_no: u64 = 1; // the line number of the next buffer's first line
        let mut consumed: u64 = 0;
        let mut sum = Summary::default();
        let threads = rayon::current_num_threads() * 4;
        let mut outs: Vec<Vec<u8>> = Vec::new();
        while let Ok(msg) = full.recv() {
            let (buf, end, eof) = msg?;
            let mut text = &buf[..end];
            let mut first_line = line_no;
            let c = match cols {
                Some(c) => c,
                None => {
                    let h_end = text.iter().position(|&b| b == b'\n').unwrap_or(text.len());
                    if text[..h_end].trim_ascii().is_empty() {
                        return Err(ExposureError::Header(
                            "the file is empty or its first line is blank".into(),
                        ));
                    }
                    let c = columns(&text[..h_end])?;
                    text = &text[(h_end + 1).min(text.len())..];
                    first_line += 1;
                    cols = Some(c);
                    c
                }
            };
            let parts = pieces(text, threads);
            outs.resize_with(outs.len().max(parts.len()), Vec::new);
            let results: Vec<_> = parts
                .par_iter()
                .zip(outs.par_iter_mut())
                .map(|(p, o)| piece(zones, &zone_fields, c, p, o))
                .collect();
            let mut offset = first_line;
            for (r, o) in results.into_iter().zip(&outs) {
                match r {
                    Ok((s, lines)) => {
                        out.write_all(o)?;
                        sum.add(&s);
                        offset += lines;
                    }
                    Err((n, problem)) => {
                        return Err(ExposureError::Row {
                            line: offset + n,
                            problem,
                        });
                    }
                }
            }
            line_no = offset;
            consumed += end as u64;
            progress(consumed);
            if eof {
                break;
            }
            let _ = to_fill.send(buf);
        }
        drop(to_fill);
        if cols.is_none() {
            return Err(ExposureError::Header("the file is empty".into()));
        }
        out.flush()?;
        Ok(sum)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zones() -> ZoneSet {
        ZoneSet::from_geojson(
            r#"{"type":"FeatureCollection","features":[
              {"type":"Feature","id":"flood, lower","geometry":{"type":"Polygon","coordinates":[[[100,18],[101,18],[101,19],[100,19],[100,18]]]}},
              {"type":"Feature","id":"slide","geometry":{"type":"Polygon","coordinates":[[[100.5,18.5],[102,18.5],[102,20],[100.5,20],[100.5,18.5]]]}}
            ]}"#,
        )
        .unwrap()
    }

    fn exposure(csv: &str) -> Result<(String, Summary), ExposureError> {
        let mut out = Vec::new();
        let s = run(&zones(), csv.as_bytes(), &mut out, &|_| {})?;
        Ok((String::from_utf8(out).unwrap(), s))
    }

    #[test]
    fn rows_in_point_then_zone_order_with_quoted_ids() {
        let (out, s) = exposure(
            "\u{feff}ID,Lon,Lat\r\np1,100.2,18.2\r\n\"p,2\",100.7,18.7\r\np3,99,18\r\np4,,\r\n\np5,\"101\",\"19\"",
        )
        .unwrap();
        assert_eq!(
            out,
            "point_id,zone_id\np1,\"flood, lower\"\n\"p,2\",\"flood, lower\"\n\"p,2\",slide\np5,\"flood, lower\"\np5,slide\n"
        );
        assert_eq!(
            s,
            Summary {
                points: 4,
                without_location: 1,
                containments: 5,
                exposed_points: 3
            }
        );
    }

    #[test]
    fn bad_rows_are_named_by_their_line() {
        let e = exposure("id,lat,lon\na,18.2,100.2\nb,18.x,100\n").unwrap_err();
        assert_eq!(e.to_string(), "line 3: latitude \"18.x\" is not a number");
        let e = exposure("id,lat,lon\na,18.2,100.2\n\nb,95,100\n").unwrap_err();
        assert!(
            e.to_string().starts_with("line 4: latitude 95 is outside"),
            "{e}"
        );
        let e = exposure("id,lat,lon\na,18.2\n").unwrap_err();
        assert_eq!(e.to_string(), "line 2: 2 fields, the header has 3");
        let e = exposure("id,lat,lon\na,18.2,\n").unwrap_err();
        assert!(e.to_string().starts_with("line 2: longitude"), "{e}");
        let e = exposure("name,lat,lon\n").unwrap_err();
        assert!(e.to_string().contains("no id column"), "{e}");
        assert!(matches!(
            exposure("").unwrap_err(),
            ExposureError::Header(_)
        ));
    }

    #[test]
    fn lines_longer_than_a_chunk_are_read_whole() {
        let csv = "id,lat,lon\nfirst-point-with-a-long-id,18.5,100.5\nsecond,18.5,100.2\nthird,,\n";
        let mut out = Vec::new();
        let s = run_chunked(&zones(), csv.as_bytes(), &mut out, &|_| {}, 8).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "point_id,zone_id\nfirst-point-with-a-long-id,\"flood, lower\"\n\
             first-point-with-a-long-id,slide\nsecond,\"flood, lower\"\n"
        );
        assert_eq!((s.points, s.without_location), (2, 1));
        let e = run_chunked(
            &zones(),
            "id,lat,lon\na,1,1\nb,2,x\n".as_bytes(),
            &mut Vec::new(),
            &|_| {},
            8,
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "line 3: longitude \"x\" is not a number");
        // An error in the first chunk of many stops the reader too.
        let big = format!("id,lat,lon\nbad,x,1\n{}", "a,1,1\n".repeat(10_000));
        let e = run_chunked(&zones(), big.as_bytes(), &mut Vec::new(), &|_| {}, 64).unwrap_err();
        assert!(e.to_string().starts_with("line 2: latitude"), "{e}");
    }

    #[test]
    fn many_chunks_and_pieces_give_the_same_rows_as_one_by_one() {
        let z = zones();
        let mut csv = String::from("id,lat,lon\n");
        let mut expected = String::from("point_id,zone_id\n");
        let mut x: u64 = 7;
        let mut found = Vec::new();
        for i in 0..200_000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let lat = 17.5 + (x >> 40) as f64 / (1u64 << 24) as f64 * 3.0;
            let lon = 99.5 + (x >> 11 & 0xffffff) as f64 / (1u64 << 24) as f64 * 3.0;
            csv.push_str(&format!("pt{i},{lat},{lon}\n"));
            found.clear();
            z.zones_at(lon, lat, &mut found);
            for &k in &found {
                expected.push_str(&format!(
                    "pt{i},{}\n",
                    String::from_utf8(csv_field(&z.ids()[k as usize])).unwrap()
                ));
            }
        }
        let mut out = Vec::new();
        let last = std::sync::atomic::AtomicU64::new(0);
        let s = run_chunked(
            &z,
            csv.as_bytes(),
            &mut out,
            &|n| last.store(n, std::sync::atomic::Ordering::Relaxed),
            1 << 16,
        )
        .unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), expected);
        assert_eq!(s.points, 200_000);
        assert_eq!(last.into_inner(), csv.len() as u64);
    }
}
