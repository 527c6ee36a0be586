//! The network pages: the network dashboard, partners, volunteers (with hours given), the
//! volunteer college (courses → sessions → enrolment, attendance, completion, printable
//! certificate) and the public certificate check.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use ruamjai_domain::areas::AreaCode;
use ruamjai_domain::auth::Operation;
use ruamjai_domain::network::{
    CourseForm, HoursForm, Language, Offer, OrgType, OrganisationForm, Sector, SessionForm, Skill,
    VolunteerForm, VolunteerKind,
};
use ruamjai_domain::registry::PartialDate;
use ruamjai_store::StoreError;
use ruamjai_store::network::college::{CertificateCheck, Course, Enrolment, Session};
use ruamjai_store::network::{NetworkDashboard, Organisation, Volunteer, VolunteerQuery};
use serde::Deserialize;

use super::{FormErrors, Page, Signed, Typed, form_errors, see_other, typed, unprocessable};
use crate::AppState;
use crate::error::WebError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/network", get(index))
        .route("/partners", get(partners).post(create_partner))
        .route(
            "/partners/{id}/edit",
            get(edit_partner_page).post(update_partner),
        )
        .route("/networks", post(create_network))
        .route("/networks/{id}/members", post(join_network))
        .route("/volunteers", get(volunteers).post(create_volunteer))
        .route("/volunteers/new", get(new_volunteer))
        .route("/volunteers/{id}", get(volunteer))
        .route("/volunteers/{id}/hours", post(log_hours))
        .route("/volunteers/{id}/login", post(link_login))
        .route(
            "/volunteers/{id}/edit",
            get(edit_volunteer_page).post(update_volunteer),
        )
        .route("/college", get(college).post(create_course))
        .route("/college/courses/{id}", get(course).post(create_session))
        .route("/college/sessions/{id}", get(session).post(enrol))
        .route("/college/enrolments/{id}/attendance", post(attendance))
        .route("/college/enrolments/{id}/complete", post(complete))
        .route("/college/enrolments/{id}/certificate", get(certificate))
        .route("/verify", get(verify))
        .route("/network/import", get(import_page).post(import_list))
}

fn need(s: &Signed, op: Operation) -> Result<(), WebError> {
    if s.caller.actor.can_somewhere(op) {
        Ok(())
    } else {
        Err(WebError::NotFound)
    }
}

/// The caller's first area for `op`, to pre-fill area fields.
fn own_area(s: &Signed, op: Operation) -> String {
    s.caller
        .actor
        .first_area(op)
        .map(|a| a.to_string())
        .unwrap_or_default()
}

// ----- dashboard --------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "network.html")]
struct NetworkPage {
    page: Page,
    d: NetworkDashboard,
    area: String,
    can_view: bool,
    can_manage: bool,
}

#[derive(Deserialize, Default)]
pub struct AreaQuery {
    #[serde(default)]
    area: String,
}

pub async fn index(
    State(state): State<AppState>,
    s: Signed,
    Query(q): Query<AreaQuery>,
) -> Result<Response, WebError> {
    let area = match q.area.trim() {
        "" => None,
        a => Some(AreaCode::parse(a).map_err(|_| WebError::NotFound)?),
    };
    let d = state
        .store
        .network_dashboard(&s.caller.actor, area.as_ref())
        .await?;
    Ok(NetworkPage {
        can_view: s.caller.actor.can_somewhere(Operation::ViewNetwork),
        can_manage: s.caller.actor.can_somewhere(Operation::ManageNetwork),
        page: s.page,
        d,
        area: area.map(|a| a.to_string()).unwrap_or_default(),
    }
    .into_response())
}

impl NetworkPage {
    fn hours(&self, minutes: &i64) -> String {
        hours_text(*minutes)
    }
    fn kind_hours(&self, kind: &VolunteerKind) -> String {
        let m = self
            .d
            .minutes_by_kind
            .iter()
            .find(|(k, _)| k == kind)
            .map_or(0, |(_, m)| *m);
        hours_text(m)
    }
}

/// Minutes as hours for people (`12.5`).
fn hours_text(minutes: i64) -> String {
    let h = minutes as f64 / 60.0;
    if minutes % 60 == 0 {
        format!("{}", minutes / 60)
    } else {
        format!("{h:.1}")
    }
}

