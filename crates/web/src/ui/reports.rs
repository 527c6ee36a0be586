//! Dashboards: counts of an area's sub-areas by vulnerable group for signed-in users
//! (`/dashboard`), and the public transparency page without login (`/public`) with small
//! counts suppressed. Both drill down province › district › subdistrict › village, draw a bar
//! chart on the server (SVG, no chart library) and a Leaflet map of circles; the table is the
//! source of truth, so the pages work without JavaScript and without map tiles.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use ruamjai_domain::areas::AreaCode;
use ruamjai_domain::auth::Operation;
use ruamjai_domain::registry::Category;
use ruamjai_domain::reports::SMALL_COUNT;
use ruamjai_store::registry::{AreaCounts, CountCell, Dashboard};
use serde::{Deserialize, Serialize};

use super::{Page, Signed};
use crate::AppState;
use crate::error::{WebError, area_code_or_404, urlencode};
use crate::i18n::Lang;

/// The dashboards' routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/dashboard", get(dashboard))
        .route("/public", get(public))
}

/// A count as people read it, Thai style: `12,345`.
pub fn group_digits(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A category's name in the page's language.
pub fn category_label(lang: Lang, c: Category) -> String {
    lang.t(&format!("cat-{}", c.as_str()))
}

#[derive(Deserialize, Default)]
pub struct DashParams {
    #[serde(default)]
    area: String,
    #[serde(default)]
    cat: String,
}

/// One table cell.
pub struct CellView {
    /// What the cell shows: `12,345`, `<10` or `–`.
    pub text: String,
    /// Why a number is hidden (for `title` and screen readers), empty when shown.
    pub note: String,
    /// `n`, `small` or `withheld` (CSS class).
    pub kind: &'static str,
}

impl CellView {
    fn new(lang: Lang, cell: CountCell, public: bool) -> Self {
        match cell {
            CountCell::Count(n) => Self {
                text: group_digits(n),
                note: String::new(),
                kind: "n",
            },
            CountCell::Small => Self {
                text: format!("<{SMALL_COUNT}"),
                note: lang.t("public-small"),
                kind: "small",
            },
            CountCell::Withheld => Self {
                text: "–".into(),
                note: lang.t(if public {
                    "public-withheld"
                } else {
                    "dash-withheld"
                }),
                kind: "withheld",
            },
        }
    }
}

/// One table row: an area and its counts.
pub struct RowView {
    /// Area label.
    pub label: String,
    /// Its code.
    pub code: String,
    /// Drill-down link (`None` for the area's own totals row).
    pub href: Option<String>,
    /// All persons.
    pub total: CellView,
    /// Per category, in column order.
    pub cells: Vec<CellView>,
}

/// One bar of the chart: a row's total and its count in the chosen category, as widths in
/// percent of the largest total.
pub struct BarView {
    /// Area label.
    pub label: String,
    /// Spoken summary (`อำเภอเมืองน่าน: 1,234; ผู้สูงอายุ 56`).
    pub summary: String,
    /// Total as shown.
    pub total_text: String,
    /// Width of the total bar (percent, `0`–`100`).
    pub total_pct: String,
    /// The chosen category's count as shown.
    pub cat_text: String,
    /// Width of the category bar.
    pub cat_pct: String,
}

/// A breadcrumb.
pub struct Crumb {
    /// Label.
    pub label: String,
    /// Link, when the reader may open it.
    pub href: Option<String>,
}

/// A circle on the map (serialised into the map element's `data-points`).
#[derive(Serialize)]
struct MapPoint {
    lat: f64,
    lon: f64,
    /// Radius in pixels.
    r: f64,
    label: String,
    href: String,
}

/// Everything the dashboard templates show.
pub struct DashView {
    /// Heading.
    pub title: String,
    /// Breadcrumbs (the last is the current area, unlinked).
    pub crumbs: Vec<Crumb>,
    /// Column headings.
    pub columns: Vec<String>,
    /// The area's own totals.
    pub totals: Option<RowView>,
    /// Sub-areas (or the reader's starting areas).
    pub rows: Vec<RowView>,
    /// Chart bars.
    pub bars: Vec<BarView>,
    /// The category in the chart (stable name; empty: totals only).
    pub cat: String,
    /// Its label.
    pub cat_label: String,
    /// Category choices for the chart: (stable name, label).
    pub cat_choices: Vec<(String, String)>,
    /// Current area code (empty: the top).
    pub area: String,
    /// Map circles as JSON (empty: no map).
    pub map_points: String,
    /// Tile URL template for the map (may be empty).
    pub tile_url: String,
    /// Some cell shows `<10`.
    pub has_small: bool,
    /// Some cell shows `–`.
    pub has_withheld: bool,
    /// When the public snapshot was made, for people.
    pub as_of: Option<String>,
    /// Where drill-down links go (`/dashboard` or `/public`).
    pub base: &'static str,
}

impl DashView {
    /// A link to another area on this page, keeping the chart's category.
    fn link(base: &str, area: &str, cat: &str) -> String {
        let mut href = format!("{base}?area={}", urlencode(area));
        if !cat.is_empty() {
            href.push_str("&cat=");
            href.push_str(&urlencode(cat));
        }
        href
    }
}

/// Shape a dashboard for the templates. `may_open` says which areas the reader may drill into
/// (for breadcrumbs above a scoped reader's own areas).
fn view(
    lang: Lang,
    d: &Dashboard,
    params: &DashParams,
    base: &'static str,
    may_open: &dyn Fn(&AreaCode) -> bool,
) -> DashView {
    let public = d.public;
    // The chart's category: the one asked for if it is a column, else the first column.
    let cat_index = if params.cat == "none" {
        None
    } else {
        d.categories
            .iter()
            .position(|c| c.as_str() == params.cat)
            .or(if d.categories.is_empty() {
                None
            } else {
                Some(0)
            })
    };
    let cat = cat_index.map_or("none", |i| d.categories[i].as_str());
    // Links keep the chart's category only when the reader chose one.
    let link_cat = if params.cat.is_empty() { "" } else { cat };
    let cat_label = cat_index.map_or_else(String::new, |i| category_label(lang, d.categories[i]));
    let area = d
        .area
        .as_ref()
        .map(|a| a.code.to_string())
        .unwrap_or_default();

    let row = |c: &AreaCounts, href: Option<String>| RowView {
        label: c.area.as_ref().map_or_else(
            || lang.t("public-country"),
            |a| super::areas::area_label(lang, a),
        ),
        code: c
            .area
            .as_ref()
            .map(|a| a.code.to_string())
            .unwrap_or_default(),
        href,
        total: CellView::new(lang, c.total, public),
        cells: c
            .cells
            .iter()
            .map(|x| CellView::new(lang, *x, public))
            .collect(),
    };
    let rows: Vec<RowView> = d
        .rows
        .iter()
        .map(|c| {
            let href = c
                .area
                .as_ref()
                .map(|a| DashView::link(base, a.code.as_str(), link_cat));
            row(c, href)
        })
        .collect();
    let totals = d.totals.as_ref().map(|t| row(t, None));

    let max = d
        .rows
        .iter()
        .filter_map(|c| c.total.value())
        .max()
        .unwrap_or(0)
        .max(1);
    let pct = |cell: Option<&CountCell>| {
        let n = cell.and_then(CountCell::value).unwrap_or(0);
        format!("{:.1}", n as f64 * 100.0 / max as f64)
    };
    let bars = d
        .rows
        .iter()
        .zip(&rows)
        .map(|(c, r)| {
            let cat_cell = cat_index.and_then(|i| c.cells.get(i));
            let cat_text = cat_index
                .map(|i| r.cells[i].text.clone())
                .unwrap_or_default();
            let mut summary = format!("{}: {} {}", r.label, lang.t("dash-total"), r.total.text);
            if cat_index.is_some() {
                summary.push_str(&format!("; {cat_label} {cat_text}"));
            }
            BarView {
                label: r.label.clone(),
                summary,
                total_text: r.total.text.clone(),
                total_pct: pct(Some(&c.total)),
                cat_text,
                cat_pct: pct(cat_cell),
            }
        })
        .collect();

    let mut crumbs = vec![Crumb {
        label: lang.t(if public {
            "nav-public"
        } else {
            "nav-dashboard"
        }),
        href: Some(base.to_owned()),
    }];
    for a in &d.path {
        let last = d.area.as_ref().is_some_and(|x| x.code == a.code);
        crumbs.push(Crumb {
            label: super::areas::area_label(lang, a),
            href: (!last && may_open(&a.code))
                .then(|| DashView::link(base, a.code.as_str(), link_cat)),
        });
    }
    if d.area.is_none() {
        crumbs[0].href = None;
    }

    let all_cells = || {
        totals
            .iter()
            .chain(&rows)
            .flat_map(|r| std::iter::once(&r.total).chain(&r.cells))
    };
    let has_small = all_cells().any(|c| c.kind == "small");
    let has_withheld = all_cells().any(|c| c.kind == "withheld");
    let title = match &d.area {
        Some(a) => super::areas::area_label(lang, a),
        None if public => lang.t("public-country"),
        None => lang.t("dash-title"),
    };
    let as_of = d.as_of.as_deref().and_then(|s| {
        chrono::DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|t| ruamjai_domain::thaidate::format_datetime(t.to_utc(), lang.code()))
    });
    DashView {
        title,
        crumbs,
        columns: d
            .categories
            .iter()
            .map(|c| category_label(lang, *c))
            .collect(),
        totals,
        rows,
        bars,
        cat: cat.to_owned(),
        cat_label,
        cat_choices: d
            .categories
            .iter()
            .map(|c| (c.as_str().to_owned(), category_label(lang, *c)))
            .collect(),
        area,
        map_points: String::new(),
        tile_url: String::new(),
        has_small,
        has_withheld,
        as_of,
        base,
    }
}

