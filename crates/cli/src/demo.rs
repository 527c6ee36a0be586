//! `ruamjai demo`: a fresh SQLite file with Nan province set up as a demo, accounts for each
//! role with random passwords printed once, then the server.

mod hazards;

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
    fill_network(store, admin, &villages, meta).await
}

/// The province's network: a hospital per district, a health centre and a subdistrict
/// administration per subdistrict, provincial partners, a provincial network, two or three
/// volunteers per village (imported as a list, like a user would), some hours given, and a
/// course of the volunteer college completed by the first village health volunteers.
async fn fill_network(
    store: &Store,
    admin: &Actor,
    villages: &[demo_data::DemoVillage],
    meta: &RequestMeta,
) -> anyhow::Result<()> {
    use ruamjai_domain::network::{
        CourseInput, HoursInput, Offer, OrgType, OrganisationInput, Sector, SessionInput, Skill,
        VolunteerKind,
    };
    use ruamjai_store::network::VolunteerQuery;
    let name_of = |code: &str| -> String {
        ruamjai_domain::areas::catalogue()
            .iter()
            .find(|a| a.code.as_str() == code)
            .map(|a| a.name_th.clone())
            .unwrap_or_default()
    };
    let org = |name: String, sector, org_type, area: &str, offers: Vec<Offer>| OrganisationInput {
        name_th: name,
        name_en: None,
        sector,
        org_type,
        area: AreaCode::parse(area).expect("demo codes are valid"),
        contact_name: None,
        phone: None,
        email: None,
        offers,
        offer_note: None,
    };
    let mut partners = vec![
        org(
            "มูลนิธิรักษ์เมืองน่าน".into(),
            Sector::People,
            OrgType::Foundation,
            "55",
            vec![Offer::Goods, Offer::Money, Offer::Skills],
        ),
        org(
            "ชมรมผู้สูงอายุจังหวัดน่าน".into(),
            Sector::People,
            OrgType::Association,
            "55",
            vec![Offer::Skills],
        ),
        org(
            "วิทยาลัยพยาบาลในจังหวัดน่าน".into(),
            Sector::Academic,
            OrgType::University,
            "55",
            vec![Offer::Skills, Offer::Places],
        ),
        org(
            "หอการค้าจังหวัดน่าน".into(),
            Sector::Private,
            OrgType::Association,
            "55",
            vec![Offer::Money, Offer::Goods, Offer::Vehicles],
        ),
        org(
            "วิทยุชุมชนคนน่าน".into(),
            Sector::Media,
            OrgType::MediaOutlet,
            "55",
            vec![Offer::Skills],
        ),
        org(
            "องค์การบริหารส่วนจังหวัดน่าน".into(),
            Sector::LocalGovernment,
            OrgType::Pao,
            "55",
            vec![Offer::Money, Offer::Vehicles, Offer::Places],
        ),
    ];
    let mut districts: Vec<String> = villages
        .iter()
        .map(|v| v.code.as_str()[..4].to_owned())
        .collect();
    districts.dedup();
    for d in &districts {
        let n = name_of(d);
        partners.push(org(
            format!("โรงพยาบาล{n}"),
            Sector::Government,
            OrgType::Hospital,
            d,
            vec![Offer::Skills, Offer::Vehicles],
        ));
        partners.push(org(
            format!("วัดประจำอำเภอ{n}"),
            Sector::Religious,
            OrgType::Temple,
            d,
            vec![Offer::Places, Offer::Goods],
        ));
    }
    let mut subs: Vec<String> = villages
        .iter()
        .map(|v| v.code.as_str()[..6].to_owned())
        .collect();
    subs.dedup();
    for s in &subs {
        let n = name_of(s);
        partners.push(org(
            format!("รพ.สต.{n}"),
            Sector::Government,
            OrgType::HealthCentre,
            s,
            vec![Offer::Skills],
        ));
        partners.push(org(
            format!("อบต.{n}"),
            Sector::LocalGovernment,
            OrgType::Sao,
            s,
            vec![Offer::Money, Offer::Places],
        ));
    }
    let mut lead = None;
    let mut hospitals = Vec::new();
    for p in partners {
        let hospital = p.org_type == OrgType::Hospital;
        let id = store
            .create_organisation(admin, p, meta)
            .await
            .map_err(crate::describe)?;
        lead.get_or_insert(id);
        if hospital {
            hospitals.push(id);
        }
    }
    let net = store
        .create_network(
            admin,
            "เครือข่ายจิตอาสาจังหวัดน่าน",
            &AreaCode::parse("55").expect("valid"),
            lead,
            meta,
        )
        .await
        .map_err(crate::describe)?;
    for h in hospitals {
        store
            .join_network(admin, net, h, meta)
            .await
            .map_err(crate::describe)?;
    }

    // Volunteers as a list file would bring them.
    let generated = demo_data::volunteers(villages, SEED);
    let headers = [
        "prefix",
        "first_name",
        "last_name",
        "kind",
        "phone",
        "area_code",
        "lat",
        "lon",
        "skills",
        "languages",
        "availability",
    ];
    let rows: Vec<ruamjai_store::tabular::TableRow> = generated
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let x = &v.input;
            ruamjai_store::tabular::TableRow {
                line: i + 2,
                cells: vec![
                    x.prefix.clone().unwrap_or_default(),
                    x.first_name.clone(),
                    x.last_name.clone(),
                    x.kind.as_str().into(),
                    x.phone.clone().unwrap_or_default(),
                    x.area.to_string(),
                    x.home.map(|h| h.0.to_string()).unwrap_or_default(),
                    x.home.map(|h| h.1.to_string()).unwrap_or_default(),
                    x.skills
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(","),
                    x.languages
                        .iter()
                        .map(|l| l.as_str())
                        .collect::<Vec<_>>()
                        .join(","),
                    x.availability.to_text(),
                ],
            }
        })
        .collect();
    let columns = ruamjai_domain::network::import::VOLUNTEER_COLUMNS;
    let headers: Vec<String> = headers.iter().map(|h| (*h).to_owned()).collect();
    let plan = ruamjai_store::network::import::ListPlan {
        file_name: "demo-volunteers".into(),
        file_sha256: String::new(),
        map: ruamjai_domain::network::import::recognise(columns, &headers),
        default_area: None,
        dry_run: false,
    };
    let report = store
        .import_volunteers(admin, &plan, rows, meta)
        .await
        .map_err(crate::describe)?;
    if !report.errors.is_empty() {
        anyhow::bail!(
            "demo volunteers rejected: {:?}",
            &report.errors[..report.errors.len().min(3)]
        );
    }
    // Hours given, by phone number (unique in the generated list).
    let all = store
        .list_volunteers(
            admin,
            &VolunteerQuery {
                limit: 1000,
                ..Default::default()
            },
            meta,
        )
        .await
        .map_err(crate::describe)?;
    let by_phone: std::collections::HashMap<String, i64> = all
        .iter()
        .filter_map(|v| Some((v.phone.clone()?, v.id)))
        .collect();
    let today = ruamjai_store::registry::today();
    let mut entries = Vec::new();
    for v in &generated {
        if let Some(id) = v.input.phone.as_ref().and_then(|p| by_phone.get(p)) {
            for (days, minutes, activity) in &v.hours {
                entries.push((
                    *id,
                    HoursInput {
                        date: today - chrono::Duration::days(*days),
                        minutes: *minutes,
                        activity: (*activity).into(),
                    },
                ));
            }
        }
    }
    store
        .log_hours_many(admin, entries, meta)
        .await
        .map_err(crate::describe)?;

    // The college: an ADL assessment course, a session last month, the first health volunteers
    // of Mueang Nan trained and certified.
    let course = store
        .create_course(
            admin,
            CourseInput {
                title_th: "การประเมินความสามารถในการทำกิจวัตรประจำวัน (ADL)".into(),
                title_en: Some("ADL assessment (Barthel index)".into()),
                area: AreaCode::parse("55").expect("valid"),
                skills: vec![Skill::AdlAssessment, Skill::HomeVisit],
                hours: Some(6),
                description: Some(
                    "การประเมินดัชนีบาร์เธลเอดีแอล 10 ข้อ และการจัดกลุ่มติดสังคม ติดบ้าน ติดเตียง".into(),
                ),
            },
            meta,
        )
        .await
        .map_err(crate::describe)?;
    let held_on = today - chrono::Duration::days(30);
    let session = store
        .create_course_session(
            admin,
            course,
            SessionInput {
                date: held_on,
                place: "โรงพยาบาลน่าน".into(),
                trainer: Some("พยาบาลวิชาชีพ".into()),
                capacity: Some(40),
            },
            meta,
        )
        .await
        .map_err(crate::describe)?;
    let vhvs = store
        .list_volunteers(
            admin,
            &VolunteerQuery {
                area: Some(AreaCode::parse("5501").expect("valid")),
                kind: Some(VolunteerKind::HealthVolunteer),
                limit: 25,
                ..Default::default()
            },
            meta,
        )
        .await
        .map_err(crate::describe)?;
    for v in vhvs {
        let e = store
            .enrol(admin, session, v.id, meta)
            .await
            .map_err(crate::describe)?;
        store
            .mark_attendance(admin, e, true, meta)
            .await
            .map_err(crate::describe)?;
        store
            .complete_course(admin, e, held_on, meta)
            .await
            .map_err(crate::describe)?;
    }
    println!(
        "network: {} volunteers, a provincial network, one course completed by the first health volunteers",
        report.added
    );
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
    let mut ids = std::collections::HashMap::new();
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
        ids.insert(*email, made.user.id);
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
    let actor = |email: &str| store.actor(ids[email]);
    let started = std::time::Instant::now();
    let visits = crate::demo_care::fill(
        &store,
        &actor("admin@demo.ruamjai.local").await?,
        &actor("osm@demo.ruamjai.local").await?,
        &actor("staff@demo.ruamjai.local").await?,
        &actor("mueangnan@demo.ruamjai.local").await?,
        &meta,
    )
    .await?;
    println!(
        "care: {visits} home visits, plans and an issue group in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let alerts = hazards::fill(
        &store,
        &actor("admin@demo.ruamjai.local").await?,
        &actor("osm@demo.ruamjai.local").await?,
    )
    .await?;
    let zones = hazards::zones(&store, &actor("admin@demo.ruamjai.local").await?).await?;
    println!("disaster watch: 2 stations, 40 readings, {alerts} alerts, {zones} hazard zones");
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
