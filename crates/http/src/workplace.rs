//! The public pages of a declared workplace, reached through its
//! registration URL `{public_url}/r/{technical_number}` (what the QR code
//! holds): the workplace page, its QR code (SVG, PNG) and a printable A4
//! poster with instructions in Dutch, French, German and English.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use ciao_domain::reference::DeclarationDetails;
use ciao_service::ServiceError;
use serde::Deserialize;

use crate::AppState;
use crate::i18n::{Lang, t};
use crate::qr;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/r/{technical}", get(page))
        .route("/r/{technical}/qr.svg", get(qr_svg))
        .route("/r/{technical}/qr.png", get(qr_png))
        .route("/r/{technical}/poster", get(poster))
}

#[derive(Debug, Deserialize)]
pub struct LangQuery {
    lang: Option<String>,
}

/// Escapes text for HTML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn html(status: StatusCode, lang: Lang, title: &str, body: &str) -> Response {
    let doc = format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{title}</title><style>{STYLE}</style></head><body><main>{body}</main></body></html>",
        lang = lang.code(),
        title = esc(title),
    );
    let mut r = (status, doc).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    r.headers_mut().insert(header::CONTENT_LANGUAGE, HeaderValue::from_static(lang.code()));
    r
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0;color:#111;background:#fff;line-height:1.4}\
main{max-width:40rem;margin:0 auto;padding:1rem}h1{font-size:1.5rem}dt{font-weight:600}dd{margin:0 0 .5rem}\
a{color:#0645ad}nav a{display:inline-block;min-width:44px;min-height:44px;line-height:44px;text-align:center}\
.qr svg{width:100%;max-width:18rem;height:auto}.note{border-left:4px solid #b35900;padding:.5rem 1rem;background:#fff4e5}";

/// The workplace, or the localized "no such workplace" page.
async fn find(state: &AppState, technical: &str, lang: Lang) -> Result<DeclarationDetails, Response> {
    match state.service.declaration_by_technical_number(technical).await {
        Ok(d) => Ok(d),
        Err(ServiceError::NotFound(_)) => {
            Err(html(StatusCode::NOT_FOUND, lang, t(lang, "workplace"), &format!("<p>{}</p>", t(lang, "not_found"))))
        }
        Err(e) => {
            tracing::error!(error = %e, "workplace page");
            Err((StatusCode::SERVICE_UNAVAILABLE, "service unavailable, try again").into_response())
        }
    }
}

fn address(d: &DeclarationDetails) -> String {
    let decl = &d.declaration;
    let street = format!("{} {}", decl.street, decl.house_number);
    let place = format!("{} {}", decl.post_code, decl.municipality);
    [street.trim(), place.trim()].iter().filter(|s| !s.is_empty()).map(|s| esc(s)).collect::<Vec<_>>().join(", ")
}

fn details(d: &DeclarationDetails, lang: Lang) -> String {
    let decl = &d.declaration;
    let date = |x: time::Date| x.format(ciao_domain::search::DATE_FORMAT).unwrap_or_default();
    format!(
        "<dl><dt>{workplace}</dt><dd>{name}<br>{address}</dd>\
         <dt>{number_label}</dt><dd>{number}</dd>\
         <dt>{sector_label}</dt><dd>{sector}</dd>\
         <dt>{period_label}</dt><dd>{from} – {to}</dd></dl>",
        workplace = t(lang, "workplace"),
        name = esc(&decl.site_name),
        address = address(d),
        number_label = t(lang, "declaration_number"),
        number = esc(decl.number.as_str()),
        sector_label = t(lang, "sector"),
        sector = t(lang, &format!("sector.{}", decl.sector.as_str())),
        period_label = t(lang, "period"),
        from = date(decl.start_date),
        to = decl.end_date.map(date).unwrap_or_else(|| t(lang, "open_ended").to_string()),
    )
}

fn language_switch(technical: &str, path: &str) -> String {
    let links: Vec<String> = Lang::ALL
        .iter()
        .map(|l| {
            format!(
                "<a href=\"/r/{}{path}?lang={c}\" lang=\"{c}\">{C}</a>",
                esc(technical),
                c = l.code(),
                C = l.code().to_uppercase()
            )
        })
        .collect();
    links.join(" ")
}

async fn page(
    State(state): State<AppState>,
    Path(technical): Path<String>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = Lang::negotiate(q.lang.as_deref(), &headers);
    let d = match find(&state, &technical, lang).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let body = format!(
        "<nav aria-label=\"{language}\">{switch}</nav><h1>{title}</h1>{details}\
         <p class=\"note\">{unavailable}</p>\
         <p><a href=\"/r/{tn}/poster?lang={code}\">{poster}</a> · <a href=\"/r/{tn}/qr.svg\">{qr} (SVG)</a> · \
         <a href=\"/r/{tn}/qr.png\">{qr} (PNG)</a></p>",
        language = t(lang, "language"),
        switch = language_switch(&technical, ""),
        title = t(lang, "register_title"),
        details = details(&d, lang),
        unavailable = t(lang, "sign_in_unavailable"),
        tn = esc(&d.technical_number),
        code = lang.code(),
        poster = t(lang, "poster"),
        qr = t(lang, "qr_code"),
    );
    html(StatusCode::OK, lang, &d.declaration.site_name, &body)
}

async fn qr_svg(
    State(state): State<AppState>,
    Path(technical): Path<String>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = Lang::negotiate(q.lang.as_deref(), &headers);
    let d = match find(&state, &technical, lang).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    match qr::svg(&state.service.registration_url(&d), 512) {
        Ok(svg) => ([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

async fn qr_png(
    State(state): State<AppState>,
    Path(technical): Path<String>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = Lang::negotiate(q.lang.as_deref(), &headers);
    let d = match find(&state, &technical, lang).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    match qr::png(&state.service.registration_url(&d), 8) {
        Ok(png) => ([(header::CONTENT_TYPE, "image/png")], png).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

/// A4 poster: the site, its number, the QR code and the instructions in all
/// four languages (who reads it is not known in advance).
async fn poster(
    State(state): State<AppState>,
    Path(technical): Path<String>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = Lang::negotiate(q.lang.as_deref(), &headers);
    let d = match find(&state, &technical, lang).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let url = state.service.registration_url(&d);
    let svg = match qr::svg(&url, 600) {
        Ok(s) => s,
        Err(e) => return (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    };
    // The SVG's XML declaration is not wanted inline.
    let svg = svg.find("<svg").map_or(svg.as_str(), |i| &svg[i..]).to_string();
    let instructions: String = Lang::ALL
        .iter()
        .map(|l| {
            format!(
                "<section lang=\"{c}\"><h2>{title}</h2><p>{scan}</p><p>{own}</p></section>",
                c = l.code(),
                title = t(*l, "register_title"),
                scan = t(*l, "scan_instruction"),
                own = t(*l, "own_registration"),
            )
        })
        .collect();
    let no_qr: Vec<&str> = Lang::ALL.iter().map(|l| t(*l, "no_qr_instruction")).collect();
    let body = format!(
        "<style>@page{{size:A4;margin:12mm}}.poster h1{{font-size:2rem;margin:.2rem 0}}\
         .poster .qr svg{{max-width:11cm}}.poster section{{break-inside:avoid}}\
         .poster .grid{{display:grid;grid-template-columns:1fr 1fr;gap:0 1.5rem}}.poster h2{{font-size:1.1rem;margin:.6rem 0 .2rem}}\
         .poster p{{margin:.2rem 0}}@media print{{main{{max-width:none}}}}</style>\
         <div class=\"poster\"><h1>{name}</h1><p>{address}</p>\
         <p><strong>{number}</strong></p><div class=\"qr\">{svg}</div>\
         <div class=\"grid\">{instructions}</div><p>{no_qr}<br><strong>{url}</strong></p></div>",
        name = esc(&d.declaration.site_name),
        address = address(&d),
        number = esc(d.declaration.number.as_str()),
        url = esc(&url),
        no_qr = no_qr.join(" / "),
    );
    html(StatusCode::OK, lang, &d.declaration.site_name, &body)
}