// ----- partners ---------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "partners.html")]
struct PartnersPage {
    page: Page,
    partners: Vec<Organisation>,
    networks: Vec<ruamjai_store::network::Network>,
    can_manage: bool,
    f: Typed,
    errors: FormErrors,
    /// Editing this partner (none: the list with the form to add one).
    editing: Option<i64>,
}

impl PartnersPage {
    fn v(&self, k: &str) -> String {
        typed(&self.f, k)
    }
    fn sectors(&self) -> &'static [Sector] {
        Sector::ALL
    }
    fn org_types(&self) -> &'static [OrgType] {
        OrgType::ALL
    }
    fn offers(&self) -> &'static [Offer] {
        Offer::ALL
    }
    fn checked(&self, k: &str, code: &str) -> bool {
        self.v(k).split(',').any(|c| c == code)
    }
    fn is_lead(&self, n: &ruamjai_store::network::Network, id: &i64) -> bool {
        n.lead == Some(*id)
    }
    /// The caller may change this partner (its area is inside their scope).
    fn may_edit(&self, o: &Organisation) -> bool {
        self.page.may(Operation::ManageNetwork, &o.area)
    }
}

async fn partners_page(
    state: &AppState,
    s: Signed,
    f: Typed,
    errors: FormErrors,
) -> Result<PartnersPage, WebError> {
    need(&s, Operation::ViewNetwork)?;
    let partners = state
        .store
        .list_organisations(&s.caller.actor, None, None)
        .await?;
    let networks = state.store.list_networks(&s.caller.actor).await?;
    let mut f = f;
    f.entry("area_code".into())
        .or_insert_with(|| own_area(&s, Operation::ManageNetwork));
    let editing = f.get("id").and_then(|i| i.parse().ok());
    Ok(PartnersPage {
        can_manage: s.caller.actor.can_somewhere(Operation::ManageNetwork),
        page: s.page,
        partners,
        networks,
        f,
        errors,
        editing,
    })
}

pub async fn partners(State(state): State<AppState>, s: Signed) -> Result<Response, WebError> {
    Ok(
        partners_page(&state, s, Typed::new(), FormErrors::default())
            .await?
            .into_response(),
    )
}

fn partner_form_of(t: &Typed) -> OrganisationForm {
    OrganisationForm {
        name_th: typed(t, "name_th"),
        name_en: typed(t, "name_en"),
        sector: typed(t, "sector"),
        org_type: typed(t, "org_type"),
        area_code: typed(t, "area_code"),
        contact_name: typed(t, "contact_name"),
        phone: typed(t, "phone"),
        email: typed(t, "email"),
        offers: typed(t, "offers"),
        offer_note: typed(t, "offer_note"),
    }
}

/// The partner's form filled with what is stored.
pub async fn edit_partner_page(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let o = state.store.organisation(&s.caller.actor, id).await?;
    if !s.caller.actor.can(Operation::ManageNetwork, &o.area) {
        return Err(WebError::Forbidden);
    }
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let mut f = Typed::new();
    for (k, v) in [
        ("id", o.id.to_string()),
        ("version", o.version.to_string()),
        ("name_th", o.name_th.clone()),
        ("name_en", opt(&o.name_en)),
        ("sector", o.sector.as_str().to_owned()),
        ("org_type", o.org_type.as_str().to_owned()),
        ("area_code", o.area.to_string()),
        ("contact_name", opt(&o.contact_name)),
        ("phone", opt(&o.phone)),
        ("email", opt(&o.email)),
        (
            "offers",
            o.offers
                .iter()
                .map(|x| x.as_str())
                .collect::<Vec<_>>()
                .join(","),
        ),
        ("offer_note", opt(&o.offer_note)),
    ] {
        f.insert(k.to_owned(), v);
    }
    Ok(partners_page(&state, s, f, FormErrors::default())
        .await?
        .into_response())
}

pub async fn update_partner(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let mut t = gather(f, &["offers"]);
    t.insert("id".into(), id.to_string());
    let version = typed(&t, "version").parse::<i32>().unwrap_or(0);
    let result = match partner_form_of(&t).check() {
        Ok(input) => {
            state
                .store
                .update_organisation(&s.caller.actor, id, version, input, &s.page.meta)
                .await
        }
        Err(i) => Err(StoreError::Invalid(i)),
    };
    match result {
        Ok(()) => Ok(see_other("/partners")),
        Err(e) => {
            let errors = form_errors(e, s.page.lang)?;
            Ok(unprocessable(partners_page(&state, s, t, errors).await?))
        }
    }
}

