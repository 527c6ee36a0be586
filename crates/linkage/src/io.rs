//! Lists as files: CSV in (column roles recognised from Thai or English headers, or given),
//! pairs and clusters out. For the standalone mode (`ruamjai link dedup|match`), which needs no
//! database.

use std::collections::HashMap;
use std::io::{Read, Write};

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
/// `map` (recognised roles already in it).
pub fn read_csv(
    input: impl Read,
    map: impl FnOnce(&[String]) -> Result<Mapping, String>,
) -> Result<Vec<Record>, String> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| format!("cannot read the header line: {e}"))?
        .iter()
        .map(str::to_owned)
        .collect();
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
    let mut records = Vec::new();
    for (n, row) in reader.records().enumerate() {
        let row = row.map_err(|e| format!("line {}: {e}", n + 2))?;
        let get = |role: Role| -> String {
            mapping
                .0
                .get(&role)
                .and_then(|&i| row.get(i))
                .unwrap_or("")
                .trim()
                .to_owned()
        };
        // Without an id column, records are named by their line in the file.
        let id = match get(Role::Id) {
            s if s.is_empty() => (n + 2).to_string(),
            s => s,
        };
        let raw = RawRecord {
            id,
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
        };
        records.push(Record::from_raw(&raw));
    }
    Ok(records)
}

/// Write `left_id,right_id,match_probability` (probability with 4 decimals).
pub fn write_pairs(
    out: impl Write,
    left: &[Record],
    right: &[Record],
    pairs: &[(u32, u32, f32)],
) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(["left_id", "right_id", "match_probability"])?;
    for &(i, j, p) in pairs {
        w.write_record([
            left[i as usize].id.as_str(),
            right[j as usize].id.as_str(),
            &format!("{p:.4}"),
        ])?;
    }
    w.flush()
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
