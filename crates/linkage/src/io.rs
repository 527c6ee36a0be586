//! Lists as files: CSV in (column roles recognised from Thai or English headers, or given),
//! pairs and clusters out. For the standalone mode (`ruamjai link dedup|match`), which needs no
//! database.

use std::collections::HashMap;
use std::io::{Read, Write};

use rayon::prelude::*;

use crate::record::{RawRecord, Record};

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// The list's own record id.
    Id,
    /// Thai national ID.
    NationalId,
    /// Title prefix.
    Prefix,
    /// First name.
    FirstName,
    /// Last name.
    LastName,
    /// Another surname (maiden or married).
    OtherLastName,
    /// Whole name in one column.
    FullName,
    /// Sex.
    Sex,
    /// Birth date (any form; Buddhist era recognised).
    BirthDate,
    /// Birth year alone.
    BirthYear,
    /// DOPA village code.
    Village,
    /// House number.
    House,
    /// Phone.
    Phone,
}

/// Every role: its flag / mapping-file name and the headers that mean it.
pub const ROLES: [(Role, &str, &[&str]); 13] = [
    (Role::Id, "id", &["id", "record_id", "รหัส", "ลำดับ", "no"]),
    (
        Role::NationalId,
        "national-id",
        &[
            "national_id",
            "citizen_id",
            "cid",
            "pid",
            "เลขประจำตัวประชาชน",
            "เลขบัตรประชาชน",
            "เลขบัตร",
        ],
    ),
    (
        Role::Prefix,
        "prefix",
        &["prefix", "title", "คำนำหน้า", "คำนำหน้าชื่อ"],
    ),
    (
        Role::FirstName,
        "first-name",
        &["first_name", "firstname", "name", "given_name", "ชื่อ"],
    ),
    (
        Role::LastName,
        "last-name",
        &["last_name", "lastname", "surname", "family_name", "นามสกุล"],
    ),
    (
        Role::OtherLastName,
        "other-last-name",
        &[
            "other_last_name",
            "maiden_name",
            "previous_surname",
            "นามสกุลเดิม",
        ],
    ),
    (
        Role::FullName,
        "full-name",
        &["full_name", "fullname", "ชื่อ-นามสกุล", "ชื่อ นามสกุล", "ชื่อสกุล"],
    ),
    (Role::Sex, "sex", &["sex", "gender", "เพศ"]),
    (
        Role::BirthDate,
        "birth-date",
        &[
            "birth_date",
            "birthdate",
            "dob",
            "date_of_birth",
            "วันเกิด",
            "วันเดือนปีเกิด",
        ],
    ),
    (
        Role::BirthYear,
        "birth-year",
        &["birth_year", "year_of_birth", "ปีเกิด"],
    ),
    (
        Role::Village,
        "village",
        &["village_code", "village", "รหัสหมู่บ้าน"],
    ),
    (
        Role::House,
        "house",
        &["house_number", "house_no", "house", "บ้านเลขที่"],
    ),
    (
        Role::Phone,
        "phone",
        &[
            "phone",
            "mobile",
            "tel",
            "telephone",
            "โทรศัพท์",
            "เบอร์โทร",
            "เบอร์โทรศัพท์",
        ],
    ),
];

fn clean(h: &str) -> String {
    h.trim_start_matches('\u{feff}')
        .trim()
        .to_lowercase()
        .replace([' ', '-'], "_")
}

/// Which column holds which role.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Mapping(pub HashMap<Role, usize>);

impl Mapping {
    /// Recognise roles from the headers.
    pub fn recognise(headers: &[String]) -> Self {
        let mut m = HashMap::new();
        for (role, _, names) in ROLES {
            if let Some(i) = headers
                .iter()
                .position(|h| names.iter().any(|n| clean(n) == clean(h)))
            {
                m.entry(role).or_insert(i);
            }
        }
        Self(m)
    }