#[derive(Deserialize)]
pub struct NetworkForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    area_code: String,
    #[serde(default)]
    lead_id: String,
}

/// Make a network of partners.
pub async fn create_network(
    State(state): State<AppState>,
    s: Signed,
    Form(f): Form<NetworkForm>,
) -> Result<Response, WebError> {
    let area = AreaCode::parse(f.area_code.trim())
        .map_err(|_| ruamjai_domain::Invalid::one("area_code", "invalid_area_code"));
    let lead = f.lead_id.trim().parse::<i64>().ok();
    let result = match area {
        Ok(a) => state
            .store
            .create_network(&s.caller.actor, &f.name, &a, lead, &s.page.meta)
            .await
            .map(|_| ()),
        Err(i) => Err(StoreError::Invalid(i)),
    };
    network_outcome(&state, s, result).await
}

#[derive(Deserialize)]
pub struct JoinForm {
    #[serde(default)]
    organisation_id: String,
}

/// A partner joins a network.
pub async fn join_network(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<i64>,
    Form(f): Form<JoinForm>,
) -> Result<Response, WebError> {
    let result = match f.organisation_id.trim().parse::<i64>() {
        Ok(o) => {
            state
                .store
                .join_network(&s.caller.actor, id, o, &s.page.meta)
                .await
        }
        Err(_) => Err(StoreError::Invalid(ruamjai_domain::Invalid::one(
            "organisation_id",
            "required",
        ))),
    };
    network_outcome(&state, s, result).await
}

async fn network_outcome(
    state: &AppState,
    s: Signed,
    result: Result<(), StoreError>,
) -> Result<Response, WebError> {
    match result {
        Ok(()) => Ok(see_other("/partners#networks")),
        Err(e) => {
            let errors = form_errors(e, s.page.lang)?;
            Ok(unprocessable(
                partners_page(state, s, Typed::new(), errors).await?,
            ))
        }
    }
}

pub async fn create_partner(
    State(state): State<AppState>,
    s: Signed,
    Form(f): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let mut t = Typed::new();
    let mut offers = Vec::new();
    for (k, v) in f {
        if k == "offers" {
            offers.push(v);
        } else {
            t.insert(k, v);
        }
    }
    t.insert("offers".into(), offers.join(","));
    let result = match partner_form_of(&t).check() {
        Ok(input) => {
            state
                .store
                .create_organisation(&s.caller.actor, input, &s.page.meta)
                .await
        }
        Err(i) => Err(StoreError::Invalid(i)),
    };
    match result {
        Ok(_) => Ok(see_other("/partners")),
        Err(e) => {
            let errors = form_errors(e, s.page.lang)?;
            Ok(unprocessable(partners_page(&state, s, t, errors).await?))
        }
    }
}

// ----- volunteers -------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "volunteers.html")]
struct VolunteersPage {
    page: Page,
    list: Vec<Volunteer>,
    q: VolunteersQuery,
    can_manage: bool,
}

impl VolunteersPage {
    fn kinds(&self) -> &'static [VolunteerKind] {
        VolunteerKind::ALL
    }
    fn skills(&self) -> &'static [Skill] {
        Skill::ALL
    }
    fn hours(&self, v: &Volunteer) -> String {
        hours_text(v.minutes_given)
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct VolunteersQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    skill: String,
}

pub async fn volunteers(
    State(state): State<AppState>,
    s: Signed,
    Query(q): Query<VolunteersQuery>,
) -> Result<Response, WebError> {
    need(&s, Operation::ViewNetwork)?;
    let list = state
        .store
        .list_volunteers(
            &s.caller.actor,
            &VolunteerQuery {
                area: None,
                kind: VolunteerKind::parse(&q.kind),
                skill: Skill::parse(&q.skill),
                q: q.q.clone(),
                limit: 200,
            },
            &s.page.meta,
        )
        .await?;
    Ok(VolunteersPage {
        can_manage: s.caller.actor.can_somewhere(Operation::ManageNetwork),
        page: s.page,
        list,
        q,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "volunteer_form.html")]
struct VolunteerFormPage {
    page: Page,
    f: Typed,
    errors: FormErrors,
    partners: Vec<Organisation>,
    /// Editing this volunteer (none: adding one).
    editing: Option<i64>,
}

impl VolunteerFormPage {
    fn v(&self, k: &str) -> String {
        typed(&self.f, k)
    }
    fn kinds(&self) -> &'static [VolunteerKind] {
        VolunteerKind::ALL
    }
    fn skills(&self) -> &'static [Skill] {
        Skill::ALL
    }
    fn languages(&self) -> &'static [Language] {
        Language::ALL
    }
    fn has(&self, k: &str, code: &str) -> bool {
        self.v(k).split(',').any(|c| c == code)
    }
}

