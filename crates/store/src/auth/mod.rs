//! Accounts and access: users, role grants, sessions, API tokens, sign-in throttling and the
//! one-time set-up links. Grants are read on every request, so a revoked role stops working
//! on the caller's next request.

pub(crate) mod entity;

use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use ruamjai_domain::areas::AreaCode;
use ruamjai_domain::audit::{AuditAction, RequestMeta};
use ruamjai_domain::auth::{
    Actor, Email, Grant, Operation, Role, Scope, TokenPurpose, check_display_name, check_grant,
    check_new_password, parse_locale,
};
use ruamjai_domain::{FieldError, Invalid};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, Set, TransactionTrait,
};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::areas::scope_condition;
use crate::audit::{self, NewEntry};
use crate::{Result, Store, StoreError};
use entity::{api_token, grant, login_attempt, session, setup_token, user};

/// Failed sign-ins allowed per account within [`THROTTLE_WINDOW_MINUTES`].
pub const MAX_FAILURES_PER_EMAIL: u64 = 5;
/// Failed sign-ins allowed per client address within the window.
pub const MAX_FAILURES_PER_IP: u64 = 30;
/// Length of the throttling window.
pub const THROTTLE_WINDOW_MINUTES: i64 = 15;

/// A user account (never carries the password hash outside the store).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    /// Id.
    pub id: i64,
    /// Login e-mail.
    pub email: String,
    /// Name shown in the interface.
    pub display_name: String,
    /// `th` or `en`.
    pub locale: String,
    /// Disabled accounts cannot sign in and their sessions stop working.
    pub active: bool,
    /// False until the user has chosen a password (set-up link).
    pub has_password: bool,
    /// Created (UTC).
    pub created_at: DateTime<Utc>,
}

impl From<user::Model> for User {
    fn from(m: user::Model) -> Self {
        Self {
            id: m.id,
            email: m.email,
            display_name: m.display_name,
            locale: m.locale,
            active: m.active,
            has_password: m.password_hash.is_some(),
            created_at: m.created_at,
        }
    }
}

/// A user with the grants they hold.
#[derive(Debug, Clone, Serialize)]
pub struct UserWithGrants {
    /// The account.
    pub user: User,
    /// Its grants.
    pub grants: Vec<Grant>,
}

/// Input for a new account.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Login e-mail (validated here).
    pub email: String,
    /// Display name.
    pub display_name: String,
    /// Password; `None` makes an account that is activated through a set-up link.
    pub password: Option<String>,
    /// Interface language.
    pub locale: String,
}

/// An API token as listed (the secret itself is shown once, at creation).
#[derive(Debug, Clone, Serialize)]
pub struct ApiToken {
    /// Id.
    pub id: i64,
    /// Owner's label.
    pub name: String,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last used.
    pub last_used_at: Option<DateTime<Utc>>,
    /// Revoked, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
    /// What it may be used for.
    pub purpose: TokenPurpose,
}

/// What a one-time set-up link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetupPurpose {
    /// Create the first administrator of an empty installation.
    FirstAdmin,
    /// Let an existing user choose their password.
    SetPassword,
}

impl SetupPurpose {
    fn as_str(self) -> &'static str {
        match self {
            Self::FirstAdmin => "first_admin",
            Self::SetPassword => "set_password",
        }
    }
}

/// A fresh random secret (256 bits, hex) and the hash we store instead of it.
fn new_secret() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let secret = hex::encode(bytes);
    let hash = hash_secret(&secret);
    (secret, hash)
}

/// Tokens are stored hashed: a leaked database does not hand out live sessions.
fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Argon2id hashing is deliberately slow: keep it off the async workers.
async fn hash_password(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || password_auth::generate_hash(password))
        .await
        .map_err(|e| StoreError::Db(sea_orm::DbErr::Custom(e.to_string())))
}

async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || password_auth::verify_password(password, &hash).is_ok())
        .await
        .unwrap_or(false)
}

