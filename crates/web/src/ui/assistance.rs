//! Assistance pages: the programmes (add one), a person's assistance (record, end), and the gap
//! report — who in an area is vulnerable and receives nothing, or not what their category calls
//! for — with its CSV export.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use ruamjai_domain::areas::AreaCode;
use ruamjai_domain::assistance::{Gap, Period, ProgrammeForm, ProgrammeKind, ReceiptForm};
use ruamjai_domain::auth::Operation;
use ruamjai_store::StoreError;
use ruamjai_store::assistance::{GapReport, Programme, PublicGaps, Receipt};
use ruamjai_store::registry::PersonDetail;
use serde::Deserialize;

use super::{FormErrors, Page, Signed, Typed, form_errors, see_other, typed, unprocessable};
use crate::AppState;
use crate::error::{WebError, area_code_or_404};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/programmes", get(programmes).post(create_programme))
        .route(
            "/persons/{id}/assistance",
            get(person_assistance).post(add_assistance),
        )
        .route("/assistance/{id}/end", post(end_assistance))
        .route("/gaps", get(gaps))
        .route("/gaps/export", get(export_gaps))
        .route("/public/gaps", get(public_gaps))
}

/// Baht from satang, with two decimals only when there are satang (`600`, `1,000.50`).
pub fn baht(satang: i64) -> String {
    let whole = satang / 100;
    let digits = whole.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match satang % 100 {
        0 => grouped,
        s => format!("{grouped}.{s:02}"),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "programmes.html")]
struct ProgrammesPage {
    page: Page,
    items: Vec<Programme>,
    can_create: bool,
    f: Typed,
    errors: FormErrors,
}

impl ProgrammesPage {
    fn v(&self, k: &str) -> String {
        typed(&self.f, k)
    }
    fn kinds(&self) -> &'static [ProgrammeKind] {
        ProgrammeKind::ALL
    }
    fn periods(&self) -> &'static [Period] {
        Period::ALL
    }
    fn amount(&self, p: &Programme) -> String {
        match (p.amount_satang, p.period) {
            (Some(a), Some(per)) => {
                format!("{} ฿ / {}", baht(a), self.page.code("period", per.as_str()))
            }
            (Some(a), None) => format!("{} ฿", baht(a)),
            _ => String::new(),
        }
    }
}

async fn programmes_page(
    state: &AppState,
    s: Signed,
    mut f: Typed,
    errors: FormErrors,
) -> Result<ProgrammesPage, WebError> {
    let items = state.store.programmes(&s.caller.actor).await?;
    if !f.contains_key("area_code")
        && let Some(a) = s.caller.actor.first_area(Operation::ManageAssistance)
    {
        f.insert("area_code".into(), a.to_string());
    }
    Ok(ProgrammesPage {
        can_create: s.caller.actor.can_somewhere(Operation::ManageAssistance),
        page: s.page,
        items,
        f,
        errors,
    })
}

pub async fn programmes(State(state): State<AppState>, s: Signed) -> Result<Response, WebError> {
    Ok(
        programmes_page(&state, s, Typed::new(), FormErrors::default())
            .await?
            .into_response(),
    )
}

