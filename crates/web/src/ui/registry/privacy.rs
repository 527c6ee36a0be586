//! A person's data-subject rights (PDPA) on the web: the rights page (what the person may ask
//! for and where each is done), the export as a JSON download, who accessed them, and the
//! erasure (a form with the reason and an explicit confirmation; afterwards a page with the
//! pseudonym to give the person as the reference).
//!
//! Rectification is the person form (`/persons/{id}/edit`); withdrawing a consent is on the
//! person page. The store decides who may do what (see `ruamjai_store::registry::privacy`).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::Form;
use ruamjai_domain::auth::Operation;
use ruamjai_domain::registry::privacy::{EraseForm, RetentionRules, is_pseudonym};
use ruamjai_store::registry::PersonDetail;
use ruamjai_store::registry::privacy::AccessEntry;
use serde::Deserialize;

use crate::AppState;
use crate::error::WebError;
use crate::ui::{FormErrors, Signed, see_other};

#[derive(Template, WebTemplate)]
#[template(path = "person_rights.html")]
struct RightsPage {
    page: crate::ui::Page,
    d: PersonDetail,
    may_export: bool,
    may_access: bool,
    may_erase: bool,
    retention: RetentionRules,
}

impl RightsPage {
    fn years(&self, n: impl std::borrow::Borrow<u32>) -> String {
        self.page
            .lang
            .t_args("rights-years", &[("n", n.borrow().to_string())])
    }
}

/// `GET /persons/{id}/rights`: what the person may ask for, and where each is done.
pub async fn rights(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let d = state
        .store
        .person_detail(&s.caller.actor, id, &s.page.meta)
        .await?;
    let village = d.person.village_code.clone();
    let actor = &s.caller.actor;
    Ok(RightsPage {
        may_export: actor.can(Operation::ExportPersons, &village),
        may_access: actor.can(Operation::ViewAudit, &village),
        may_erase: actor.can(Operation::ErasePersons, &village),
        retention: state.config.retention,
        page: s.page,
        d,
    }
    .into_response())
}

/// `GET /persons/{id}/export`: everything held on the person, as a JSON file to download (the
/// same document as the API's).
pub async fn export(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let e = state
        .store
        .export_person_data(&s.caller.actor, id, &s.page.meta)
        .await?;
    Ok(crate::api::registry::privacy::export_download(e))
}

#[derive(Template, WebTemplate)]
#[template(path = "person_access.html")]
struct AccessPage {
    page: crate::ui::Page,
    id: i64,
    name: String,
    entries: Vec<AccessEntry>,
}

impl AccessPage {
    /// Who: their name, or the system (the command line and the daily rules), or their id.
    fn who(&self, e: &AccessEntry) -> String {
        match (&e.actor_name, e.actor_user_id) {
            (Some(n), _) => n.clone(),
            (None, Some(0)) => self.page.t("access-system"),
            (None, Some(u)) => format!("#{u}"),
            (None, None) => "—".into(),
        }
    }

    /// The action in words (the stored code when there is no translation).
    fn action(&self, code: &str) -> String {
        let key = format!("access-action-{}", code.replace(['.', '_'], "-"));
        self.page
            .lang
            .try_t(&key)
            .unwrap_or_else(|| code.to_owned())
    }
}

/// How many entries the access page shows.
const ACCESS_LIMIT: u64 = 500;

/// `GET /persons/{id}/access`: who accessed the person, newest first.
pub async fn access(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let entries = state
        .store
        .person_access_log(&s.caller.actor, id, ACCESS_LIMIT, &s.page.meta)
        .await?;
    let name = state.store.person_name(&s.caller.actor, id).await?;
    Ok(AccessPage {
        page: s.page,
        id,
        name,
        entries,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "person_erase.html")]
struct ErasePage {
    page: crate::ui::Page,
    id: i64,
    name: String,
    merged: bool,
    reason: String,
    errors: FormErrors,
}

/// The erasure form as posted.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct EraseData {
    reason: String,
    confirm: String,
}

async fn erase_page_of(
    state: &AppState,
    s: Signed,
    id: i64,
    reason: String,
    errors: FormErrors,
) -> Result<ErasePage, WebError> {
    let d = state
        .store
        .person_detail(&s.caller.actor, id, &s.page.meta)
        .await?;
    if !s
        .caller
        .actor
        .can(Operation::ErasePersons, &d.person.village_code)
    {
        return Err(WebError::Forbidden);
    }
    Ok(ErasePage {
        name: d.person.display_name(),
        merged: d.person.status == ruamjai_domain::registry::PersonStatus::Merged,
        page: s.page,
        id,
        reason,
        errors,
    })
}

/// `GET /persons/{id}/erase`: the erasure form (for those who may erase).
pub async fn erase_page(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    Ok(
        erase_page_of(&state, s, id, String::new(), FormErrors::default())
            .await?
            .into_response(),
    )
}

/// `POST /persons/{id}/erase`: erase, then the page with the pseudonym; a missing reason or
/// confirmation comes back next to its field.
pub async fn erase(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<i64>,
    Form(f): Form<EraseData>,
) -> Result<Response, WebError> {
    let form = EraseForm {
        reason: f.reason.clone(),
        confirm: !f.confirm.is_empty(),
    };
    let result = match form.check(true) {
        Ok(reason) => state
            .store
            .erase_person(&s.caller.actor, id, &reason, &s.page.meta)
            .await
            .map_err(WebError::from),
        Err(i) => Err(WebError::Invalid(i)),
    };
    match result {
        Ok(e) => Ok(see_other(&format!("/persons/erased/{}", e.pseudonym))),
        Err(WebError::Invalid(i)) => {
            let errors = FormErrors::from_invalid(&i, s.page.lang);
            let page = erase_page_of(&state, s, id, f.reason, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "person_erased.html")]
struct ErasedPage {
    page: crate::ui::Page,
    pseudonym: String,
}

/// `GET /persons/erased/{pseudonym}`: the erasure is done; the reference to give the person.
pub async fn erased(s: Signed, Path(pseudonym): Path<String>) -> Result<Response, WebError> {
    if !is_pseudonym(&pseudonym) {
        return Err(WebError::NotFound);
    }
    Ok(ErasedPage {
        page: s.page,
        pseudonym,
    }
    .into_response())
}