/// A valid Argon2id hash of a random string: verifying against it when the account does not
/// exist costs the same time as a real check, so timing does not reveal which e-mails exist.
static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| password_auth::generate_hash(new_secret().0));

fn grant_from(m: grant::Model) -> Option<Grant> {
    Some(Grant {
        id: m.id,
        role: Role::parse(&m.role).ok()?,
        area: match m.area_code {
            None => None,
            Some(c) => Some(AreaCode::parse(&c).ok()?),
        },
    })
}

async fn grants_of(conn: &impl ConnectionTrait, user_id: i64) -> Result<Vec<Grant>> {
    Ok(grant::Entity::find()
        .filter(grant::Column::UserId.eq(user_id))
        .order_by_asc(grant::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .filter_map(grant_from)
        .collect())
}

impl Store {
    /// Number of accounts (zero on a fresh installation).
    pub async fn user_count(&self) -> Result<u64> {
        Ok(user::Entity::find().count(&self.db).await?)
    }

    /// The actor for a user id with the grants they hold now.
    pub async fn actor(&self, user_id: i64) -> Result<Actor> {
        Ok(Actor {
            user_id,
            grants: grants_of(&self.db, user_id).await?,
        })
    }

    /// Create an account, optionally with a first grant, in one transaction.
    ///
    /// `by` is the acting user (web/API); `None` is the command line, which is trusted. An
    /// area admin must give the new user a grant inside their own subtree, so that the account
    /// is never orphaned outside every admin's reach.
    pub async fn create_user(
        &self,
        by: Option<&Actor>,
        new: NewUser,
        first_grant: Option<(Role, Option<AreaCode>)>,
        meta: &RequestMeta,
    ) -> Result<UserWithGrants> {
        let mut errors = Vec::new();
        let email = Email::parse(&new.email).map_err(|e| errors.push(e)).ok();
        let name = check_display_name(&new.display_name)
            .map_err(|e| errors.push(e))
            .ok();
        if let (Some(pw), Some(email)) = (&new.password, &email)
            && let Err(e) = check_new_password(pw, email)
        {
            errors.push(e);
        }
        if let Some(by) = by {
            let allowed = match &first_grant {
                Some((role, area)) => by.may_grant(*role, area.as_ref()),
                None => by.is_admin(),
            };
            if !allowed {
                if by.can_somewhere(Operation::ManageUsers) {
                    errors.push(FieldError::new("area_code", "outside_your_area"));
                } else {
                    return Err(StoreError::Forbidden);
                }
            }
        }
        if let Some((role, area)) = &first_grant {
            self.check_grant_target(*role, area.as_ref(), &mut errors)
                .await?;
        }
        if !errors.is_empty() {
            return Err(Invalid(errors).into());
        }
        let (email, name) = (email.expect("checked"), name.expect("checked"));
        let hash = match new.password {
            Some(pw) => Some(hash_password(pw).await?),
            None => None,
        };
        let now = Utc::now();
        let txn = self.db.begin().await?;
        let inserted = user::ActiveModel {
            email: Set(email.as_str().to_owned()),
            display_name: Set(name),
            password_hash: Set(hash),
            locale: Set(parse_locale(&new.locale).to_owned()),
            active: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await;
        let model = match inserted {
            Ok(m) => m,
            Err(e) if StoreError::is_unique_violation(&e) => {
                return Err(FieldError::new("email", "email_taken").into());
            }
            Err(e) => return Err(e.into()),
        };
        let mut entry = match by {
            Some(a) => NewEntry::by(a, AuditAction::UserCreate, meta),
            None => NewEntry::anonymous(AuditAction::UserCreate, meta),
        }
        .entity("user", model.id);
        let mut grants = Vec::new();
        if let Some((role, area)) = first_grant {
            if let Some(a) = &area {
                entry = entry.area(a);
            }
            grants.push(insert_grant(&txn, model.id, role, area, by, meta).await?);
        }
        audit::append(&txn, entry).await?;
        txn.commit().await?;
        Ok(UserWithGrants {
            user: model.into(),
            grants,
        })
    }

    /// A grant must make sense (see [`check_grant`]) and name an area that exists.
    async fn check_grant_target(
        &self,
        role: Role,
        area: Option<&AreaCode>,
        errors: &mut Vec<FieldError>,
    ) -> Result<()> {
        if let Err(e) = check_grant(role, area) {
            errors.push(e);
        }
        if let Some(area) = area {
            let found = crate::areas::entity::Entity::find_by_id(area.as_str())
                .one(&self.db)
                .await?;
            if found.is_none() {
                errors.push(FieldError::new("area_code", "unknown_area"));
            }
        }
        Ok(())
    }

    /// Check an e-mail and password. Every attempt is recorded and audited; too many recent
    /// failures for the account or the client address answer [`StoreError::Throttled`] without
    /// checking the password at all.
    pub async fn authenticate(
        &self,
        email: &str,
        password: &str,
        meta: &RequestMeta,
    ) -> Result<User> {
        let email = email.trim().to_lowercase();
        let since = Utc::now() - Duration::minutes(THROTTLE_WINDOW_MINUTES);
        let failures_email = login_attempt::Entity::find()
            .filter(login_attempt::Column::Email.eq(&email))
            .filter(login_attempt::Column::Success.eq(false))
            .filter(login_attempt::Column::At.gt(since))
            .count(&self.db)
            .await?;
        let failures_ip = match &meta.ip {
            Some(ip) => {
                login_attempt::Entity::find()
                    .filter(login_attempt::Column::Ip.eq(ip))
                    .filter(login_attempt::Column::Success.eq(false))
                    .filter(login_attempt::Column::At.gt(since))
                    .count(&self.db)
                    .await?
            }
            None => 0,
        };
        let found = user::Entity::find()
            .filter(user::Column::Email.eq(&email))
            .one(&self.db)
            .await?;
        let throttled =
            failures_email >= MAX_FAILURES_PER_EMAIL || failures_ip >= MAX_FAILURES_PER_IP;
        let ok = if throttled {
            false
        } else {
            let hash = found
                .as_ref()
                .filter(|u| u.active)
                .and_then(|u| u.password_hash.clone());
            let real = hash.is_some();
            let checked = verify_password(
                password.to_owned(),
                hash.unwrap_or_else(|| DUMMY_HASH.clone()),
            )
            .await;
            real && checked
        };
        let txn = self.db.begin().await?;
        login_attempt::ActiveModel {
            email: Set(email.clone()),
            ip: Set(meta.ip.clone()),
            at: Set(Utc::now()),
            success: Set(ok),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let entry = match (&found, ok) {
            (Some(u), true) => {
                NewEntry::by_user(u.id, AuditAction::Login, meta).entity("user", u.id)
            }
            (Some(u), false) => NewEntry::by_user(u.id, AuditAction::LoginFailed, meta)
                .entity("user", u.id)
                .detail(serde_json::json!({ "throttled": throttled })),
            // Unknown account: no user id to name, and the typed e-mail is not logged.
            (None, _) => NewEntry::anonymous(AuditAction::LoginFailed, meta)
                .detail(serde_json::json!({ "throttled": throttled, "unknown_account": true })),
        };
        audit::append(&txn, entry).await?;
        txn.commit().await?;
        match (found, ok, throttled) {
            (_, _, true) => Err(StoreError::Throttled),
            (Some(u), true, _) => Ok(u.into()),
            _ => Err(StoreError::BadCredentials),
        }
    }

    /// Start a session for a user; returns the secret for the cookie.
    pub async fn create_session(&self, user_id: i64, ttl: Duration) -> Result<String> {
        let (secret, hash) = new_secret();
        let now = Utc::now();
        session::ActiveModel {
            token_hash: Set(hash),
            user_id: Set(user_id),
            created_at: Set(now),
            expires_at: Set(now + ttl),
            last_seen_at: Set(now),
        }
        .insert(&self.db)
        .await?;
        Ok(secret)
    }

    /// The active user and their current grants behind a session secret, if the session is
    /// live and the account active.
    pub async fn session_actor(&self, secret: &str) -> Result<Option<(User, Actor)>> {
        let found = session::Entity::find_by_id(hash_secret(secret))
            .filter(session::Column::ExpiresAt.gt(Utc::now()))
            .one(&self.db)
            .await?;
        match found {
            Some(s) => self.active_user_actor(s.user_id).await,
            None => Ok(None),
        }
    }

    async fn active_user_actor(&self, user_id: i64) -> Result<Option<(User, Actor)>> {
        let Some(u) = user::Entity::find_by_id(user_id).one(&self.db).await? else {
            return Ok(None);
        };
        if !u.active {
            return Ok(None);
        }
        let actor = self.actor(u.id).await?;
        Ok(Some((u.into(), actor)))
    }

    /// End a session (sign-out).
    pub async fn delete_session(&self, secret: &str, meta: &RequestMeta) -> Result<()> {
        let hash = hash_secret(secret);
        let txn = self.db.begin().await?;
        if let Some(s) = session::Entity::find_by_id(hash.clone()).one(&txn).await? {
            session::Entity::delete_by_id(hash).exec(&txn).await?;
            audit::append(
                &txn,
                NewEntry::by_user(s.user_id, AuditAction::Logout, meta).entity("user", s.user_id),
            )
            .await?;
        }
        txn.commit().await?;
        Ok(())
    }

    /// Remove expired sessions and old sign-in attempts (housekeeping).
    pub async fn purge_expired(&self) -> Result<u64> {
        let now = Utc::now();
        let a = session::Entity::delete_many()
            .filter(session::Column::ExpiresAt.lte(now))
            .exec(&self.db)
            .await?
            .rows_affected;
        let b = login_attempt::Entity::delete_many()
            .filter(login_attempt::Column::At.lt(now - Duration::days(1)))
            .exec(&self.db)
            .await?
            .rows_affected;
        Ok(a + b)
    }

    /// Create an API token for the actor themself; the secret is returned once.
    pub async fn create_api_token(
        &self,
        actor: &Actor,
        name: &str,
        purpose: TokenPurpose,
        meta: &RequestMeta,
    ) -> Result<(ApiToken, String)> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 80 {
            return Err(FieldError::new(
                "name",
                if name.is_empty() {
                    "required"
                } else {
                    "too_long"
                },
            )
            .into());
        }
        let (secret, hash) = new_secret();
        let txn = self.db.begin().await?;
        let m = api_token::ActiveModel {
            user_id: Set(actor.user_id),
            name: Set(name.to_owned()),
            token_hash: Set(hash),
            created_at: Set(Utc::now()),
            purpose: Set(purpose.as_str().to_owned()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        audit::append(
            &txn,
            NewEntry::by(actor, AuditAction::TokenCreate, meta).entity("api_token", m.id),
        )
        .await?;
        txn.commit().await?;
        Ok((token_from(m), secret))
    }

    /// The actor's own API tokens.
    pub async fn list_api_tokens(&self, actor: &Actor) -> Result<Vec<ApiToken>> {
        Ok(api_token::Entity::find()
            .filter(api_token::Column::UserId.eq(actor.user_id))
            .order_by_asc(api_token::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(token_from)
            .collect())
    }

    /// Revoke one of the actor's own tokens (another user's token is `NotFound`).
    pub async fn revoke_api_token(&self, actor: &Actor, id: i64, meta: &RequestMeta) -> Result<()> {
        let txn = self.db.begin().await?;
        let Some(t) = api_token::Entity::find_by_id(id)
            .filter(api_token::Column::UserId.eq(actor.user_id))
            .one(&txn)
            .await?
        else {
            return Err(StoreError::NotFound);
        };
        if t.revoked_at.is_none() {
            let mut am = t.into_active_model();
            am.revoked_at = Set(Some(Utc::now()));
            am.update(&txn).await?;
            audit::append(
                &txn,
                NewEntry::by(actor, AuditAction::TokenRevoke, meta).entity("api_token", id),
            )
            .await?;
        }
        txn.commit().await?;
        Ok(())
    }

    /// The active user and grants behind an API token secret, and what the token may be used
    /// for.
    pub async fn token_actor(&self, secret: &str) -> Result<Option<(User, Actor, TokenPurpose)>> {
        let found = api_token::Entity::find()
            .filter(api_token::Column::TokenHash.eq(hash_secret(secret)))
            .filter(api_token::Column::RevokedAt.is_null())
            .one(&self.db)
            .await?;
        let Some(t) = found else { return Ok(None) };
        let recently = t
            .last_used_at
            .is_some_and(|at| Utc::now() - at < Duration::minutes(5));
        let user_id = t.user_id;
        let purpose = token_from(t.clone()).purpose;
        if !recently {
            // Coarse "last used" (at most one write per 5 minutes per token).
            let mut am = t.into_active_model();
            am.last_used_at = Set(Some(Utc::now()));
            am.update(&self.db).await?;
        }
        Ok(self
            .active_user_actor(user_id)
            .await?
            .map(|(user, actor)| (user, actor, purpose)))
    }

    /// Users the actor may see: those holding at least one grant inside the actor's
    /// user-management scope (everyone, for a national admin).
    pub async fn list_users(&self, actor: &Actor) -> Result<Vec<UserWithGrants>> {
        let scope = actor.scope(Operation::ViewUsers);
        let mut q = user::Entity::find();
        if let Some(cond) = scope_condition(grant::Column::AreaCode, &scope) {
            q = q.filter(
                user::Column::Id.in_subquery(
                    Query::select()
                        .column(grant::Column::UserId)
                        .from(grant::Entity)
                        .cond_where(cond)
                        .to_owned(),
                ),
            );
        }
        let users = q.order_by_asc(user::Column::Id).all(&self.db).await?;
        let ids: Vec<i64> = users.iter().map(|u| u.id).collect();
        let mut all_grants = grant::Entity::find()
            .filter(grant::Column::UserId.is_in(ids))
            .order_by_asc(grant::Column::Id)
            .all(&self.db)
            .await?;
        Ok(users
            .into_iter()
            .map(|u| {
                let grants = all_grants
                    .extract_if(.., |g| g.user_id == u.id)
                    .filter_map(grant_from)
                    .collect();
                UserWithGrants {
                    user: u.into(),
                    grants,
                }
            })
            .collect())
    }

    /// One user, if the actor may see them (else `NotFound`). A user may always see themself.
    pub async fn user_detail(&self, actor: &Actor, id: i64) -> Result<UserWithGrants> {
        let Some(u) = user::Entity::find_by_id(id).one(&self.db).await? else {
            return Err(StoreError::NotFound);
        };
        let grants = grants_of(&self.db, id).await?;
        let scope = actor.scope(Operation::ViewUsers);
        let visible = id == actor.user_id
            || scope == Scope::Everywhere
            || grants
                .iter()
                .any(|g| g.area.as_ref().is_some_and(|a| scope.contains(a)));
        if !visible {
            return Err(StoreError::NotFound);
        }
        Ok(UserWithGrants {
            user: u.into(),
            grants,
        })
    }

    /// Grant `role` over `area` (`None` = country) to a user the actor can see.
    pub async fn grant_role(
        &self,
        actor: &Actor,
        user_id: i64,
        role: Role,
        area: Option<AreaCode>,
        meta: &RequestMeta,
    ) -> Result<Grant> {
        let target = self.user_detail(actor, user_id).await?;
        if !actor.may_grant(role, area.as_ref()) {
            if actor.can_somewhere(Operation::ManageUsers) {
                return Err(FieldError::new("area_code", "outside_your_area").into());
            }
            return Err(StoreError::Forbidden);
        }
        let mut errors = Vec::new();
        self.check_grant_target(role, area.as_ref(), &mut errors)
            .await?;
        if target
            .grants
            .iter()
            .any(|g| g.role == role && g.area == area)
        {
            errors.push(FieldError::new("role", "already_granted"));
        }
        if !errors.is_empty() {
            return Err(Invalid(errors).into());
        }
        let txn = self.db.begin().await?;
        let g = insert_grant(&txn, user_id, role, area, Some(actor), meta).await?;
        txn.commit().await?;
        Ok(g)
    }

    /// Revoke one grant. The actor must be able to hand out that role over that area, and may
    /// not revoke their own grants.
    pub async fn revoke_grant(
        &self,
        actor: &Actor,
        user_id: i64,
        grant_id: i64,
        meta: &RequestMeta,
    ) -> Result<()> {
        let target = self.user_detail(actor, user_id).await?;
        let Some(g) = target.grants.iter().find(|g| g.id == grant_id) else {
            return Err(StoreError::NotFound);
        };
        // Nobody removes their own roles: that is how the last administrator locks everyone out.
        if user_id == actor.user_id || !actor.may_grant(g.role, g.area.as_ref()) {
            return Err(StoreError::Forbidden);
        }
        let txn = self.db.begin().await?;
        grant::Entity::delete_by_id(grant_id).exec(&txn).await?;
        let mut entry = NewEntry::by(actor, AuditAction::RoleRevoke, meta)
            .entity("user", user_id)
            .detail(
                serde_json::json!({ "grant_id": grant_id, "role": g.role.as_str(),
                "area": g.area.as_ref().map(|a| a.to_string()) }),
            );
        if let Some(a) = &g.area {
            entry = entry.area(a);
        }
        audit::append(&txn, entry).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Revoke every grant of a user over exactly `role`/`area` (command line, trusted).
    pub async fn revoke_role_cli(
        &self,
        user_id: i64,
        role: Role,
        area: Option<&AreaCode>,
    ) -> Result<u64> {
        let grants = grants_of(&self.db, user_id).await?;
        let txn = self.db.begin().await?;
        let mut n = 0;
        for g in grants
            .iter()
            .filter(|g| g.role == role && g.area.as_ref() == area)
        {
            grant::Entity::delete_by_id(g.id).exec(&txn).await?;
            let mut entry = NewEntry::anonymous(AuditAction::RoleRevoke, &RequestMeta::cli())
                .entity("user", user_id)
                .detail(serde_json::json!({ "grant_id": g.id, "role": role.as_str() }));
            if let Some(a) = &g.area {
                entry = entry.area(a);
            }
            audit::append(&txn, entry).await?;
            n += 1;
        }
        txn.commit().await?;
        Ok(n)
    }

    /// Grant from the command line (trusted; still validated and audited).
    pub async fn grant_role_cli(
        &self,
        user_id: i64,
        role: Role,
        area: Option<AreaCode>,
    ) -> Result<Grant> {
        let mut errors = Vec::new();
        self.check_grant_target(role, area.as_ref(), &mut errors)
            .await?;
        if !errors.is_empty() {
            return Err(Invalid(errors).into());
        }
        if user::Entity::find_by_id(user_id)
            .one(&self.db)
            .await?
            .is_none()
        {
            return Err(StoreError::NotFound);
        }
        let txn = self.db.begin().await?;
        let g = insert_grant(&txn, user_id, role, area, None, &RequestMeta::cli()).await?;
        txn.commit().await?;
        Ok(g)
    }

    /// Find a user by e-mail (command line).
    pub async fn user_by_email(&self, email: &str) -> Result<Option<User>> {
        Ok(user::Entity::find()
            .filter(user::Column::Email.eq(email.trim().to_lowercase()))
            .one(&self.db)
            .await?
            .map(User::from))
    }

    /// Remember a user's interface language.
    pub async fn set_locale(&self, user_id: i64, locale: &str) -> Result<()> {
        let Some(u) = user::Entity::find_by_id(user_id).one(&self.db).await? else {
            return Err(StoreError::NotFound);
        };
        let mut am = u.into_active_model();
        am.locale = Set(parse_locale(locale).to_owned());
        am.updated_at = Set(Utc::now());
        am.update(&self.db).await?;
        Ok(())
    }

    /// Enable or disable an account the actor manages. Disabling ends its sessions at once
    /// (they are checked against `active` on every request).
    pub async fn set_user_active(
        &self,
        actor: &Actor,
        user_id: i64,
        active: bool,
        meta: &RequestMeta,
    ) -> Result<User> {
        let target = self.user_detail(actor, user_id).await?;
        let manages = target
            .grants
            .iter()
            .all(|g| actor.may_grant(g.role, g.area.as_ref()));
        if user_id == actor.user_id || !manages || target.grants.is_empty() && !actor.is_admin() {
            return Err(StoreError::Forbidden);
        }
        let txn = self.db.begin().await?;
        let m = user::Entity::find_by_id(user_id)
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound)?;
        let mut am = m.into_active_model();
        am.active = Set(active);
        am.updated_at = Set(Utc::now());
        let m = am.update(&txn).await?;
        audit::append(
            &txn,
            NewEntry::by(actor, AuditAction::UserUpdate, meta)
                .entity("user", user_id)
                .detail(serde_json::json!({ "active": active })),
        )
        .await?;
        txn.commit().await?;
        Ok(m.into())
    }

    /// Issue a one-time set-up link secret, valid for `ttl`.
    pub async fn create_setup_token(
        &self,
        purpose: SetupPurpose,
        user_id: Option<i64>,
        ttl: Duration,
    ) -> Result<String> {
        let (secret, hash) = new_secret();
        let now = Utc::now();
        setup_token::ActiveModel {
            token_hash: Set(hash),
            purpose: Set(purpose.as_str().to_owned()),
            user_id: Set(user_id),
            created_at: Set(now),
            expires_at: Set(now + ttl),
            used_at: Set(None),
        }
        .insert(&self.db)
        .await?;
        Ok(secret)
    }

    /// What a live, unused set-up secret is for (and for whom), or `NotFound`.
    pub async fn setup_token_purpose(&self, secret: &str) -> Result<(SetupPurpose, Option<User>)> {
        let t = self.live_setup_token(&self.db, secret).await?;
        let purpose = if t.purpose == "first_admin" {
            SetupPurpose::FirstAdmin
        } else {
            SetupPurpose::SetPassword
        };
        let user = match t.user_id {
            Some(id) => user::Entity::find_by_id(id)
                .one(&self.db)
                .await?
                .map(User::from),
            None => None,
        };
        Ok((purpose, user))
    }

    async fn live_setup_token(
        &self,
        conn: &impl ConnectionTrait,
        secret: &str,
    ) -> Result<setup_token::Model> {
        setup_token::Entity::find_by_id(hash_secret(secret))
            .filter(setup_token::Column::UsedAt.is_null())
            .filter(setup_token::Column::ExpiresAt.gt(Utc::now()))
            .one(conn)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// Redeem a set-up secret: create the first admin (only while there are no users) or set
    /// an existing user's password. The secret works once.
    pub async fn redeem_setup_token(
        &self,
        secret: &str,
        new: NewUser,
        meta: &RequestMeta,
    ) -> Result<User> {
        let (purpose, existing) = self.setup_token_purpose(secret).await?;
        let password = new.password.clone().unwrap_or_default();
        // Check the input first, so that a typo does not use up the link.
        match (purpose, &existing) {
            (SetupPurpose::FirstAdmin, _) => {
                if self.user_count().await? > 0 {
                    return Err(StoreError::NotFound);
                }
                let mut errors = Vec::new();
                let email = Email::parse(&new.email).map_err(|e| errors.push(e)).ok();
                if let Err(e) = check_display_name(&new.display_name) {
                    errors.push(e);
                }
                if let Some(email) = &email
                    && let Err(e) = check_new_password(&password, email)
                {
                    errors.push(e);
                }
                if !errors.is_empty() {
                    return Err(Invalid(errors).into());
                }
            }
            (SetupPurpose::SetPassword, Some(u)) => {
                check_new_password(&password, &Email::parse(&u.email)?)?;
            }
            (SetupPurpose::SetPassword, None) => return Err(StoreError::NotFound),
        }
        // Use the link up atomically: of two concurrent submissions only one gets past here.
        let now = Utc::now();
        let consumed = setup_token::Entity::update_many()
            .col_expr(setup_token::Column::UsedAt, Expr::value(now))
            .filter(setup_token::Column::TokenHash.eq(hash_secret(secret)))
            .filter(setup_token::Column::UsedAt.is_null())
            .filter(setup_token::Column::ExpiresAt.gt(now))
            .exec(&self.db)
            .await?
            .rows_affected;
        if consumed != 1 {
            return Err(StoreError::NotFound);
        }
        let (user, action) = match (purpose, existing) {
            (SetupPurpose::FirstAdmin, _) => {
                let new = NewUser {
                    password: Some(password),
                    ..new
                };
                let created = self
                    .create_user(None, new, Some((Role::Admin, None)), meta)
                    .await?;
                (created.user, AuditAction::SetupAdmin)
            }
            (SetupPurpose::SetPassword, u) => {
                let u = u.ok_or(StoreError::NotFound)?;
                let hash = hash_password(password).await?;
                let m = user::Entity::find_by_id(u.id)
                    .one(&self.db)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                let mut am = m.into_active_model();
                am.password_hash = Set(Some(hash));
                am.updated_at = Set(Utc::now());
                (am.update(&self.db).await?.into(), AuditAction::PasswordSet)
            }
        };
        audit::append(
            &self.db,
            NewEntry::by_user(user.id, action, meta).entity("user", user.id),
        )
        .await?;
        Ok(user)
    }
}

fn token_from(m: api_token::Model) -> ApiToken {
    ApiToken {
        id: m.id,
        name: m.name,
        created_at: m.created_at,
        last_used_at: m.last_used_at,
        revoked_at: m.revoked_at,
        // Written only from `TokenPurpose::as_str`; anything else would be a sync token's
        // narrower rights rather than more.
        purpose: TokenPurpose::parse(&m.purpose).unwrap_or(TokenPurpose::Sync),
    }
}

async fn insert_grant(
    txn: &impl ConnectionTrait,
    user_id: i64,
    role: Role,
    area: Option<AreaCode>,
    by: Option<&Actor>,
    meta: &RequestMeta,
) -> Result<Grant> {
    let m = grant::ActiveModel {
        user_id: Set(user_id),
        role: Set(role.as_str().to_owned()),
        area_code: Set(area.as_ref().map(|a| a.to_string())),
        granted_by: Set(by.map(|a| a.user_id)),
        granted_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let mut entry = match by {
        Some(a) => NewEntry::by(a, AuditAction::RoleGrant, meta),
        None => NewEntry::anonymous(AuditAction::RoleGrant, meta),
    }
    .entity("user", user_id)
    .detail(serde_json::json!({ "grant_id": m.id, "role": role.as_str(),
        "area": area.as_ref().map(|a| a.to_string()) }));
    if let Some(a) = &area {
        entry = entry.area(a);
    }
    audit::append(txn, entry).await?;
    Ok(grant_from(m).expect("just written from valid values"))
}
