//! The care pages: a person's care (visits with readings, flags, ADL and photos; a chart of
//! readings over time; the individual care plan with its lines and history; who is assigned),
//! the review queue of conflicting offline edits, issue groups, and visit photos. Recording a
//! visit happens in the field app (`/field`), online or not.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use ruamjai_domain::auth::Operation;
use ruamjai_domain::care::adl::ITEMS;
use ruamjai_domain::care::plan::{GroupForm, ItemForm, ItemKind, ItemStatus, PlanForm, PlanStatus};
use ruamjai_store::StoreError;
use ruamjai_store::care::groups::{GroupDetail, GroupSummary};
use ruamjai_store::care::plans::PlanDetail;
use ruamjai_store::care::{Conflict, Visit};
use ruamjai_store::network::{Organisation, Volunteer, VolunteerQuery};
use ruamjai_store::registry::PersonDetail;

use super::{FormErrors, Page, Signed, Typed, form_errors, see_other, typed, unprocessable};
use crate::AppState;
use crate::error::WebError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/persons/{id}/care", get(care))
        .route("/persons/{id}/plan", post(save_plan))
        .route("/persons/{id}/plan/items", post(add_item))
        .route("/plan-items/{id}", post(update_item))
        .route("/persons/{id}/assign", post(assign))
        .route("/photos/{id}", get(photo))
        .route("/care/conflicts", get(conflicts))
        .route("/care/conflicts/{id}", post(resolve))
        .route("/groups", get(groups).post(create_group))
        .route("/groups/{id}", get(group))
        .route("/groups/{id}/members", post(group_member))
        .route("/groups/{id}/persons", post(group_person))
        .route("/groups/{id}/notes", post(group_note))
}

/// One line of a chart: SVG polyline points in a 0–`W` × 0–`H` box.
pub struct Line {
    /// Message key of the series.
    pub key: &'static str,
    /// Stroke colour.
    pub colour: &'static str,
    /// `x,y x,y …`.
    pub points: String,
    /// Dots (x, y) for single readings.
    pub dots: Vec<(f64, f64)>,
}

/// A small line chart of readings over time, drawn as SVG on the server (no script).
pub struct Chart {
    /// Message key of the title.
    pub title: &'static str,
    /// Lines.
    pub lines: Vec<Line>,
    /// Lowest and highest value of the scale.
    pub low: f64,
    pub high: f64,
    /// First and last day shown.
    pub from: String,
    pub to: String,
}

/// A series of a chart: message key, colour, the reading of a visit.
type Series = (&'static str, &'static str, fn(&Visit) -> Option<f64>);

const W: f64 = 320.0;
const H: f64 = 120.0;

impl Chart {
    /// Chart `series` (each: key, colour, readings) on a fixed scale.
    fn new(
        page: &Page,
        title: &'static str,
        low: f64,
        high: f64,
        visits: &[Visit],
        series: &[Series],
    ) -> Option<Self> {
        let mut vs: Vec<&Visit> = visits.iter().collect();
        vs.sort_by_key(|v| v.visited_at);
        let (first, last) = (vs.first()?.visited_at, vs.last()?.visited_at);
        let span = (last - first).num_seconds().max(1) as f64;
        let x = |t: DateTime<Utc>| {
            if vs.len() == 1 {
                W / 2.0
            } else {
                (t - first).num_seconds() as f64 / span * (W - 20.0) + 10.0
            }
        };
        let y = |v: f64| H - 8.0 - (v.clamp(low, high) - low) / (high - low) * (H - 16.0);
        let lines: Vec<Line> = series
            .iter()
            .map(|(key, colour, get)| {
                let pts: Vec<(f64, f64)> = vs
                    .iter()
                    .filter_map(|v| get(v).map(|r| (x(v.visited_at), y(r))))
                    .collect();
                Line {
                    key,
                    colour,
                    points: pts
                        .iter()
                        .map(|(a, b)| format!("{a:.1},{b:.1}"))
                        .collect::<Vec<_>>()
                        .join(" "),
                    dots: pts,
                }
            })
            .filter(|l| !l.dots.is_empty())
            .collect();
        if lines.is_empty() {
            return None;
        }
        let day = |t: DateTime<Utc>| {
            page.day(
                &t.with_timezone(&ruamjai_domain::thaidate::bangkok())
                    .date_naive(),
            )
        };
        Some(Self {
            title,
            lines,
            low,
            high,
            from: day(first),
            to: day(last),
        })
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "care.html")]
struct CarePage {
    page: Page,
    d: PersonDetail,
    visits: Vec<Visit>,
    plan: Option<PlanDetail>,
    charts: Vec<Chart>,
    assignees: Vec<(i64, String)>,
    organisations: Vec<Organisation>,
    volunteers: Vec<Volunteer>,
    can_manage: bool,
    f: Typed,
    errors: FormErrors,
}

