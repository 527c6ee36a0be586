//! `ruamjai demo`: a fresh SQLite file with Nan province set up as a demo, accounts for each
//! role with random passwords printed once, then the server.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use rand::Rng;
use ruamjai_domain::areas::AreaCode;
use ruamjai_domain::areas::AreaLevel;
use ruamjai_domain::audit::RequestMeta;
use ruamjai_domain::auth::Actor;
use ruamjai_domain::auth::Role;
use ruamjai_store::Store;
use ruamjai_store::areas::VillageRow;
use ruamjai_store::auth::NewUser;
use ruamjai_store::registry::PreparedImport;
use ruamjai_web::WebConfig;

use crate::config::DEFAULT_LISTEN;
use crate::demo_data;

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The SQLite file to (re)create.
    #[arg(long, default_value = "ruamjai-demo.db")]
    file: PathBuf,
    /// Address to listen on.
    #[arg(long, env = "RUAMJAI_LISTEN", default_value = DEFAULT_LISTEN)]
    listen: String,
    /// Create the file and accounts, print them, and exit without serving.
    #[arg(long)]
    no_serve: bool,
    /// Size of the generated population: 1.0 ≈ 480,000 persons (Nan); 0.01 for a quick look;
    /// 2.0 or more for benchmarks.
    #[arg(long, default_value_t = 1.0)]
    scale: f64,
    /// Write the generated data as `villages.csv` and `persons.csv` into this directory (in the
    /// formats `ruamjai areas import-villages` and `ruamjai import persons` read) and exit,
    /// without any database: test data for benchmarks.
    #[arg(long, value_name = "DIR")]
    csv_dir: Option<PathBuf>,
}

/// `--csv-dir`: the same generated province as files.
fn write_csv_dir(dir: &std::path::Path, scale: f64) -> anyhow::Result<()> {
    use std::io::Write;
    std::fs::create_dir_all(dir)?;
    let subs: Vec<AreaCode> = ruamjai_domain::areas::catalogue()
        .iter()
        .filter(|a| a.code.level() == AreaLevel::Subdistrict && a.code.as_str().starts_with("55"))
        .map(|a| a.code.clone())
        .collect();
    let villages = demo_data::villages(&subs, SEED);
    let mut v = csv::Writer::from_path(dir.join("villages.csv"))?;
    v.write_record(["subdistrict_code", "village_no", "name_th", "name_en"])?;
    for x in &villages {
        v.write_record([
            &x.code.as_str()[..6],
            x.code.as_str()[6..].trim_start_matches('0'),
            &x.name_th,
            &x.name_en,
        ])?;
    }
    v.flush()?;
    let mut w = csv::Writer::from_writer(std::io::BufWriter::new(std::fs::File::create(
        dir.join("persons.csv"),
    )?));
    w.write_record([
        "id_kind",
        "id_number",
        "prefix",
        "first_name",
        "last_name",
        "sex",
        "birth_date",
        "phone",
        "village_code",
        "house_number",
        "relation",
        "lat",
        "lon",
        "categories",
    ])?;
    let today = ruamjai_store::registry::today();
    let mut n = 0usize;
    for h in demo_data::households(&villages, scale, SEED, today) {
        for m in h.members {
            let p = &m.person;
            let cats: Vec<&str> = m.categories.iter().map(|c| c.category.as_str()).collect();
            w.write_record([
                p.id_kind.as_str(),
                p.id_number.as_deref().unwrap_or(""),
                p.prefix.as_deref().unwrap_or(""),
                &p.first_name,
                &p.last_name,
                p.sex.map(|s| s.as_str()).unwrap_or(""),
                &p.birth.map(|b| b.iso()).unwrap_or_default(),
                p.phone.as_deref().unwrap_or(""),
                p.village.as_str(),
                p.house_number.as_deref().unwrap_or(""),
                p.relation.map(|r| r.as_str()).unwrap_or(""),
                &p.location
                    .map(|l| format!("{:.6}", l.0))
                    .unwrap_or_default(),
                &p.location
                    .map(|l| format!("{:.6}", l.1))
                    .unwrap_or_default(),
                &cats.join(","),
            ])?;
            n += 1;
        }
    }
    w.flush()?;
    std::io::stdout().flush()?;
    println!(
        "{} villages and {n} persons written to {}",
        villages.len(),
        dir.display()
    );
    Ok(())
}

/// Demo accounts: (e-mail, name, role, area).
const ACCOUNTS: &[(&str, &str, Role, Option<&str>)] = &[
    (
        "admin@demo.ruamjai.local",
        "ผู้ดูแลระบบ (สาธิต)",
        Role::Admin,
        None,
    ),
    (
        "nan@demo.ruamjai.local",
        "ศูนย์ประสานงานจังหวัดน่าน",
        Role::AreaAdmin,
        Some("55"),
    ),
    (
        "mueangnan@demo.ruamjai.local",
        "แอดมินอำเภอเมืองน่าน",
        Role::AreaAdmin,
        Some("5501"),
    ),
    (
        "staff@demo.ruamjai.local",
        "เจ้าหน้าที่ รพ.สต. ในเวียง",
        Role::Staff,
        Some("550101"),
    ),
    (
        "osm@demo.ruamjai.local",
        "อสม. หมู่ 1 ในเวียง",
        Role::Operator,
        Some("55010101"),
    ),
    (
        "viewer@demo.ruamjai.local",
        "ผู้ดูข้อมูลสรุปจังหวัดน่าน",
        Role::Viewer,
        Some("55"),
    ),
];