    /// Give a role to the column named `header` (or numbered, from 1), or take the role away
    /// with an empty name.
    pub fn set(&mut self, role: Role, header: &str, headers: &[String]) -> Result<(), String> {
        if header.trim().is_empty() {
            self.0.remove(&role);
            return Ok(());
        }
        let i = headers
            .iter()
            .position(|h| clean(h) == clean(header))
            .or_else(|| {
                header
                    .trim()
                    .parse::<usize>()
                    .ok()
                    .filter(|n| *n >= 1 && *n <= headers.len())
                    .map(|n| n - 1)
            })
            .ok_or_else(|| {
                format!(
                    "no column \"{}\" (columns: {})",
                    header.trim(),
                    headers.join(", ")
                )
            })?;
        self.0.insert(role, i);
        Ok(())
    }

    /// Apply a mapping file: lines `role = column` (`first-name = ชื่อ`), `#` comments.
    pub fn apply_file(&mut self, text: &str, headers: &[String]) -> Result<(), String> {
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (k, v) = line
                .split_once('=')
                .ok_or_else(|| format!("mapping line {}: expected `role = column`", n + 1))?;
            let role = role_named(k.trim())
                .ok_or_else(|| format!("mapping line {}: unknown role \"{}\"", n + 1, k.trim()))?;
            self.set(role, v.trim().trim_matches('"'), headers)?;
        }
        Ok(())
    }
}

/// A role by its flag name (`first-name`, `first_name`).
pub fn role_named(name: &str) -> Option<Role> {
    let name = name.replace('_', "-");
    ROLES
        .iter()
        .find(|(_, n, _)| *n == name)
        .map(|(r, _, _)| *r)
}

/// Read a CSV list (UTF-8, with or without BOM) with a mapping made from its headers by
/// `map` (recognised roles already in it). The text is read whole, cut into pieces at line ends
/// outside quotes, and the pieces are parsed and normalised on every core.
pub fn read_csv(
    mut input: impl Read,
    map: impl FnOnce(&[String]) -> Result<Mapping, String>,
) -> Result<Vec<Record>, String> {
    let mut text = Vec::new();
    input
        .read_to_end(&mut text)
        .map_err(|e| format!("cannot read: {e}"))?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_slice());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| format!("cannot read the header line: {e}"))?
        .iter()
        .map(str::to_owned)
        .collect();
    let body = usize::try_from(reader.position().byte())
        .unwrap_or(text.len())
        .min(text.len());
    let mapping = map(&headers)?;
    if !mapping.0.contains_key(&Role::FirstName)
        && !mapping.0.contains_key(&Role::FullName)
        && !mapping.0.contains_key(&Role::NationalId)
    {
        return Err(
            "no column for a name or a national ID: give --first-name/--full-name/--national-id"
                .into(),
        );
    }
    let pieces: Vec<Result<Vec<Record>, (usize, String)>> = pieces(&text[body..])
        .par_iter()
        .map(|piece| {
            let mut r = csv::ReaderBuilder::new()
                .flexible(true)
                .has_headers(false)
                .from_reader(*piece);
            let mut out = Vec::new();
            let mut row = csv::StringRecord::new();
            loop {
                match r.read_record(&mut row) {
                    Ok(true) => out.push(Record::from_raw(&raw_of(&row, &mapping))),
                    Ok(false) => return Ok(out),
                    Err(e) => return Err((out.len(), e.to_string())),
                }
            }
        })
        .collect();
    // The text is no longer needed: free it before the records are gathered.
    drop(reader);
    drop(text);
    let total = pieces.iter().map(|p| p.as_ref().map_or(0, Vec::len)).sum();
    let mut records: Vec<Record> = Vec::with_capacity(total);
    for piece in pieces {
        match piece {
            Ok(mut rs) => records.append(&mut rs),
            Err((k, e)) => return Err(format!("line {}: {e}", records.len() + k + 2)),
        }
    }
    // Without an id, records are named by their line in the file.
    records
        .par_iter_mut()
        .enumerate()
        .filter(|(_, r)| r.id.is_empty())
        .for_each(|(n, r)| r.id = (n + 2).to_string());
    Ok(records)
}

/// Cut CSV text into pieces of about a megabyte or more, each ending at a line end outside
/// quotes (a quoted field may hold line ends).
fn pieces(text: &[u8]) -> Vec<&[u8]> {
    let target = (text.len() / (rayon::current_num_threads() * 16)).max(1 << 20);
    let mut out = Vec::new();
    let (mut start, mut quoted) = (0, false);
    for (k, b) in text.iter().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted && k + 1 - start >= target => {
                out.push(&text[start..=k]);
                start = k + 1;
            }
            _ => {}
        }
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