impl CarePage {
    fn v(&self, k: &str) -> String {
        typed(&self.f, k)
    }

    fn when(&self, v: &Visit) -> String {
        self.page.datetime(&v.visited_at)
    }

    fn adl_item_key(&self, i: &usize) -> String {
        format!("adl-{}", ITEMS[*i].name)
    }

    fn flag_text(&self, v: &Visit) -> Vec<(String, &'static str)> {
        v.vitals
            .flags()
            .iter()
            .map(|f| {
                let sev = f.severity.as_str();
                (
                    format!(
                        "{} · {}",
                        self.page.code("flag", f.code),
                        self.page.code("flag", sev)
                    ),
                    sev,
                )
            })
            .collect()
    }

    fn bmi_text(&self, v: &Visit) -> Option<String> {
        v.bmi.map(|b| {
            let g = ruamjai_domain::care::BmiGroup::of(b);
            format!("{b:.1} ({})", self.page.code("bmi", g.as_str()))
        })
    }

    fn kinds(&self) -> &'static [ItemKind] {
        ItemKind::ALL
    }

    fn statuses(&self) -> &'static [ItemStatus] {
        ItemStatus::ALL
    }

    fn plan_statuses(&self) -> &'static [PlanStatus] {
        PlanStatus::ALL
    }

    fn plan_value(&self, k: &str) -> String {
        if let Some(v) = self.f.get(k) {
            return v.clone();
        }
        match (&self.plan, k) {
            (Some(p), "visit_every_days") => p.plan.visit_every_days.to_string(),
            (Some(p), "review_on") => p
                .plan
                .review_on
                .map(|d| {
                    super::registry::typed_date(ruamjai_domain::registry::PartialDate::from_parts(
                        d,
                        ruamjai_domain::registry::Precision::Day,
                    ))
                })
                .unwrap_or_default(),
            (Some(p), "summary") => p.plan.summary.clone().unwrap_or_default(),
            (Some(p), "status") => p.plan.status.as_str().into(),
            (None, "visit_every_days") => ruamjai_store::care::default_interval(None).to_string(),
            _ => String::new(),
        }
    }

    fn change_text(&self, c: &serde_json::Value) -> String {
        let what = c["change"].as_str().unwrap_or("updated");
        let mut s = self.page.code("plan-change", what);
        if let Some(t) = c["text"].as_str() {
            s.push_str(": ");
            s.push_str(t);
        }
        if let Some(st) = c["status"].as_str()
            && what.starts_with("item")
        {
            s.push_str(" → ");
            s.push_str(&self.page.code("item-status", st));
        }
        if let Some(d) = c["visit_every_days"].as_u64() {
            s.push_str(" · ");
            s.push_str(
                &self
                    .page
                    .lang
                    .t_args("my-visits-every", &[("days", d.to_string())]),
            );
        }
        s
    }
}

