//! `ruamjai demo`: a fresh SQLite file with Nan province set up as a demo, accounts for each
//! role with random passwords printed once, then the server.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use rand::Rng;
use ruamjai_domain::areas::AreaCode;
use ruamjai_domain::audit::RequestMeta;
use ruamjai_domain::auth::Role;
use ruamjai_store::Store;
use ruamjai_store::areas::NewVillage;
use ruamjai_store::auth::NewUser;
use ruamjai_web::WebConfig;

use crate::config::DEFAULT_LISTEN;

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
}

/// Villages of the demo: (subdistrict, หมู่ที่, Thai name, English name).
const VILLAGES: &[(&str, u8, &str, &str)] = &[
    ("550101", 1, "บ้านภูมินทร์", "Ban Phumin"),
    ("550101", 2, "บ้านมณเฑียร", "Ban Monthian"),
    ("550101", 3, "บ้านสวนตาล", "Ban Suan Tan"),
    ("550102", 1, "บ้านพญาภู", "Ban Phaya Phu"),
    ("550102", 2, "บ้านเชียงแข็ง", "Ban Chiang Khaeng"),
];

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

async fn create_villages(
    store: &Store,
    admin: &ruamjai_domain::auth::Actor,
    meta: &RequestMeta,
) -> anyhow::Result<()> {
    for (sub, no, th, en) in VILLAGES {
        store
            .create_village(
                admin,
                &AreaCode::parse(sub).expect("demo codes are valid"),
                NewVillage {
                    village_no: *no,
                    name_th: (*th).into(),
                    name_en: (*en).into(),
                },
                meta,
            )
            .await
            .map_err(|e| anyhow::anyhow!("demo village {sub}/{no}: {e}"))?;
    }
    Ok(())
}

pub async fn run(args: &DemoArgs) -> anyhow::Result<()> {
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
        if i == 0 {
            let admin = store.actor(made.user.id).await?;
            create_villages(&store, &admin, &meta).await?;
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