/// Rows written at a time (by one thread).
const CHUNK: usize = 32_768;

/// The raw record of a data row (the id left empty when the list has none for it).
fn raw_of(row: &csv::StringRecord, mapping: &Mapping) -> RawRecord {
    let get = |role: Role| -> String {
        mapping
            .0
            .get(&role)
            .and_then(|&i| row.get(i))
            .unwrap_or("")
            .trim()
            .to_owned()
    };
    RawRecord {
        id: get(Role::Id),
        national_id: get(Role::NationalId),
        prefix: get(Role::Prefix),
        first_name: get(Role::FirstName),
        last_name: get(Role::LastName),
        other_last_name: get(Role::OtherLastName),
        full_name: get(Role::FullName),
        sex: get(Role::Sex),
        birth_date: get(Role::BirthDate),
        birth_year: get(Role::BirthYear),
        village_code: get(Role::Village),
        house_number: get(Role::House),
        phone: get(Role::Phone),
    }
}

/// Write `left_id,right_id,match_probability` (probability with 4 decimals). The lines are
/// made on every core, a chunk at a time, and written in order.
pub fn write_pairs(
    mut out: impl Write,
    left: &[Record],
    right: &[Record],
    pairs: &[(u32, u32, f32)],
) -> std::io::Result<()> {
    out.write_all(b"left_id,right_id,match_probability\n")?;
    for group in pairs.chunks(CHUNK * 16) {
        let parts: Vec<std::io::Result<Vec<u8>>> = group
            .par_chunks(CHUNK)
            .map(|part| {
                let mut w = csv::WriterBuilder::new()
                    .has_headers(false)
                    .from_writer(Vec::with_capacity(part.len() * 32));
                for &(i, j, p) in part {
                    w.write_record([
                        left[i as usize].id.as_str(),
                        right[j as usize].id.as_str(),
                        &format!("{p:.4}"),
                    ])?;
                }
                w.into_inner().map_err(|e| e.into_error())
            })
            .collect();
        for part in parts {
            out.write_all(&part?)?;
        }
    }
    out.flush()
}

/// Write `record_id,cluster_id` (the cluster named by its first record's id).
pub fn write_clusters(out: impl Write, records: &[Record], cluster: &[u32]) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(["record_id", "cluster_id"])?;
    for (r, c) in records.iter().zip(cluster) {
        w.write_record([r.id.as_str(), records[*c as usize].id.as_str()])?;
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Vec<Record>, String> {
        read_csv(text.as_bytes(), |h| Ok(Mapping::recognise(h)))
    }

    #[test]
    fn pieces_end_at_line_ends_outside_quotes() {
        let mut text = String::new();
        for k in 0..200_000 {
            text.push_str(&format!("{k},\"a\nb\",c\n"));
        }
        let parts = pieces(text.as_bytes());
        assert!(parts.len() > 1);
        assert_eq!(parts.concat(), text.as_bytes());
        for p in &parts {
            assert_eq!(p.last(), Some(&b'\n'));
            assert_eq!(p.iter().filter(|b| **b == b'"').count() % 2, 0);
        }
    }

    #[test]
    fn a_list_read_in_pieces_keeps_its_order_and_line_numbers() {
        let mut text = String::from("\u{feff}ชื่อ,นามสกุล,note\n");
        for k in 0..120_000 {
            text.push_str(&format!("สมชาย{k},ใจดี,\"line\nbreak\"\n"));
        }
        let rs = read(&text).unwrap();
        assert_eq!(rs.len(), 120_000);
        // No id column: named by the row (the header is line 1).
        assert_eq!(rs[0].id, "2");
        assert_eq!(rs[119_999].id, "120001");
        assert!(
            rs[119_999]
                .first
                .as_ref()
                .unwrap()
                .folded
                .ends_with("119999")
        );
        // An id column is kept.
        let rs = read("id,first_name\nx7,มาลี\n,บุญมี\n").unwrap();
        assert_eq!(rs[0].id, "x7");
        assert_eq!(rs[1].id, "3");
        assert!(read("id,note\n1,x\n").is_err());
    }
}
