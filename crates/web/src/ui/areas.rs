//! The area browser: the caller's starting areas, search, and drill-down with breadcrumbs
//! province › district › subdistrict › village.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ruamjai_domain::areas::{AreaCode, AreaLevel, Region, level_word_th};
use ruamjai_domain::auth::Operation;
use ruamjai_store::StoreError;
use ruamjai_store::areas::{Area, AreaDetail, NewVillage};
use serde::Deserialize;

use super::{FormErrors, Page, Signed, see_other};
use crate::AppState;
use crate::error::{WebError, area_code_or_404};
use crate::i18n::Lang;

/// Level word for an area in the page's language (อำเภอ / District…).
pub fn level_label(lang: Lang, a: &Area) -> String {
    match lang {
        Lang::Th => level_word_th(a.level, &a.code).to_owned(),
        Lang::En => lang.t(&format!("level-{}", a.level.as_str())),
    }
}

/// An area's full label: `อำเภอเมืองน่าน` / `Mueang Nan District`; villages `หมู่ที่ 3 บ้านดอน`.
pub fn area_label(lang: Lang, a: &Area) -> String {
    let name = lang.area_name(&a.name_th, &a.name_en);
    match (lang, a.level) {
        (Lang::Th, AreaLevel::Village) => {
            format!("หมู่ที่ {} {}", a.village_no.unwrap_or(0), name)
        }
        (Lang::Th, _) => format!("{}{}", level_word_th(a.level, &a.code), name),
        (Lang::En, AreaLevel::Village) => {
            format!("Village No. {} {}", a.village_no.unwrap_or(0), name)
        }
        (Lang::En, _) => format!("{} {}", name, level_label(lang, a)),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "areas.html")]
struct AreasPage {
    page: Page,
    groups: Vec<(String, Vec<Area>)>,
    q: String,
    results: Vec<Area>,
}

/// Starting areas grouped for display: provinces under their region (in the six-region
/// order, by code within a region), anything else in one unnamed group.
fn group_roots(lang: Lang, roots: Vec<Area>) -> Vec<(String, Vec<Area>)> {
    if roots.len() < 10 || roots.iter().any(|a| a.region.is_none()) {
        return vec![(String::new(), roots)];
    }
    Region::ALL
        .into_iter()
        .map(|r| {
            let name = match lang {
                Lang::Th => r.name_th(),
                Lang::En => r.name_en(),
            };
            // DOPA code order: familiar to officials, and plain string order would misplace
            // Thai names that start with a leading vowel (เชียงราย).
            let members: Vec<Area> = roots
                .iter()
                .filter(|a| a.region == Some(r))
                .cloned()
                .collect();
            (name.to_owned(), members)
        })
        .filter(|(_, m)| !m.is_empty())
        .collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "area_results.html")]
struct AreaResults {
    page: Page,
    q: String,
    results: Vec<Area>,
}

#[derive(Deserialize)]
pub struct SearchParams {
    #[serde(default)]
    q: String,
}

async fn run_search(state: &AppState, s: &Signed, q: &str) -> Result<Vec<Area>, WebError> {
    Ok(state
        .store
        .search_areas(&s.caller.actor, q, None, 50)
        .await?)
}

pub async fn index(
    State(state): State<AppState>,
    s: Signed,
    Query(p): Query<SearchParams>,
) -> Result<Response, WebError> {
    let roots = state.store.area_roots(&s.caller.actor).await?;
    let results = run_search(&state, &s, &p.q).await?;
    Ok(AreasPage {
        groups: group_roots(s.page.lang, roots),
        page: s.page,
        q: p.q,
        results,
    }
    .into_response())
}

/// The results fragment, for htmx's live search.
pub async fn search(
    State(state): State<AppState>,
    s: Signed,
    Query(p): Query<SearchParams>,
) -> Result<Response, WebError> {
    let results = run_search(&state, &s, &p.q).await?;
    Ok(AreaResults {
        page: s.page,
        q: p.q,
        results,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "area.html")]
struct AreaPage {
    page: Page,
    d: AreaDetail,
    label: String,
    can_add_village: bool,
    can_rename: bool,
    village_no: String,
    village_name_th: String,
    village_name_en: String,
    errors: FormErrors,
}

async fn area_page(
    state: &AppState,
    s: Signed,
    code: &AreaCode,
    form: Option<(VillageForm, FormErrors)>,
) -> Result<AreaPage, WebError> {
    let d = state.store.area_detail(&s.caller.actor, code).await?;
    let can_add_village = d.area.level == AreaLevel::Subdistrict
        && s.caller.actor.can(Operation::ManageVillages, code);
    let can_rename =
        d.area.level == AreaLevel::Village && s.caller.actor.can(Operation::ManageVillages, code);
    let label = area_label(s.page.lang, &d.area);
    let (f, errors) = form.unwrap_or_else(|| {
        // The rename form starts from the current names.
        let f = VillageForm {
            name_th: if can_rename {
                d.area.name_th.clone()
            } else {
                String::new()
            },
            name_en: if can_rename {
                d.area.name_en.clone()
            } else {
                String::new()
            },
            ..Default::default()
        };
        (f, FormErrors::default())
    });
    Ok(AreaPage {
        page: s.page,
        d,
        label,
        can_add_village,
        can_rename,
        village_no: f.village_no,
        village_name_th: f.name_th,
        village_name_en: f.name_en,
        errors,
    })
}

pub async fn show(
    State(state): State<AppState>,
    s: Signed,
    Path(code): Path<String>,
) -> Result<Response, WebError> {
    let code = area_code_or_404(&code)?;
    Ok(area_page(&state, s, &code, None).await?.into_response())
}

#[derive(Deserialize, Default)]
pub struct VillageForm {
    #[serde(default)]
    village_no: String,
    #[serde(default)]
    name_th: String,
    #[serde(default)]
    name_en: String,
}

pub async fn create_village(
    State(state): State<AppState>,
    s: Signed,
    Path(code): Path<String>,
    Form(f): Form<VillageForm>,
) -> Result<Response, WebError> {
    let code = area_code_or_404(&code)?;
    let no = f.village_no.trim().parse::<u8>().unwrap_or(0);
    let new = NewVillage {
        village_no: no,
        name_th: f.name_th.clone(),
        name_en: f.name_en.clone(),
    };
    let result = state
        .store
        .create_village(&s.caller.actor, &code, new, &s.page.meta)
        .await;
    village_form_outcome(&state, s, &code, f, result).await
}

pub async fn rename_village(
    State(state): State<AppState>,
    s: Signed,
    Path(code): Path<String>,
    Form(f): Form<VillageForm>,
) -> Result<Response, WebError> {
    let code = area_code_or_404(&code)?;
    let result = state
        .store
        .rename_village(&s.caller.actor, &code, &f.name_th, &f.name_en, &s.page.meta)
        .await;
    village_form_outcome(&state, s, &code, f, result).await
}

/// After a village form: to the village's page, or the same page again with the errors next
/// to their fields.
async fn village_form_outcome(
    state: &AppState,
    s: Signed,
    code: &AreaCode,
    f: VillageForm,
    result: Result<Area, StoreError>,
) -> Result<Response, WebError> {
    match result {
        Ok(v) => Ok(see_other(&format!("/areas/{}", v.code))),
        Err(StoreError::Invalid(i)) => {
            let errors = FormErrors::from_invalid(&i, s.page.lang);
            let page = area_page(state, s, code, Some((f, errors))).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
