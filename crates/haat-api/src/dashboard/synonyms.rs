//! `GET/POST /dashboard/search`: the store's own search synonyms, one group per line
//! ("kulfi, ice cream"). Parsing is the JSON API's (`haat_domain::SynonymGroups`), so
//! both front doors accept the same groups; a bad line re-renders the form with the
//! message and saves nothing.

use askama::Template;
use axum::extract::rejection::FormRejection;
use axum::extract::State;
use axum::Form;
use haat_domain::SynonymGroups;
use http::StatusCode;

use crate::dashboard::csrf::CsrfToken;
use crate::dashboard::form::{self, csrf_ok, text, Fields};
use crate::dashboard::home::require_store;
use crate::dashboard::page::{self, PageResult, EXPIRED_FORM};
use crate::dashboard::session::DashboardSeller;
use crate::dashboard::views::Layout;
use crate::ApiState;

#[derive(Template)]
#[template(path = "dashboard/synonyms.html")]
pub(crate) struct SynonymsPage {
    pub layout: Layout,
    pub csrf: String,
    pub lines: String,
    pub error: Option<String>,
}

fn synonyms_page(
    csrf: &CsrfToken,
    status: StatusCode,
    lines: String,
    error: Option<String>,
    alert: Option<String>,
) -> axum::response::Response {
    let view = SynonymsPage {
        layout: Layout::new("Search words").with_alert(alert),
        csrf: csrf.value().to_owned(),
        lines,
        error,
    };
    page::render(status, &view, Some(csrf))
}

/// `GET /dashboard/search`
pub(crate) async fn show(
    State(state): State<ApiState>,
    csrf: CsrfToken,
    seller: DashboardSeller,
) -> PageResult {
    let store = require_store(&state, &seller).await?;
    let groups = state.db().store_synonyms(store.id).await?;
    // Stored groups were valid when saved; show them as they are.
    let lines = groups
        .iter()
        .map(|group| group.join(", "))
        .collect::<Vec<_>>()
        .join("\n");
    Ok(synonyms_page(&csrf, StatusCode::OK, lines, None, None))
}

/// `POST /dashboard/search`
pub(crate) async fn save(
    State(state): State<ApiState>,
    csrf: CsrfToken,
    seller: DashboardSeller,
    form: Result<Form<Fields>, FormRejection>,
) -> PageResult {
    let store = require_store(&state, &seller).await?;
    let fields = form::urlencoded(form)?;
    let lines = text(&fields, "synonyms");
    if !csrf_ok(&csrf, &fields) {
        page::count_csrf_rejection();
        return Ok(synonyms_page(
            &csrf,
            StatusCode::FORBIDDEN,
            lines,
            None,
            Some(EXPIRED_FORM.to_owned()),
        ));
    }
    let groups = match SynonymGroups::parse_lines(&lines) {
        Ok(groups) => groups,
        Err(error) => {
            return Ok(synonyms_page(
                &csrf,
                StatusCode::UNPROCESSABLE_ENTITY,
                lines,
                Some(form::sentence(&error.message)),
                None,
            ));
        }
    };
    state
        .db()
        .set_store_synonyms(store.id, groups.groups())
        .await?;
    tracing::info!(store.id = %store.id, groups = groups.groups().len(), "store synonyms saved");
    metrics::counter!("haat_dashboard_actions_total", "action" => "synonyms_saved").increment(1);
    Ok(page::see_other("/dashboard?done=synonyms"))
}
