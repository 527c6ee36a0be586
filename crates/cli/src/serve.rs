//! `ruamjai serve`: migrate, make sure there is a way in for the first administrator, serve.

use std::net::SocketAddr;

use anyhow::Context;
use clap::Args;
use ruamjai_domain::audit::RequestMeta;
use ruamjai_domain::auth::Role;
use ruamjai_store::Store;
use ruamjai_store::auth::{NewUser, SetupPurpose};
use ruamjai_web::WebConfig;

use crate::config::{DEFAULT_LISTEN, FileConfig};

/// Options of `serve` (and of `demo`, which serves too).
#[derive(Debug, Args, Default)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "RUAMJAI_LISTEN")]
    pub listen: Option<String>,
    /// Public base URL (for links printed in the terminal). Default: http://LISTEN.
    #[arg(long, env = "RUAMJAI_BASE_URL")]
    pub base_url: Option<String>,
    /// On an empty database, create the first administrator with this e-mail (password from
    /// RUAMJAI_ADMIN_PASSWORD, else a one-time set-up link is printed).
    #[arg(long, env = "RUAMJAI_ADMIN_EMAIL")]
    pub admin_email: Option<String>,
    /// Mark cookies Secure (set this behind HTTPS).
    #[arg(long, env = "RUAMJAI_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// How long a sign-in lasts, in hours.
    #[arg(long, env = "RUAMJAI_SESSION_HOURS")]
    pub session_hours: Option<i64>,
}

pub async fn run(store: Store, args: &ServeArgs, file: &FileConfig) -> anyhow::Result<()> {
    let listen = args
        .listen
        .clone()
        .or_else(|| file.listen.clone())
        .unwrap_or_else(|| DEFAULT_LISTEN.to_owned());
    let base_url = args
        .base_url
        .clone()
        .or_else(|| file.base_url.clone())
        .unwrap_or_else(|| format!("http://{listen}"));
    let admin_email = args
        .admin_email
        .clone()
        .or_else(|| file.admin_email.clone());
    first_admin(&store, admin_email.as_deref(), &base_url).await?;
    let config = WebConfig {
        session_ttl: chrono::Duration::hours(
            args.session_hours
                .or(file.session_hours)
                .unwrap_or(12)
                .clamp(1, 24 * 30),
        ),
        secure_cookies: args.secure_cookies || file.secure_cookies.unwrap_or(false),
        base_url,
        retention: crate::privacy::rules(file, None)?,
        ..WebConfig::default()
    };
    serve(store, &listen, config).await
}

/// On an empty database, make the first administrator: from `--admin-email` (with
/// `RUAMJAI_ADMIN_PASSWORD` or a set-up link), or else print a one-time link to a page where
/// the first administrator registers. Never a fixed default password.
async fn first_admin(store: &Store, email: Option<&str>, base_url: &str) -> anyhow::Result<()> {
    if store.user_count().await? > 0 {
        return Ok(());
    }
    let ttl = chrono::Duration::hours(24);
    match email {
        Some(email) => {
            let password = std::env::var("RUAMJAI_ADMIN_PASSWORD")
                .ok()
                .filter(|p| !p.is_empty());
            let has_password = password.is_some();
            let made = store
                .create_user(
                    None,
                    NewUser {
                        email: email.to_owned(),
                        display_name: "Administrator".into(),
                        password,
                        locale: "th".into(),
                    },
                    Some((Role::Admin, None)),
                    &RequestMeta::cli(),
                )
                .await
                .map_err(|e| anyhow::anyhow!("cannot create the first administrator: {e}"))?;
            if has_password {
                // Standard error is the server's log: the account's id, never its e-mail.
                eprintln!(
                    "First administrator created (user {}): sign in with the e-mail given to --admin-email",
                    made.user.id
                );
            } else {
                let secret = store
                    .create_setup_token(SetupPurpose::SetPassword, Some(made.user.id), ttl)
                    .await?;
                eprintln!(
                    "First administrator created (user {}). Choose the password (link valid 24 hours, once):\n  {base_url}/setup/{secret}",
                    made.user.id
                );
            }
        }
        None => {
            let secret = store
                .create_setup_token(SetupPurpose::FirstAdmin, None, ttl)
                .await?;
            eprintln!(
                "No users yet. Create the first administrator here (valid 24 hours, once):\n  {base_url}/setup/{secret}"
            );
        }
    }
    Ok(())
}

/// Serve until Ctrl-C or SIGTERM, then finish in-flight requests.
pub async fn serve(store: Store, listen: &str, config: WebConfig) -> anyhow::Result<()> {
    let housekeeping = store.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            tick.tick().await;
            if let Err(e) = housekeeping.purge_expired().await {
                tracing::warn!(error.cause = %e, "housekeeping failed");
            }
        }
    });
    // Dashboard counts: rebuilt once a Thai day (elderly follows the date), the public snapshot
    // every 15 minutes; with several processes one of them does each run.
    let upkeep = store.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(300));
        loop {
            tick.tick().await;
            match upkeep.counts_upkeep(chrono::Duration::minutes(15)).await {
                Ok(done) => tracing::debug!(done, "counts upkeep"),
                Err(e) => tracing::warn!(error = %e, "counts upkeep failed"),
            }
        }
    });
    // Retention rules (PDPA): once a Thai day, by one of the processes sharing the database.
    let keeper = store.clone();
    let rules = config.retention;
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            tick.tick().await;
            match keeper.retention_upkeep(rules).await {
                Ok(Some(r)) => tracing::info!(
                    persons = r.persons.len(),
                    roll_rows = r.roll_rows,
                    "retention rules applied"
                ),
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "retention rules failed"),
            }
        }
    });
    let app = ruamjai_web::app(store, config);
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    tracing::info!(listen = %listener.local_addr()?, "ruamjai serving");
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown())
    .await?;
    Ok(())
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
    tracing::info!("shutting down");
}