/// The map's circles: rows with a known centre (and, on the public page, a shown total),
/// sized by the square root of their count.
async fn map_points(
    state: &AppState,
    d: &Dashboard,
    v: &DashView,
    min_located: i64,
) -> Result<String, WebError> {
    let codes: Vec<AreaCode> = d
        .rows
        .iter()
        .filter(|r| r.total.value().is_some_and(|n| n > 0))
        .filter_map(|r| r.area.as_ref().map(|a| a.code.clone()))
        .collect();
    if codes.is_empty() {
        return Ok(String::new());
    }
    let centres = state.store.area_centres(&codes, min_located).await?;
    let max = d
        .rows
        .iter()
        .filter_map(|r| r.total.value())
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let points: Vec<MapPoint> = d
        .rows
        .iter()
        .zip(&v.rows)
        .filter_map(|(c, r)| {
            let n = c.total.value()?;
            let (lat, lon) = *centres.get(&r.code)?;
            Some(MapPoint {
                lat,
                lon,
                r: 6.0 + 24.0 * (n as f64 / max).sqrt(),
                label: format!("{}: {}", r.label, r.total.text),
                href: r.href.clone().unwrap_or_default(),
            })
        })
        .collect();
    if points.is_empty() {
        return Ok(String::new());
    }
    serde_json::to_string(&points).map_err(|e| WebError::Internal(e.to_string()))
}