async fn care_page(
    state: &AppState,
    s: Signed,
    id: i64,
    f: Typed,
    errors: FormErrors,
) -> Result<CarePage, WebError> {
    let actor = &s.caller.actor;
    let d = state.store.person_detail(actor, id, &s.page.meta).await?;
    let visits = state.store.visits_of(actor, id, &s.page.meta).await?;
    let plan = state.store.care_plan(actor, id, &s.page.meta).await?;
    let can_manage = actor.can(Operation::ManageCare, &d.person.village_code);
    let assignees = state.store.assignees(actor, id).await?;
    // Who may be made responsible: partners reaching the person's area, and the volunteers of
    // their subdistrict (nearest circle of help first).
    let (organisations, volunteers) = if can_manage {
        let subdistrict = d
            .person
            .village_code
            .lineage()
            .into_iter()
            .find(|a| a.level() == ruamjai_domain::areas::AreaLevel::Subdistrict);
        (
            state.store.list_organisations(actor, None, None).await?,
            state
                .store
                .list_volunteers(
                    actor,
                    &VolunteerQuery {
                        area: subdistrict,
                        kind: None,
                        skill: None,
                        q: String::new(),
                        limit: 300,
                    },
                    &s.page.meta,
                )
                .await?,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let page = &s.page;
    let charts = [
        Chart::new(
            page,
            "vital-bp",
            60.0,
            220.0,
            &visits,
            &[
                ("vital-systolic", "#b91c1c", |v| {
                    v.vitals.systolic.map(f64::from)
                }),
                ("vital-diastolic", "#1d4ed8", |v| {
                    v.vitals.diastolic.map(f64::from)
                }),
            ],
        ),
        Chart::new(
            page,
            "visit-adl-total",
            0.0,
            20.0,
            &visits,
            &[("visit-adl-total", "#047857", |v| {
                v.adl.map(|a| f64::from(a.total()))
            })],
        ),
        Chart::new(
            page,
            "vital-glucose",
            40.0,
            400.0,
            &visits,
            &[("vital-glucose", "#7c3aed", |v| {
                v.vitals.glucose.map(f64::from)
            })],
        ),
    ]
    .into_iter()
    .flatten()
    .collect();
    Ok(CarePage {
        can_manage,
        page: s.page,
        d,
        visits,
        plan,
        charts,
        assignees,
        organisations,
        volunteers,
        f,
        errors,
    })
}

pub async fn care(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    Ok(
        care_page(&state, s, id, Typed::new(), FormErrors::default())
            .await?
            .into_response(),
    )
}

/// A change from a care-page form: on success back to the page, else the page with errors.
async fn after(
    state: &AppState,
    s: Signed,
    id: i64,
    t: Typed,
    anchor: &str,
    result: Result<(), StoreError>,
) -> Result<Response, WebError> {
    match result {
        Ok(()) => Ok(see_other(&format!("/persons/{id}/care#{anchor}"))),
        Err(e) => {
            let errors = form_errors(e, s.page.lang)?;
            Ok(unprocessable(care_page(state, s, id, t, errors).await?))
        }
    }
}

pub async fn save_plan(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<i64>,
    Form(t): Form<Typed>,
) -> Result<Response, WebError> {
    let form = PlanForm {
        visit_every_days: typed(&t, "visit_every_days"),
        review_on: typed(&t, "review_on"),
        summary: typed(&t, "summary"),
        status: typed(&t, "status"),
    };
    let version = typed(&t, "version").parse::<i32>().ok();
    let result = match form.check() {
        Ok(input) => state
            .store
            .save_plan(&s.caller.actor, id, version, &input, &s.page.meta)
            .await
            .map(|_| ()),
        Err(i) => Err(StoreError::Invalid(i)),
    };
    after(&state, s, id, t, "plan", result).await
}

fn item_form(t: &Typed) -> ItemForm {
    ItemForm {
        kind: typed(t, "kind"),
        text: typed(t, "text"),
        organisation_id: typed(t, "organisation_id"),
        volunteer_id: typed(t, "volunteer_id"),
        due_on: typed(t, "due_on"),
        status: typed(t, "status"),
    }
}

pub async fn add_item(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<i64>,
    Form(t): Form<Typed>,
) -> Result<Response, WebError> {
    let result = match item_form(&t).check() {
        Ok(input) => state
            .store
            .add_plan_item(&s.caller.actor, id, &input, &s.page.meta)
            .await
            .map(|_| ()),
        Err(i) => Err(StoreError::Invalid(i)),
    };
    after(&state, s, id, t, "items", result).await
}

pub async fn update_item(
    State(state): State<AppState>,
    s: Signed,
    Path(item): Path<i64>,
    Form(t): Form<Typed>,
) -> Result<Response, WebError> {
    let person: i64 = typed(&t, "person_id")
        .parse()
        .map_err(|_| WebError::NotFound)?;
    let result = match item_form(&t).check() {
        Ok(input) => {
            state
                .store
                .update_plan_item(&s.caller.actor, item, &input, &s.page.meta)
                .await
        }
        Err(i) => Err(StoreError::Invalid(i)),
    };
    after(&state, s, person, Typed::new(), "items", result).await
}

pub async fn assign(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<i64>,
    Form(t): Form<Typed>,
) -> Result<Response, WebError> {
    let add = typed(&t, "assign") != "0";
    let result = match typed(&t, "user_id").parse::<i64>() {
        Ok(user) => {
            state
                .store
                .assign_person(&s.caller.actor, id, user, add, &s.page.meta)
                .await
        }
        Err(_) => match state.store.user_by_email(&typed(&t, "email")).await {
            Ok(Some(user)) => {
                state
                    .store
                    .assign_person(&s.caller.actor, id, user.id, add, &s.page.meta)
                    .await
            }
            Ok(None) => Err(ruamjai_domain::FieldError::new("email", "user_not_found").into()),
            Err(e) => Err(e),
        },
    };
    after(&state, s, id, t, "assign", result).await
}

/// A visit photo (JPEG, EXIF-free), for whoever may see the person. Never cached by shared
/// caches.
pub async fn photo(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let bytes = state.store.photo(&s.caller.actor, id, &s.page.meta).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/jpeg"),
            (header::CACHE_CONTROL, "private, no-store"),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "conflicts.html")]
struct ConflictsPage {
    page: Page,
    items: Vec<Conflict>,
}

impl ConflictsPage {
    fn when(&self, t: &DateTime<Utc>) -> String {
        self.page.datetime(t)
    }

    /// What the proposal changes: (field label, current, proposed), only where they differ.
    fn diff(&self, c: &Conflict) -> Vec<(String, String, String)> {
        let page = &self.page;
        let (cur, new) = (c.visit.form(), &c.proposed);
        let mut out = Vec::new();
        let mut push = |label: String, a: String, b: String| {
            if a != b {
                out.push((label, a, b));
            }
        };
        let time = |s: &str| {
            ruamjai_domain::care::visit::parse_time(s)
                .map(|t| page.datetime(&t))
                .unwrap_or_else(|| s.to_owned())
        };
        push(
            page.t("visit-when"),
            time(&cur.visited_at),
            time(&new.visited_at),
        );
        // Numbers compare as numbers (`37` and `37.0` are the same reading).
        let num = |s: &str| {
            s.trim()
                .parse::<f64>()
                .map(|v| v.to_string())
                .unwrap_or_else(|_| s.trim().to_owned())
        };
        for (key, a, b) in [
            ("systolic", &cur.vitals.systolic, &new.vitals.systolic),
            ("diastolic", &cur.vitals.diastolic, &new.vitals.diastolic),
            ("pulse", &cur.vitals.pulse, &new.vitals.pulse),
            (
                "temperature",
                &cur.vitals.temperature,
                &new.vitals.temperature,
            ),
            ("spo2", &cur.vitals.spo2, &new.vitals.spo2),
            ("glucose", &cur.vitals.glucose, &new.vitals.glucose),
            ("weight", &cur.vitals.weight, &new.vitals.weight),
            ("height", &cur.vitals.height, &new.vitals.height),
        ] {
            push(page.code("vital", key), num(a), num(b));
        }
        let adl = |m: &Option<std::collections::BTreeMap<String, String>>| {
            m.as_ref()
                .map(|m| {
                    m.values()
                        .filter_map(|v| v.trim().parse::<u32>().ok())
                        .sum::<u32>()
                        .to_string()
                })
                .unwrap_or_else(|| "—".into())
        };
        push(page.t("visit-adl-total"), adl(&cur.adl), adl(&new.adl));
        let needs = |n: &[String]| {
            let mut n: Vec<String> = n.iter().map(|c| page.code("need", c)).collect();
            n.sort();
            n.join(", ")
        };
        push(page.t("visit-needs"), needs(&cur.needs), needs(&new.needs));
        push(
            page.t("visit-needs-note"),
            cur.needs_note.trim().to_owned(),
            new.needs_note.trim().to_owned(),
        );
        push(
            page.t("visit-notes"),
            cur.notes.trim().to_owned(),
            new.notes.trim().to_owned(),
        );
        out
    }
}

pub async fn conflicts(State(state): State<AppState>, s: Signed) -> Result<Response, WebError> {
    let items = state
        .store
        .conflicts(&s.caller.actor)
        .await
        .map_err(|e| match e {
            StoreError::Forbidden => WebError::NotFound,
            e => e.into(),
        })?;
    Ok(ConflictsPage {
        page: s.page,
        items,
    }
    .into_response())
}

pub async fn resolve(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<i64>,
    Form(t): Form<Typed>,
) -> Result<Response, WebError> {
    state
        .store
        .resolve_conflict(&s.caller.actor, id, typed(&t, "apply") == "1", &s.page.meta)
        .await?;
    Ok(see_other("/care/conflicts"))
}

#[derive(Template, WebTemplate)]
#[template(path = "groups.html")]
struct GroupsPage {
    page: Page,
    items: Vec<GroupSummary>,
    can_create: bool,
    f: Typed,
    errors: FormErrors,
}

impl GroupsPage {
    fn v(&self, k: &str) -> String {
        typed(&self.f, k)
    }
}

async fn groups_page(
    state: &AppState,
    s: Signed,
    mut f: Typed,
    errors: FormErrors,
) -> Result<GroupsPage, WebError> {
    let items = state.store.groups(&s.caller.actor).await?;
    if !f.contains_key("area_code")
        && let Some(a) = s.caller.actor.first_area(Operation::ManageGroups)
    {
        f.insert("area_code".into(), a.to_string());
    }
    Ok(GroupsPage {
        can_create: s.caller.actor.can_somewhere(Operation::ManageGroups),
        page: s.page,
        items,
        f,
        errors,
    })
}

pub async fn groups(State(state): State<AppState>, s: Signed) -> Result<Response, WebError> {
    Ok(groups_page(&state, s, Typed::new(), FormErrors::default())
        .await?
        .into_response())
}

pub async fn create_group(
    State(state): State<AppState>,
    s: Signed,
    Form(t): Form<Typed>,
) -> Result<Response, WebError> {
    let form = GroupForm {
        name: typed(&t, "name"),
        description: typed(&t, "description"),
        area_code: typed(&t, "area_code"),
    };
    let result = match form.check() {
        Ok(input) => {
            state
                .store
                .create_group(&s.caller.actor, &input, &s.page.meta)
                .await
        }
        Err(i) => Err(StoreError::Invalid(i)),
    };
    match result {
        Ok(id) => Ok(see_other(&format!("/groups/{id}"))),
        Err(e) => {
            let errors = form_errors(e, s.page.lang)?;
            Ok(unprocessable(groups_page(&state, s, t, errors).await?))
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "group.html")]
struct GroupPage {
    page: Page,
    g: GroupDetail,
    f: Typed,
    errors: FormErrors,
}

impl GroupPage {
    fn v(&self, k: &str) -> String {
        typed(&self.f, k)
    }

    fn when(&self, t: &DateTime<Utc>) -> String {
        self.page.datetime(t)
    }
}

async fn group_page(
    state: &AppState,
    s: Signed,
    id: i64,
    f: Typed,
    errors: FormErrors,
) -> Result<GroupPage, WebError> {
    let g = state.store.group(&s.caller.actor, id, &s.page.meta).await?;
    Ok(GroupPage {
        page: s.page,
        g,
        f,
        errors,
    })
}

pub async fn group(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    Ok(
        group_page(&state, s, id, Typed::new(), FormErrors::default())
            .await?
            .into_response(),
    )
}

async fn group_after(
    state: &AppState,
    s: Signed,
    id: i64,
    t: Typed,
    result: Result<(), StoreError>,
) -> Result<Response, WebError> {
    match result {
        Ok(()) => Ok(see_other(&format!("/groups/{id}"))),
        Err(e) => {
            let errors = form_errors(e, s.page.lang)?;
            Ok(unprocessable(group_page(state, s, id, t, errors).await?))
        }
    }
}

pub async fn group_member(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<i64>,
    Form(t): Form<Typed>,
) -> Result<Response, WebError> {
    let add = typed(&t, "remove").is_empty();
    let result = state
        .store
        .set_group_member(&s.caller.actor, id, &typed(&t, "email"), add, &s.page.meta)
        .await;
    group_after(&state, s, id, t, result).await
}

pub async fn group_person(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<i64>,
    Form(t): Form<Typed>,
) -> Result<Response, WebError> {
    let add = typed(&t, "remove").is_empty();
    let result = match typed(&t, "person_id").trim().parse::<i64>() {
        Ok(p) => {
            state
                .store
                .set_group_person(&s.caller.actor, id, p, add, &s.page.meta)
                .await
        }
        Err(_) => Err(ruamjai_domain::FieldError::new("person_id", "person_not_found").into()),
    };
    group_after(&state, s, id, t, result).await
}

pub async fn group_note(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<i64>,
    Form(t): Form<Typed>,
) -> Result<Response, WebError> {
    let result = state
        .store
        .add_group_note(&s.caller.actor, id, &typed(&t, "text"), &s.page.meta)
        .await;
    group_after(&state, s, id, t, result).await
}