pub async fn create_programme(
    State(state): State<AppState>,
    s: Signed,
    Form(t): Form<Typed>,
) -> Result<Response, WebError> {
    let form = ProgrammeForm {
        name: typed(&t, "name"),
        kind: typed(&t, "kind"),
        area_code: typed(&t, "area_code"),
        organisation_id: typed(&t, "organisation_id"),
        amount: typed(&t, "amount"),
        period: typed(&t, "period"),
    };
    let result = match form.check() {
        Ok(input) => state
            .store
            .create_programme(&s.caller.actor, &input, &s.page.meta)
            .await
            .map(|_| ()),
        Err(i) => Err(StoreError::Invalid(i)),
    };
    match result {
        Ok(()) => Ok(see_other("/programmes")),
        Err(e) => {
            let errors = form_errors(e, s.page.lang)?;
            Ok(unprocessable(programmes_page(&state, s, t, errors).await?))
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "person_assistance.html")]
struct PersonAssistancePage {
    page: Page,
    d: PersonDetail,
    items: Vec<Receipt>,
    programmes: Vec<Programme>,
    can_manage: bool,
    f: Typed,
    errors: FormErrors,
}

impl PersonAssistancePage {
    fn v(&self, k: &str) -> String {
        typed(&self.f, k)
    }
    fn amount(&self, p: &Programme) -> String {
        match p.amount_satang {
            Some(a) => format!("{} ฿", baht(a)),
            None => String::new(),
        }
    }
}

async fn person_assistance_page(
    state: &AppState,
    s: Signed,
    id: i64,
    f: Typed,
    errors: FormErrors,
) -> Result<PersonAssistancePage, WebError> {
    let actor = &s.caller.actor;
    let d = state.store.person_detail(actor, id, &s.page.meta).await?;
    let items = state.store.assistance_of(actor, id, &s.page.meta).await?;
    let village = d.person.village_code.clone();
    let can_manage = actor.can(Operation::ManageAssistance, &village);
    let programmes = if can_manage {
        state
            .store
            .programmes(actor)
            .await?
            .into_iter()
            .filter(|p| village.is_within(&p.area))
            .collect()
    } else {
        Vec::new()
    };
    Ok(PersonAssistancePage {
        page: s.page,
        d,
        items,
        programmes,
        can_manage,
        f,
        errors,
    })
}

pub async fn person_assistance(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    Ok(
        person_assistance_page(&state, s, id, Typed::new(), FormErrors::default())
            .await?
            .into_response(),
    )
}

pub async fn add_assistance(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<i64>,
    Form(t): Form<Typed>,
) -> Result<Response, WebError> {
    let form = ReceiptForm {
        programme_id: typed(&t, "programme_id"),
        since: typed(&t, "since"),
        until: typed(&t, "until"),
        source: typed(&t, "source"),
    };
    let result = match form.check() {
        Ok(input) => state
            .store
            .add_assistance(&s.caller.actor, id, &input, &s.page.meta)
            .await
            .map(|_| ()),
        Err(i) => Err(StoreError::Invalid(i)),
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/persons/{id}/assistance"))),
        Err(e) => {
            let errors = form_errors(e, s.page.lang)?;
            Ok(unprocessable(
                person_assistance_page(&state, s, id, t, errors).await?,
            ))
        }
    }
}

pub async fn end_assistance(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<i64>,
    Form(t): Form<Typed>,
) -> Result<Response, WebError> {
    let person: i64 = typed(&t, "person_id")
        .parse()
        .map_err(|_| WebError::NotFound)?;
    let result = match ruamjai_domain::assistance::parse_day("until", &typed(&t, "until")) {
        Ok(day) => {
            state
                .store
                .end_assistance(&s.caller.actor, id, day, &s.page.meta)
                .await
        }
        Err(i) => Err(StoreError::Invalid(i)),
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/persons/{person}/assistance"))),
        Err(err) => {
            let errors = form_errors(err, s.page.lang)?;
            Ok(unprocessable(
                person_assistance_page(&state, s, person, Typed::new(), errors).await?,
            ))
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct AreaQuery {
    area: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "gaps.html")]
struct GapsPage {
    page: Page,
    area: AreaCode,
    report: GapReport,
}

impl GapsPage {
    fn all_gaps(&self) -> [Gap; 5] {
        Gap::ALL
    }
    fn truncated(&self) -> bool {
        (self.report.rows.len() as u64) < self.report.persons
    }
    fn count(&self, g: &Gap) -> u64 {
        self.report.counts.get(g).copied().unwrap_or(0)
    }
}

/// The area asked for, or the caller's first area.
fn area_of(s: &Signed, q: &AreaQuery) -> Result<AreaCode, WebError> {
    match q.area.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
        Some(a) => area_code_or_404(a),
        None => s
            .caller
            .actor
            .first_area(Operation::ViewPersons)
            .cloned()
            .ok_or(WebError::NotFound),
    }
}

/// The most persons listed on the page (all are counted; the export has them all).
const LISTED: usize = 500;

pub async fn gaps(
    State(state): State<AppState>,
    s: Signed,
    Query(q): Query<AreaQuery>,
) -> Result<Response, WebError> {
    let area = area_of(&s, &q)?;
    let report = state
        .store
        .gap_report(&s.caller.actor, &area, LISTED, &s.page.meta)
        .await?;
    Ok(GapsPage {
        page: s.page,
        area,
        report,
    }
    .into_response())
}

/// The whole list as CSV (UTF-8 with a BOM, for Excel), one row per person.
pub async fn export_gaps(
    State(state): State<AppState>,
    s: Signed,
    Query(q): Query<AreaQuery>,
) -> Result<Response, WebError> {
    let area = area_of(&s, &q)?;
    let report = state
        .store
        .gap_report(&s.caller.actor, &area, usize::MAX, &s.page.meta)
        .await?;
    let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let internal = |e: csv::Error| WebError::Internal(e.to_string());
    w.write_record(["person_id", "name", "village_code", "categories", "gaps"])
        .map_err(internal)?;
    for r in &report.rows {
        w.write_record([
            r.person_id.to_string(),
            r.name.clone(),
            r.village_code.to_string(),
            r.categories
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>()
                .join(","),
            r.gaps
                .iter()
                .map(|g| g.as_str())
                .collect::<Vec<_>>()
                .join(","),
        ])
        .map_err(internal)?;
    }
    super::csv_download(w, &format!("gaps-{area}.csv"))
}

#[derive(Template, WebTemplate)]
#[template(path = "public_gaps.html")]
struct PublicGapsPage {
    page: Page,
    g: PublicGaps,
}

impl PublicGapsPage {
    fn all_gaps(&self) -> [Gap; 5] {
        Gap::ALL
    }
    fn shown(&self, p: &ruamjai_domain::reports::Published) -> String {
        match p {
            ruamjai_domain::reports::Published::Shown(n) => super::reports::group_digits(*n),
            ruamjai_domain::reports::Published::Suppressed => "—".to_owned(),
        }
    }
    fn child_href(&self, a: &ruamjai_store::areas::Area) -> String {
        if a.code.as_str().len() < 8 {
            format!("/public/gaps?area={}", a.code)
        } else {
            String::new()
        }
    }
}

/// The gap counts of an area for anyone, without login: persons left behind by the areas one
/// level down, small counts suppressed, no person named.
pub async fn public_gaps(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<AreaQuery>,
) -> Result<Response, WebError> {
    let Some(area) = q.area.as_deref().map(str::trim).filter(|a| !a.is_empty()) else {
        return Ok(see_other("/public"));
    };
    let area = area_code_or_404(area)?;
    let g = state.store.public_gaps(&area).await?;
    Ok(PublicGapsPage { page, g }.into_response())
}

#[cfg(test)]
mod tests {
    #[test]
    fn baht_are_grouped_and_satang_shown_when_there_are_any() {
        assert_eq!(super::baht(60_000), "600");
        assert_eq!(super::baht(100_050), "1,000.50");
        assert_eq!(super::baht(123_456_789), "1,234,567.89");
        assert_eq!(super::baht(5), "0.05");
    }
}