async fn volunteer_form(
    state: &AppState,
    s: Signed,
    f: Typed,
    errors: FormErrors,
) -> Result<VolunteerFormPage, WebError> {
    need(&s, Operation::ManageNetwork)?;
    let partners = state
        .store
        .list_organisations(&s.caller.actor, None, None)
        .await?;
    let editing = f.get("id").and_then(|i| i.parse().ok());
    Ok(VolunteerFormPage {
        page: s.page,
        f,
        errors,
        partners,
        editing,
    })
}

pub async fn new_volunteer(State(state): State<AppState>, s: Signed) -> Result<Response, WebError> {
    let mut f = Typed::new();
    f.insert("area_code".into(), own_area(&s, Operation::ManageNetwork));
    f.insert(
        "kind".into(),
        VolunteerKind::HealthVolunteer.as_str().into(),
    );
    f.insert("languages".into(), Language::Thai.as_str().into());
    Ok(volunteer_form(&state, s, f, FormErrors::default())
        .await?
        .into_response())
}

/// A form whose checkbox groups (`skills`, `languages`, `offers`) repeat a name: joined with
/// commas, the rest kept as typed.
fn gather(f: Vec<(String, String)>, lists: &[&str]) -> Typed {
    let mut t = Typed::new();
    for (k, v) in f {
        if lists.contains(&k.as_str()) {
            let e = t.entry(k).or_default();
            if !e.is_empty() {
                e.push(',');
            }
            e.push_str(&v);
        } else {
            t.insert(k, v);
        }
    }
    t
}

fn volunteer_form_of(t: &Typed) -> VolunteerForm {
    VolunteerForm {
        prefix: typed(t, "prefix"),
        first_name: typed(t, "first_name"),
        last_name: typed(t, "last_name"),
        kind: typed(t, "kind"),
        phone: typed(t, "phone"),
        area_code: typed(t, "area_code"),
        lat: typed(t, "lat"),
        lon: typed(t, "lon"),
        skills: typed(t, "skills"),
        languages: typed(t, "languages"),
        availability: typed(t, "availability"),
        organisation_id: typed(t, "organisation_id"),
    }
}

/// A volunteer's form filled with what is stored (declared skills only: course skills stay).
pub async fn edit_volunteer_page(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let v = state
        .store
        .volunteer(&s.caller.actor, id, &s.page.meta)
        .await?;
    if !s.caller.actor.can(Operation::ManageNetwork, &v.area) {
        return Err(WebError::Forbidden);
    }
    let mut f = Typed::new();
    let opt = |o: &Option<String>| o.clone().unwrap_or_default();
    for (k, val) in [
        ("id", v.id.to_string()),
        ("version", v.version.to_string()),
        ("prefix", opt(&v.prefix)),
        ("first_name", v.first_name.clone()),
        ("last_name", v.last_name.clone()),
        ("kind", v.kind.as_str().to_owned()),
        ("phone", opt(&v.phone)),
        ("area_code", v.area.to_string()),
        ("lat", v.home.map(|h| h.0.to_string()).unwrap_or_default()),
        ("lon", v.home.map(|h| h.1.to_string()).unwrap_or_default()),
        (
            "skills",
            v.skills
                .iter()
                .filter(|h| h.course_id.is_none())
                .map(|h| h.skill.as_str())
                .collect::<Vec<_>>()
                .join(","),
        ),
        (
            "languages",
            v.languages
                .iter()
                .map(|l| l.as_str())
                .collect::<Vec<_>>()
                .join(","),
        ),
        ("availability", v.availability.to_text()),
        (
            "organisation_id",
            v.organisation_id.map(|o| o.to_string()).unwrap_or_default(),
        ),
        ("active", if v.active { "true" } else { "" }.to_owned()),
    ] {
        f.insert(k.to_owned(), val);
    }
    Ok(volunteer_form(&state, s, f, FormErrors::default())
        .await?
        .into_response())
}