fn area_param(s: &str) -> Result<Option<AreaCode>, WebError> {
    let s = s.trim();
    if s.is_empty() {
        Ok(None)
    } else {
        area_code_or_404(s).map(Some)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    page: Page,
    v: DashView,
}

async fn dashboard(
    State(state): State<AppState>,
    s: Signed,
    Query(p): Query<DashParams>,
) -> Result<Response, WebError> {
    let actor = &s.caller.actor;
    if !actor.can_somewhere(Operation::ViewAreas) {
        return Err(WebError::Forbidden);
    }
    let area = area_param(&p.area)?;
    let d = state.store.dashboard(actor, area.as_ref()).await?;
    let scope = actor.scope(Operation::ViewAreas);
    let mut v = view(s.page.lang, &d, &p, "/dashboard", &|c| scope.contains(c));
    v.map_points = map_points(&state, &d, &v, 5).await?;
    v.tile_url = state.config.tile_url.clone();
    Ok(DashboardPage { page: s.page, v }.into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "public.html")]
struct PublicPage {
    page: Page,
    v: DashView,
}

async fn public(
    State(state): State<AppState>,
    page: Page,
    Query(p): Query<DashParams>,
) -> Result<Response, WebError> {
    let area = area_param(&p.area)?;
    let d = state.store.public_dashboard(area.as_ref()).await?;
    let mut v = view(page.lang, &d, &p, "/public", &|_| true);
    // A public circle stands for at least as many homes as a shown count.
    v.map_points = map_points(&state, &d, &v, SMALL_COUNT as i64).await?;
    v.tile_url = state.config.tile_url.clone();
    Ok(PublicPage { page, v }.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_grouped_in_thousands() {
        assert_eq!(group_digits(0), "0");
        assert_eq!(group_digits(999), "999");
        assert_eq!(group_digits(1000), "1,000");
        assert_eq!(group_digits(12345), "12,345");
        assert_eq!(group_digits(1234567), "1,234,567");
    }

    /// Keys built at run time (`cat-…`, `import-field-…`, `import-phase-…`) are not found by
    /// the i18n test's scan: check them here, and that both languages have the same keys.
    #[test]
    fn every_report_key_exists_in_both_languages() {
        use ruamjai_domain::registry::import::ImportField;
        let keys = |s: &str| -> Vec<String> {
            let mut k: Vec<String> = s
                .lines()
                .filter(|l| !l.starts_with([' ', '#', '\t']) && l.contains(" ="))
                .map(|l| l.split(" =").next().unwrap().trim().to_owned())
                .collect();
            k.sort();
            k
        };
        let th = keys(include_str!("../../locales/th/reports.ftl"));
        let en = keys(include_str!("../../locales/en/reports.ftl"));
        assert_eq!(th, en);
        let mut wanted: Vec<String> = Category::ALL
            .iter()
            .map(|c| format!("cat-{}", c.as_str()))
            .collect();
        wanted.extend(["unverified", "certified", "disputed"].map(|v| format!("verification-{v}")));
        wanted.extend(
            ImportField::ALL
                .iter()
                .map(|f| format!("import-field-{}", f.as_str())),
        );
        wanted.extend(
            super::super::imports::PHASES
                .iter()
                .map(|p| format!("import-phase-{p}")),
        );
        for lang in [Lang::Th, Lang::En] {
            for k in &wanted {
                assert!(th.contains(k), "{k} missing");
                assert!(!lang.t(k).starts_with("Unknown localization"), "{k}");
            }
        }
        assert_eq!(Lang::Th.t("cat-elderly"), "ผู้สูงอายุ");
        assert_eq!(Lang::En.t("nav-dashboard"), "Dashboard");
    }
}