fn random_password() -> String {
    // Unambiguous letters and digits; 16 characters ≈ 90 bits.
    const CHARS: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..16)
        .map(|_| CHARS[rng.random_range(0..CHARS.len())] as char)
        .collect()
}

/// Seed of the generated demo data: the same seed gives the same province.
const SEED: u64 = 55;

/// Villages and persons of a Nan-like province, generated (deterministic for a seed): the real
/// districts and subdistricts of Nan from the catalogue, ~900 villages, ~480,000 persons × scale.
async fn fill_province(
    store: &Store,
    admin: &Actor,
    scale: f64,
    meta: &RequestMeta,
) -> anyhow::Result<()> {
    let nan = AreaCode::parse("55").expect("valid code");
    let subs = store
        .area_codes_under(admin, &nan, AreaLevel::Subdistrict)
        .await?;
    let villages = demo_data::villages(&subs, SEED);
    let rows: Vec<VillageRow> = villages
        .iter()
        .enumerate()
        .map(|(i, v)| VillageRow {
            line: i + 2,
            subdistrict: v.code.as_str()[..6].to_owned(),
            village_no: v.code.as_str()[6..].trim_start_matches('0').to_owned(),
            name_th: v.name_th.clone(),
            name_en: v.name_en.clone(),
        })
        .collect();
    match store
        .import_villages(Some(admin), &rows, false, meta)
        .await?
    {
        Ok(_) => {}
        Err(bad) => anyhow::bail!("demo villages rejected: {bad:?}"),
    }
    let today = ruamjai_store::registry::today();
    // Written in batches (each a recorded import, all or nothing) so that memory stays bounded
    // however large the scale; households split across batches are found again by house number.
    const BATCH: usize = 250_000;
    let estimate = (villages.len() as f64 * demo_data::PERSONS_PER_VILLAGE * scale) as u64;
    println!(
        "{} villages, about {estimate} persons: writing…",
        villages.len()
    );
    let pb = indicatif::ProgressBar::new(estimate);
    pb.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} persons ({per_sec}, {eta})")
            .expect("valid template")
            .progress_chars("=> "),
    );
    let mut batch = Vec::with_capacity(BATCH);
    let mut written = 0u64;
    let mut households = demo_data::households(&villages, scale, SEED, today).peekable();
    while let Some(h) = households.next() {
        let dims = h.dims;
        batch.extend(
            h.members
                .into_iter()
                .map(|m| (m.person, m.categories, Some(dims))),
        );
        if batch.len() >= BATCH || households.peek().is_none() {
            let n = batch.len() as u64;
            let prepared = PreparedImport::from_inputs(std::mem::take(&mut batch));
            let base = written;
            let shown = pb.clone();
            let progress = move |phase: &'static str, done: usize, _total: usize| {
                if phase == "write" {
                    shown.set_position(base + done as u64);
                }
            };
            store
                .import_prepared(admin, "demo", prepared, &progress, meta)
                .await
                .map_err(crate::describe)?;
            written += n;
            pb.set_position(written);
        }
    }
    pb.finish_and_clear();
    println!("{written} persons written; counting…");
    store.refresh_counts().await.map_err(crate::describe)?;
    Ok(())
}

pub async fn run(args: &DemoArgs) -> anyhow::Result<()> {
    if let Some(dir) = &args.csv_dir {
        return write_csv_dir(dir, args.scale);
    }
    for suffix in ["", "-wal", "-shm"] {
        let mut p = args.file.clone().into_os_string();
        p.push(suffix);
        match std::fs::remove_file(&p) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("cannot remove {p:?}")),
        }
    }
    let url = Store::sqlite_url(&args.file);
    let store = crate::open_store(&url).await?;
    let meta = RequestMeta::cli();
    let mut printed = Vec::new();
    // The administrator first, then the villages, then the accounts that live in them.
    for (i, (email, name, role, area)) in ACCOUNTS.iter().enumerate() {
        let password = random_password();
        let made = store
            .create_user(
                None,
                NewUser {
                    email: (*email).into(),
                    display_name: (*name).into(),
                    password: Some(password.clone()),
                    locale: "th".into(),
                },
                Some((
                    *role,
                    area.map(|a| AreaCode::parse(a).expect("demo codes are valid")),
                )),
                &meta,
            )
            .await
            .map_err(|e| anyhow::anyhow!("demo account {email}: {e}"))?;
        printed.push((*email, password, *role, *area));
        // The provincial centre also holds the `sensitive` permission, to show what it opens.
        if *email == "nan@demo.ruamjai.local" {
            store
                .grant_role_cli(
                    made.user.id,
                    Role::Sensitive,
                    area.map(|a| AreaCode::parse(a).expect("demo codes are valid")),
                )
                .await
                .map_err(crate::describe)?;
        }
        if i == 0 {
            let admin = store.actor(made.user.id).await?;
            let started = std::time::Instant::now();
            fill_province(&store, &admin, args.scale, &meta).await?;
            println!(
                "demo data ready in {:.1} s",
                started.elapsed().as_secs_f64()
            );
        }
    }
    println!("ruamjai demo — {}", args.file.display());
    println!("Demo accounts (passwords are shown only now):");
    for (email, password, role, area) in &printed {
        println!(
            "  {:<30} {:<18} {:<11} {}",
            email,
            password,
            role.as_str(),
            area.unwrap_or("whole country")
        );
    }
    if args.no_serve {
        return Ok(());
    }
    println!("Open http://{}/ and sign in.", args.listen);
    let config = WebConfig {
        base_url: format!("http://{}", args.listen),
        ..WebConfig::default()
    };
    crate::serve::serve(store, &args.listen, config).await
}