pub async fn update_volunteer(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let mut t = gather(f, &["skills", "languages"]);
    t.insert("id".into(), id.to_string());
    let version = typed(&t, "version").parse::<i32>().unwrap_or(0);
    let active = typed(&t, "active") == "true";
    let result = match volunteer_form_of(&t).check() {
        Ok(input) => {
            state
                .store
                .update_volunteer(&s.caller.actor, id, version, input, active, &s.page.meta)
                .await
        }
        Err(i) => Err(StoreError::Invalid(i)),
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/volunteers/{id}"))),
        Err(e) => {
            let errors = form_errors(e, s.page.lang)?;
            Ok(unprocessable(volunteer_form(&state, s, t, errors).await?))
        }
    }
}

pub async fn create_volunteer(
    State(state): State<AppState>,
    s: Signed,
    Form(f): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let t = gather(f, &["skills", "languages"]);
    let form = volunteer_form_of(&t);
    let result = match form.check() {
        Ok(input) => {
            state
                .store
                .create_volunteer(&s.caller.actor, input, &s.page.meta)
                .await
        }
        Err(i) => Err(StoreError::Invalid(i)),
    };
    match result {
        Ok(id) => Ok(see_other(&format!("/volunteers/{id}"))),
        Err(e) => {
            let errors = form_errors(e, s.page.lang)?;
            Ok(unprocessable(volunteer_form(&state, s, t, errors).await?))
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "volunteer.html")]
struct VolunteerPage {
    page: Page,
    vol: Volunteer,
    can_manage: bool,
    /// May link a login (manages users over the volunteer's area).
    can_link: bool,
    f: Typed,
    errors: FormErrors,
}

impl VolunteerPage {
    fn v(&self, k: &str) -> String {
        typed(&self.f, k)
    }
    fn hours(&self) -> String {
        hours_text(self.vol.minutes_given)
    }
}

async fn volunteer_page(
    state: &AppState,
    s: Signed,
    id: i64,
    f: Typed,
    errors: FormErrors,
) -> Result<VolunteerPage, WebError> {
    let v = state
        .store
        .volunteer(&s.caller.actor, id, &s.page.meta)
        .await?;
    let mut f = f;
    f.entry("date".into())
        .or_insert_with(|| s.page.today_typed());
    Ok(VolunteerPage {
        can_manage: s.caller.actor.can(Operation::ManageNetwork, &v.area),
        can_link: s.caller.actor.can(Operation::ManageUsers, &v.area),
        page: s.page,
        vol: v,
        f,
        errors,
    })
}

pub async fn volunteer(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    Ok(
        volunteer_page(&state, s, id, Typed::new(), FormErrors::default())
            .await?
            .into_response(),
    )
}

pub async fn log_hours(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<i64>,
    Form(t): Form<Typed>,
) -> Result<Response, WebError> {
    let form = HoursForm {
        date: typed(&t, "date"),
        hours: typed(&t, "hours"),
        activity: typed(&t, "activity"),
    };
    let result = match form.check(ruamjai_store::registry::today()) {
        Ok(input) => state
            .store
            .log_hours(&s.caller.actor, id, input, &s.page.meta)
            .await
            .map(|_| ()),
        Err(i) => Err(StoreError::Invalid(i)),
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/volunteers/{id}#hours"))),
        Err(e) => {
            let errors = form_errors(e, s.page.lang)?;
            Ok(unprocessable(
                volunteer_page(&state, s, id, t, errors).await?,
            ))
        }
    }
}

/// Link the volunteer to a user account by e-mail (empty: unlink).
pub async fn link_login(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<i64>,
    Form(t): Form<Typed>,
) -> Result<Response, WebError> {
    let email = typed(&t, "email");
    let result = state
        .store
        .link_volunteer_login(&s.caller.actor, id, Some(email.as_str()), &s.page.meta)
        .await;
    match result {
        Ok(()) => Ok(see_other(&format!("/volunteers/{id}#login"))),
        Err(e) => {
            let errors = form_errors(e, s.page.lang)?;
            Ok(unprocessable(
                volunteer_page(&state, s, id, t, errors).await?,
            ))
        }
    }
}

// ----- college ----------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "college.html")]
struct CollegePage {
    page: Page,
    courses: Vec<Course>,
    can_manage: bool,
    f: Typed,
    errors: FormErrors,
}

impl CollegePage {
    fn v(&self, k: &str) -> String {
        typed(&self.f, k)
    }
    fn skills(&self) -> &'static [Skill] {
        Skill::ALL
    }
    fn has(&self, code: &str) -> bool {
        self.v("skills").split(',').any(|c| c == code)
    }
}

async fn college_page(
    state: &AppState,
    s: Signed,
    f: Typed,
    errors: FormErrors,
) -> Result<CollegePage, WebError> {
    need(&s, Operation::ViewNetwork)?;
    let courses = state.store.list_courses(&s.caller.actor).await?;
    let mut f = f;
    f.entry("area_code".into())
        .or_insert_with(|| own_area(&s, Operation::ManageCollege));
    Ok(CollegePage {
        can_manage: s.caller.actor.can_somewhere(Operation::ManageCollege),
        page: s.page,
        courses,
        f,
        errors,
    })
}

pub async fn college(State(state): State<AppState>, s: Signed) -> Result<Response, WebError> {
    Ok(college_page(&state, s, Typed::new(), FormErrors::default())
        .await?
        .into_response())
}

pub async fn create_course(
    State(state): State<AppState>,
    s: Signed,
    Form(f): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let t = gather(f, &["skills"]);
    let form = CourseForm {
        title_th: typed(&t, "title_th"),
        title_en: typed(&t, "title_en"),
        area_code: typed(&t, "area_code"),
        skills: typed(&t, "skills"),
        hours: typed(&t, "hours"),
        description: typed(&t, "description"),
    };
    let result = match form.check() {
        Ok(input) => {
            state
                .store
                .create_course(&s.caller.actor, input, &s.page.meta)
                .await
        }
        Err(i) => Err(StoreError::Invalid(i)),
    };
    match result {
        Ok(id) => Ok(see_other(&format!("/college/courses/{id}"))),
        Err(e) => {
            let errors = form_errors(e, s.page.lang)?;
            Ok(unprocessable(college_page(&state, s, t, errors).await?))
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "course.html")]
struct CoursePage {
    page: Page,
    c: Course,
    sessions: Vec<Session>,
    can_manage: bool,
    f: Typed,
    errors: FormErrors,
}

impl CoursePage {
    fn v(&self, k: &str) -> String {
        typed(&self.f, k)
    }
}

async fn course_page(
    state: &AppState,
    s: Signed,
    id: i64,
    f: Typed,
    errors: FormErrors,
) -> Result<CoursePage, WebError> {
    let c = state.store.course(&s.caller.actor, id).await?;
    let sessions = state
        .store
        .list_course_sessions(&s.caller.actor, id)
        .await?;
    Ok(CoursePage {
        can_manage: s.caller.actor.can(Operation::ManageCollege, &c.area),
        page: s.page,
        c,
        sessions,
        f,
        errors,
    })
}

pub async fn course(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    Ok(
        course_page(&state, s, id, Typed::new(), FormErrors::default())
            .await?
            .into_response(),
    )
}

pub async fn create_session(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<i64>,
    Form(t): Form<Typed>,
) -> Result<Response, WebError> {
    let form = SessionForm {
        date: typed(&t, "date"),
        place: typed(&t, "place"),
        trainer: typed(&t, "trainer"),
        capacity: typed(&t, "capacity"),
    };
    let result = match form.check() {
        Ok(input) => {
            state
                .store
                .create_course_session(&s.caller.actor, id, input, &s.page.meta)
                .await
        }
        Err(i) => Err(StoreError::Invalid(i)),
    };
    match result {
        Ok(sid) => Ok(see_other(&format!("/college/sessions/{sid}"))),
        Err(e) => {
            let errors = form_errors(e, s.page.lang)?;
            Ok(unprocessable(course_page(&state, s, id, t, errors).await?))
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "session.html")]
struct SessionPage {
    page: Page,
    c: Course,
    session: Session,
    enrolments: Vec<Enrolment>,
    /// Volunteers who can be enrolled (in the caller's scope, not yet in).
    candidates: Vec<Volunteer>,
    errors: FormErrors,
}

async fn session_page(
    state: &AppState,
    s: Signed,
    id: i64,
    errors: FormErrors,
) -> Result<SessionPage, WebError> {
    let enrolments = state.store.list_enrolments(&s.caller.actor, id).await?;
    let session = state.store.course_session(&s.caller.actor, id).await?;
    let c = state
        .store
        .course(&s.caller.actor, session.course_id)
        .await?;
    let taken: Vec<i64> = enrolments.iter().map(|e| e.volunteer_id).collect();
    let candidates = state
        .store
        .list_volunteers(
            &s.caller.actor,
            &VolunteerQuery {
                limit: 500,
                ..Default::default()
            },
            &s.page.meta,
        )
        .await?
        .into_iter()
        .filter(|v| v.active && !taken.contains(&v.id))
        .collect();
    Ok(SessionPage {
        page: s.page,
        c,
        session,
        enrolments,
        candidates,
        errors,
    })
}

pub async fn session(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    Ok(session_page(&state, s, id, FormErrors::default())
        .await?
        .into_response())
}

#[derive(Deserialize)]
pub struct EnrolForm {
    #[serde(default)]
    volunteer_id: String,
}

pub async fn enrol(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<i64>,
    Form(f): Form<EnrolForm>,
) -> Result<Response, WebError> {
    let result = match f.volunteer_id.trim().parse::<i64>() {
        Ok(v) => state
            .store
            .enrol(&s.caller.actor, id, v, &s.page.meta)
            .await
            .map(|_| ()),
        Err(_) => Err(StoreError::Invalid(ruamjai_domain::Invalid::one(
            "volunteer_id",
            "required",
        ))),
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/college/sessions/{id}"))),
        Err(e) => {
            let errors = form_errors(e, s.page.lang)?;
            Ok(unprocessable(session_page(&state, s, id, errors).await?))
        }
    }
}

#[derive(Deserialize)]
pub struct AttendanceForm {
    #[serde(default)]
    attended: String,
    session_id: i64,
}

pub async fn attendance(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<i64>,
    Form(f): Form<AttendanceForm>,
) -> Result<Response, WebError> {
    let result = state
        .store
        .mark_attendance(&s.caller.actor, id, f.attended == "true", &s.page.meta)
        .await;
    session_outcome(&state, s, f.session_id, result).await
}

#[derive(Deserialize)]
pub struct CompleteForm {
    #[serde(default)]
    date: String,
    session_id: i64,
}

pub async fn complete(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<i64>,
    Form(f): Form<CompleteForm>,
) -> Result<Response, WebError> {
    let result = match PartialDate::parse("date", &f.date, ruamjai_store::registry::today()) {
        Ok(d) => state
            .store
            .complete_course(&s.caller.actor, id, d.date, &s.page.meta)
            .await
            .map(|_| ()),
        Err(e) => Err(StoreError::Invalid(ruamjai_domain::Invalid(vec![e]))),
    };
    session_outcome(&state, s, f.session_id, result).await
}

/// Back to the session after an action on one enrolment, or the session with the error.
async fn session_outcome(
    state: &AppState,
    s: Signed,
    session_id: i64,
    result: Result<(), StoreError>,
) -> Result<Response, WebError> {
    match result {
        Ok(()) => Ok(see_other(&format!("/college/sessions/{session_id}"))),
        Err(e) => {
            let errors = form_errors(e, s.page.lang)?;
            Ok(unprocessable(
                session_page(state, s, session_id, errors).await?,
            ))
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "certificate.html")]
struct CertificatePage {
    page: Page,
    check: CertificateCheck,
    verify_url: String,
}

/// The printable certificate of a completed enrolment (for those who run the course).
pub async fn certificate(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let check = state
        .store
        .certificate(&s.caller.actor, id, &s.page.meta)
        .await?
        .ok_or(WebError::NotFound)?;
    Ok(CertificatePage {
        verify_url: format!("{}/verify?code={}", state.config.base_url, check.code),
        page: s.page,
        check,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "verify.html")]
struct VerifyPage {
    page: Page,
    code: String,
    result: Option<Option<CertificateCheck>>,
}

#[derive(Deserialize, Default)]
pub struct VerifyQuery {
    #[serde(default)]
    code: String,
}

/// The public certificate check: no account needed; shows name, course and date only.
pub async fn verify(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<VerifyQuery>,
) -> Result<Response, WebError> {
    let result = if q.code.trim().is_empty() {
        None
    } else {
        Some(state.store.verify_certificate(&q.code, &page.meta).await?)
    };
    Ok(VerifyPage {
        page,
        code: q.code,
        result,
    }
    .into_response())
}

// ----- list import ------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "network_import.html")]
struct ImportPage {
    page: Page,
    kind: String,
    area: String,
    /// Mapping overrides as typed.
    map: String,
    dry_run: bool,
    error: Option<String>,
    /// Header → field, as recognised.
    mapping: Vec<(String, String)>,
    report: Option<ruamjai_store::network::import::ListReport>,
}

impl ImportPage {
    fn row_errors(&self, e: &ruamjai_store::registry::ImportRowError) -> String {
        e.errors
            .iter()
            .map(|f| format!("{}: {}", f.field, self.page.lang.error(f.code)))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

pub async fn import_page(s: Signed) -> Result<Response, WebError> {
    need(&s, Operation::ManageNetwork)?;
    Ok(ImportPage {
        area: own_area(&s, Operation::ManageNetwork),
        page: s.page,
        kind: "volunteers".into(),
        map: String::new(),
        dry_run: true,
        error: None,
        mapping: Vec::new(),
        report: None,
    }
    .into_response())
}

/// Upload a partner or volunteer list: checked (dry run) or imported, all rows or none.
pub async fn import_list(
    State(state): State<AppState>,
    s: Signed,
    mut form: axum::extract::Multipart,
) -> Result<Response, WebError> {
    use ruamjai_domain::network::import::{
        PARTNER_COLUMNS, VOLUNTEER_COLUMNS, apply_overrides, check_map, recognise,
    };
    need(&s, Operation::ManageNetwork)?;
    let lang = s.page.lang;
    let mut kind = String::new();
    let mut area = String::new();
    let mut overrides = String::new();
    let mut dry_run = false;
    let mut file: Option<(String, axum::body::Bytes)> = None;
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|_| WebError::Invalid(ruamjai_domain::Invalid::one("file", "file_unreadable")))?
    {
        match field.name() {
            Some("file") => {
                let name = field.file_name().unwrap_or("list").to_owned();
                let bytes = field.bytes().await.map_err(|_| WebError::PayloadTooLarge)?;
                file = Some((name, bytes));
            }
            Some("kind") => kind = field.text().await.unwrap_or_default(),
            Some("area") => area = field.text().await.unwrap_or_default(),
            Some("map") => overrides = field.text().await.unwrap_or_default(),
            Some("dry_run") => dry_run = true,
            _ => {}
        }
    }
    let mut page = ImportPage {
        page: s.page,
        kind: kind.clone(),
        area: area.trim().to_owned(),
        map: overrides.clone(),
        dry_run,
        error: None,
        mapping: Vec::new(),
        report: None,
    };
    let columns = if kind == "partners" {
        PARTNER_COLUMNS
    } else {
        VOLUNTEER_COLUMNS
    };
    let Some((file_name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        page.error = Some(lang.t("import-error-no-file"));
        return Ok(unprocessable(page));
    };
    let table = match ruamjai_store::tabular::read_table(&bytes, &file_name, 100_000) {
        Ok(t) => t,
        Err(_) => {
            page.error = Some(lang.t("import-error-read"));
            return Ok(unprocessable(page));
        }
    };
    let default_area = match page.area.as_str() {
        "" => None,
        a => match AreaCode::parse(a) {
            Ok(a) => Some(a),
            Err(_) => {
                page.error = Some(lang.error("invalid_area_code"));
                return Ok(unprocessable(page));
            }
        },
    };
    let mut map = recognise(columns, &table.headers);
    if let Err(e) = apply_overrides(columns, &table.headers, &mut map, &overrides) {
        page.error = Some(lang.error(e.code));
        return Ok(unprocessable(page));
    }
    page.mapping = table
        .headers
        .iter()
        .zip(&map)
        .map(|(h, f)| (h.clone(), f.unwrap_or("").to_owned()))
        .collect();
    if let Err(missing) = check_map(columns, &map, default_area.is_some()) {
        page.error = Some(
            missing
                .iter()
                .map(|e| format!("{}: {}", e.field, lang.error(e.code)))
                .collect::<Vec<_>>()
                .join("; "),
        );
        return Ok(unprocessable(page));
    }
    use sha2::Digest;
    let plan = ruamjai_store::network::import::ListPlan {
        file_name,
        file_sha256: hex::encode(sha2::Sha256::digest(&bytes)),
        map,
        default_area,
        dry_run,
    };
    let report = if kind == "partners" {
        state
            .store
            .import_partners(&s.caller.actor, &plan, table.rows, &page.page.meta)
            .await?
    } else {
        state
            .store
            .import_volunteers(&s.caller.actor, &plan, table.rows, &page.page.meta)
            .await?
    };
    let bad = !report.errors.is_empty();
    page.report = Some(report);
    if bad {
        return Ok(unprocessable(page));
    }
    Ok(page.into_response())
}
