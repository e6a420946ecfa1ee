//! The public pages of a declared workplace, reached through its
//! registration URL `{public_url}/r/{technical_number}` (what the QR code
//! holds): the workplace page, its QR code (SVG, PNG) and a printable A4
//! poster with instructions in Dutch, French, German and English. Also the
//! frame every page is drawn in, and what every page reads from its request
//! (`WebQuery`, `WebPath`, `WebForm`): a request they cannot read gets a page
//! in the user's language that names the parameter and the rule, as do an
//! unknown address and a refused method in the web areas.

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use ciao_domain::reference::DeclarationDetails;
use ciao_service::ServiceError;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::AppState;
use crate::i18n::{Lang, t};
use crate::qr;

pub fn router() -> Router<AppState> {
    Router::new()
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

/// A page: a "skip to content" link first (the first thing a keyboard
/// reaches, shown when focused), then the simulation's banner and the
/// page's `<header>` if `body` opens with one (language switch, who is
/// signed in, navigation), then `<main>` with the rest, where the link leads.
pub(crate) fn html(status: StatusCode, lang: Lang, title: &str, body: &str) -> Response {
    let (header, body) = match body.find("</header>") {
        Some(end) if body.starts_with("<header") => body.split_at(end + "</header>".len()),
        _ => ("", body),
    };
    let banner = crate::simulation::banner(lang);
    let top = if header.is_empty() && banner.is_empty() {
        String::new()
    } else {
        format!("<div class=\"top\">{banner}{header}</div>")
    };
    let doc = format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{title}</title><style>{STYLE}</style></head><body><a class=\"skip\" href=\"#main\">{skip}</a>\
         {top}<main id=\"main\" tabindex=\"-1\">{body}</main></body></html>",
        lang = lang.code(),
        title = esc(title),
        skip = t(lang, "skip_to_content"),
    );
    let mut r = (status, doc).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    r.headers_mut().insert(header::CONTENT_LANGUAGE, HeaderValue::from_static(lang.code()));
    r
}

pub(crate) const STYLE: &str = "*{box-sizing:border-box}body{font-family:system-ui,sans-serif;margin:0;color:#111;background:#fff;line-height:1.4;font-size:1.05rem}\
main,.top{max-width:40rem;margin:0 auto;padding:1rem}.top{padding-bottom:0}.top+main{padding-top:.5rem}main:focus{outline:none}\
.skip{position:absolute;left:-9999px;top:0}.skip:focus{left:.5rem;top:.5rem;z-index:10;background:#fff;color:#0645ad;padding:.75rem 1rem;border:3px solid #e8a000;border-radius:6px}\
@media print{.skip{display:none}}h1{font-size:1.5rem;margin:.5rem 0}h2{font-size:1.25rem}h3{font-size:1.1rem}\
dt{font-weight:600}dd{margin:0 0 .5rem}a{color:#0645ad}.mono{font-family:ui-monospace,monospace}\
header{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:center;gap:.5rem;border-bottom:1px solid #ccc;margin-bottom:.5rem}\
.langs a,.links a{display:inline-block;min-width:44px;min-height:44px;line-height:44px;text-align:center;padding:0 .25rem}\
.who,.links{margin:0}.inline{display:inline}button.link{background:none;border:0;color:#0645ad;text-decoration:underline;min-height:44px;font:inherit;padding:0 .25rem;cursor:pointer}\
label{display:block;font-weight:600;margin:.75rem 0 .25rem}label.check,label.choice{font-weight:400;display:flex;gap:.5rem;align-items:center;min-height:44px}\
input:not([type]),input[type=password],input[type=text]{font-size:1.2rem;width:100%;min-height:48px;padding:.4rem;border:2px solid #555;border-radius:6px}\
input[type=checkbox],input[type=radio]{width:24px;height:24px}fieldset{border:1px solid #888;border-radius:6px;margin:.75rem 0;min-width:0}\
button,.button{display:inline-block;font-size:1.1rem;min-height:48px;min-width:44px;padding:.5rem 1rem;border-radius:8px;border:2px solid #0b3d91;background:#0b3d91;color:#fff;text-decoration:none;cursor:pointer;margin:.5rem 0}\
button.big{display:block;width:100%;font-size:1.6rem;font-weight:700;min-height:96px}button.big.in{background:#0a6b2d;border-color:#0a6b2d}button.big.out{background:#9c1c1c;border-color:#9c1c1c}\
button:focus-visible,a:focus-visible,input:focus-visible{outline:3px solid #e8a000;outline-offset:2px}button:disabled{opacity:.6}\
.hint{color:#444;font-size:.95rem;margin:.25rem 0}.state{font-size:1.3rem;font-weight:700;padding:.5rem;border-radius:6px}\
.state.in{background:#e3f4e8;color:#0a4d21}.state.out{background:#f1f1f1;color:#222}.ok{background:#e3f4e8;padding:.5rem;border-radius:6px}\
.alert{border-left:6px solid #b00020;background:#fdecee;padding:.5rem 1rem;margin:.5rem 0}.alert ul{margin:0;padding-left:1rem}\
.receipt{border:4px solid #0a6b2d;border-radius:10px;padding:1rem;margin:.5rem 0}.receipt.out{border-color:#9c1c1c}.huge{font-size:2.4rem;font-weight:800}\
.regs,.sessions{list-style:none;padding:0}.reg,.sessions li{border-bottom:1px solid #ccc;padding:.5rem 0}.reg p,.sessions p{margin:.2rem 0}.kind.in{color:#0a6b2d}.kind.out{color:#9c1c1c}\
.qr svg{width:100%;max-width:18rem;height:auto}.display .qr svg{max-width:min(62vh,36rem)}.display{text-align:center}.titles{font-size:1.2rem}\
.note{border-left:4px solid #b35900;padding:.5rem 1rem;background:#fff4e5}\
.top:has(header.wide),.top:has(header.wide)+main{max-width:84rem}header .menu,header .switch{flex-basis:100%}header .switch{margin:0 0 .5rem}.brand{margin:0;font-weight:600}.brand a{display:inline-block;min-height:44px;line-height:44px}\
.menu{display:flex;flex-wrap:wrap;gap:.25rem 1rem;margin:.5rem 0}.menu a{display:inline-block;min-height:44px;line-height:44px}\
select{font-size:1rem;min-height:44px;padding:.25rem;border:2px solid #555;border-radius:6px;background:#fff;max-width:100%}\
input[type=date]{font-size:1rem;min-height:44px;padding:.25rem;border:2px solid #555;border-radius:6px}\
.filters{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:flex-end}.filters label{margin:.25rem 0}.filters input:not([type=date]){width:11rem}\
.narrow{max-width:28rem}.inline-label{display:inline;font-weight:600}button.secondary{background:#fff;color:#0b3d91}\
.scroll{overflow-x:auto;position:relative;max-width:100%}table{border-collapse:collapse;width:100%;font-size:.95rem}caption{text-align:left;font-weight:600;padding:.25rem 0}\
th,td{border-bottom:1px solid #ccc;padding:.35rem .5rem;text-align:left;vertical-align:top}td a{display:inline-block;min-height:24px;min-width:24px}\
ul.detail{margin:0;padding:0;list-style:none}ul.detail ul{margin:0;padding-left:1rem;list-style:none}.num{text-align:right}.small{font-size:.8rem}.pages a{display:inline-block;min-width:44px;min-height:44px;line-height:44px}\
.sr{position:absolute;top:0;left:0;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}.cards a{display:inline-block;min-height:44px;line-height:44px}\
.chart svg{width:100%;height:auto;max-width:60rem}.qr.small svg{max-width:12rem}code{font-family:ui-monospace,monospace;word-break:break-all}\
.simulation-banner{background:#ffd60a;color:#111;border:3px dashed #111;border-radius:6px;padding:.5rem 1rem;margin:0 0 .5rem}\
@media (max-width:50rem){table.stack thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}\
table.stack,table.stack tbody,table.stack tr,table.stack td{display:block;width:100%}\
table.stack tr{border:1px solid #888;border-radius:6px;margin:0 0 .75rem;padding:.25rem .5rem}\
table.stack td{display:flex;gap:.5rem;border:0;padding:.2rem 0}table.stack td>*{flex:1;min-width:0;overflow-wrap:anywhere}\
table.stack td::before{content:attr(data-label);flex:0 0 40%;font-weight:600;font-family:system-ui,sans-serif;overflow-wrap:anywhere}table.stack td:empty{display:none}}";

// ---------------------------------------------------------------- what a page reads from its request

/// The language of a page refused before its handler runs: the first
/// `?lang=` that reads, else the remembered choice, else `Accept-Language`.
pub(crate) fn request_lang(headers: &HeaderMap, uri: &Uri) -> Lang {
    query_lang(headers, uri.query())
}

/// [`request_lang`] of a raw query.
fn query_lang(headers: &HeaderMap, raw: Option<&str>) -> Lang {
    let asked = raw
        .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
        .unwrap_or_default()
        .into_iter()
        .filter(|(k, _)| k == "lang")
        .find_map(|(_, v)| Lang::parse(&v));
    Lang::negotiate(asked.map(Lang::code), headers)
}

/// A page that says what is wrong with a request, in its language, with
/// the technical reason in English and a way home.
pub(crate) fn error_page(lang: Lang, status: StatusCode, title: &str, message: &str, detail: Option<&str>) -> Response {
    let detail = detail.map(|d| format!("<p><small lang=\"en\">{}</small></p>", esc(d))).unwrap_or_default();
    let body = format!(
        "<h1>{title}</h1><div class=\"alert\" role=\"alert\"><p>{message}</p>{detail}</div>\
         <p><a class=\"button\" href=\"/?lang={code}\">{home}</a></p>",
        title = esc(title),
        code = lang.code(),
        home = t(lang, "web.home"),
    );
    html(status, lang, title, &body)
}

/// `<code>name</code>`, for a parameter or a field named in a text.
fn code(name: &str) -> String {
    format!("<code>{}</code>", esc(name))
}

/// The query of a page (as axum's `Query`), refused with a page that names
/// the parameter and its rule (a parameter given twice, …) instead of
/// axum's plain-text answer.
pub(crate) struct WebQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for WebQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Response> {
        if let Some(refused) = repeated_lang(&parts.headers, parts.uri.query()) {
            return Err(refused);
        }
        let raw = parts.uri.query().unwrap_or_default();
        serde_urlencoded::from_str::<T>(raw).map(WebQuery).map_err(|e| {
            let lang = request_lang(&parts.headers, &parts.uri);
            let reason = e.to_string();
            // A repeated parameter is said in the page's language; only
            // what has no translation keeps the parser's English words.
            let (message, detail) = match reason.split("duplicate field `").nth(1).and_then(|r| r.split('`').next()) {
                Some(name) => (t(lang, "web.query_repeated").replace("{name}", &code(name)), None),
                None => (t(lang, "web.query_unreadable").to_string(), Some(reason.as_str())),
            };
            error_page(lang, StatusCode::BAD_REQUEST, t(lang, "web.bad_address"), &message, detail)
        })
    }
}

/// The refusal of an address that gives `lang` more than once. Every page
/// reads `lang`, also those whose own parameters leave it out (they took the
/// first): refused on all of them alike, as a parameter given twice.
pub(crate) fn repeated_lang(headers: &HeaderMap, raw: Option<&str>) -> Option<Response> {
    let pairs = serde_urlencoded::from_str::<Vec<(String, String)>>(raw?).ok()?;
    if pairs.iter().filter(|(k, _)| k == "lang").count() < 2 {
        return None;
    }
    let lang = query_lang(headers, raw);
    let message = t(lang, "web.query_repeated").replace("{name}", &code("lang"));
    Some(error_page(lang, StatusCode::BAD_REQUEST, t(lang, "web.bad_address"), &message, None))
}

/// The path parameters of a page (as axum's `Path`), refused with a page
/// that names the parameter (a segment that is not UTF-8, …).
pub(crate) struct WebPath<T>(pub T);

impl<T, S> FromRequestParts<S> for WebPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(WebPath(value)),
            Err(rejection) => {
                let lang = request_lang(&parts.headers, &parts.uri);
                let message = match &rejection {
                    PathRejection::FailedToDeserializePathParams(e) => match e.kind() {
                        axum::extract::path::ErrorKind::InvalidUtf8InPathParam { key } => {
                            t(lang, "web.path_not_utf8").replace("{name}", &code(key))
                        }
                        _ => t(lang, "web.path_unreadable").to_string(),
                    },
                    _ => t(lang, "web.path_unreadable").to_string(),
                };
                let reason = rejection.body_text();
                Err(error_page(lang, rejection.status(), t(lang, "web.bad_address"), &message, Some(&reason)))
            }
        }
    }
}

/// The body of a posted form (as `Bytes`, within the app's limit), refused
/// with a page that gives the limit, or says it could not be read.
pub(crate) struct WebForm(pub Bytes);

/// Why a posted form was not read, as a page in the request's language
/// (its response); nothing of the form was used. A handler that takes
/// `Result<WebForm, FormRefusal>` can say more first ([`FormRefusal::led_by`]).
pub(crate) struct FormRefusal {
    lang: Lang,
    status: StatusCode,
    title: &'static str,
    message: String,
    detail: Option<String>,
}

impl FormRefusal {
    fn new(lang: Lang, status: StatusCode, message: String) -> Self {
        Self { lang, status, title: t(lang, "web.form_unreadable_title"), message, detail: None }
    }

    /// The same refusal, `lead` said first (in bold).
    pub(crate) fn led_by(mut self, lead: &str) -> Self {
        self.message = format!("<strong>{lead}</strong>. {}", self.message);
        self
    }
}

impl IntoResponse for FormRefusal {
    fn into_response(self) -> Response {
        error_page(self.lang, self.status, self.title, &self.message, self.detail.as_deref())
    }
}

impl<S> FromRequest<S> for WebForm
where
    S: Send + Sync,
{
    type Rejection = FormRefusal;

    async fn from_request(req: Request, state: &S) -> Result<Self, FormRefusal> {
        let lang = request_lang(req.headers(), req.uri());
        let refused = |status, key: &str, name: &str, value: &str| {
            FormRefusal::new(lang, status, t(lang, key).replace(name, &code(value)))
        };
        // A page's form comes urlencoded, as a browser sends it; another
        // body (JSON…) is refused as such, not as a form without its token.
        if let Some(given) = req.headers().get(axum::http::header::CONTENT_TYPE) {
            let mime = given.to_str().unwrap_or("?").split(';').next().unwrap_or("").trim().to_ascii_lowercase();
            if mime != "application/x-www-form-urlencoded" {
                return Err(refused(StatusCode::UNSUPPORTED_MEDIA_TYPE, "web.form_type", "{type}", &mime));
            }
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| form_refused(lang, e.status() == StatusCode::PAYLOAD_TOO_LARGE, &e.body_text()))?;
        // Not turned into replacement characters and stored: refused, naming the field.
        if let Some(field) = non_utf8_field(&bytes) {
            return Err(refused(StatusCode::BAD_REQUEST, "web.form_not_utf8", "{field}", &field));
        }
        // No page's form sends a field twice: the first value was taken
        // silently (two PINs, two dates); refused, naming it.
        if let Some(field) = repeated_field(&bytes) {
            return Err(refused(StatusCode::BAD_REQUEST, "web.form_field_twice", "{field}", &field));
        }
        Ok(WebForm(bytes))
    }
}

/// The first field name an urlencoded form gives more than once, if any
/// (the pages' forms have no multi-valued field; the channel pages' checkbox
/// groups are read by their own extractor).
pub(crate) fn repeated_field(body: &[u8]) -> Option<String> {
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(body).ok()?;
    let mut seen = std::collections::HashSet::new();
    fields.into_iter().map(|(name, _)| name).find(|name| !seen.insert(name.clone()))
}

/// The first field of an urlencoded form whose name or value, once decoded,
/// is not UTF-8 (named with its bytes made readable), if any.
pub(crate) fn non_utf8_field(body: &[u8]) -> Option<String> {
    // `+` stands for a space: ASCII either way, so it cannot change the answer.
    let decoded = |part: &[u8]| percent_encoding::percent_decode(part).collect::<Vec<u8>>();
    body.split(|b| *b == b'&').filter(|pair| !pair.is_empty()).find_map(|pair| {
        let mut parts = pair.splitn(2, |b| *b == b'=');
        let name = decoded(parts.next().unwrap_or_default());
        let value = decoded(parts.next().unwrap_or_default());
        (std::str::from_utf8(&name).is_err() || std::str::from_utf8(&value).is_err())
            .then(|| String::from_utf8_lossy(&name).into_owned())
    })
}

/// A form that was not read: larger than the limit (413), or cut off (400).
/// Nothing of it was used.
pub(crate) fn form_refused(lang: Lang, too_large: bool, reason: &str) -> FormRefusal {
    let mut refusal = if too_large {
        let limit = format!("{} MiB", crate::registrations::MAX_BODY / (1024 * 1024));
        let mut r = FormRefusal::new(
            lang,
            StatusCode::PAYLOAD_TOO_LARGE,
            t(lang, "web.form_too_large").replace("{limit}", &limit),
        );
        r.title = t(lang, "web.form_too_large_title");
        r
    } else {
        FormRefusal::new(lang, StatusCode::BAD_REQUEST, t(lang, "web.form_unreadable").to_string())
    };
    refusal.detail = Some(reason.to_string());
    refusal
}

/// Whether a path is one of the web pages' areas (the front page, the
/// workplaces, the worker's and the employers' pages), where an unknown
/// address or method gets a page, not the REST API's problem.
pub(crate) fn is_page_path(path: &str) -> bool {
    path == "/"
        || path == "/favicon.ico"
        || ["/e", "/w", "/r"]
            .iter()
            .any(|area| path.strip_prefix(area).is_some_and(|rest| rest.is_empty() || rest.starts_with('/')))
}

/// 503 in the web areas, when the service could not answer (the database):
/// a page in the four languages, as the request's is not at hand where it
/// is made.
pub(crate) fn unavailable_page() -> Response {
    let body: String =
        Lang::ALL.iter().map(|l| format!("<p lang=\"{}\">{}</p>", l.code(), t(*l, "web.unavailable"))).collect();
    let mut r = html(
        StatusCode::SERVICE_UNAVAILABLE,
        Lang::En,
        "ciao",
        &format!("<h1>ciao</h1><div class=\"alert\" role=\"alert\">{body}</div>"),
    );
    r.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from_static("5"));
    r
}

/// 404 in the web areas.
pub(crate) fn not_found_page(headers: &HeaderMap, uri: &Uri) -> Response {
    let lang = request_lang(headers, uri);
    error_page(lang, StatusCode::NOT_FOUND, t(lang, "web.not_found_title"), t(lang, "web.not_found"), None)
}

/// 414 or 431 in the web areas: the address or the headers over the
/// server's limit `max` (the i18n keys of the title and of the message,
/// the message with `{max}`).
pub(crate) fn too_large_page(
    headers: &HeaderMap,
    uri: &Uri,
    status: StatusCode,
    (title, message): (&str, &str),
    max: usize,
) -> Response {
    let lang = request_lang(headers, uri);
    let message = t(lang, message).replace("{max}", &max.to_string());
    error_page(lang, status, t(lang, title), &message, None)
}

/// 405 in the web areas (the router adds the `Allow` header).
pub(crate) fn method_not_allowed_page(headers: &HeaderMap, uri: &Uri, method: &Method) -> Response {
    let lang = request_lang(headers, uri);
    let message = t(lang, "web.method").replace("{method}", &code(method.as_str()));
    error_page(lang, StatusCode::METHOD_NOT_ALLOWED, t(lang, "web.method_title"), &message, None)
}

/// The workplace, or the localized "no such workplace" page.
pub(crate) async fn find(state: &AppState, technical: &str, lang: Lang) -> Result<DeclarationDetails, Response> {
    match state.service.declaration_by_technical_number(technical).await {
        Ok(d) => Ok(d),
        Err(ServiceError::NotFound(_)) => {
            Err(html(StatusCode::NOT_FOUND, lang, t(lang, "workplace"), &format!("<p>{}</p>", t(lang, "not_found"))))
        }
        Err(e) => {
            tracing::error!(error = %e, "workplace page");
            Err(unavailable_page())
        }
    }
}

pub(crate) fn address(d: &DeclarationDetails) -> String {
    let decl = &d.declaration;
    let street = format!("{} {}", decl.street, decl.house_number);
    let place = format!("{} {}", decl.post_code, decl.municipality);
    [street.trim(), place.trim()].iter().filter(|s| !s.is_empty()).map(|s| esc(s)).collect::<Vec<_>>().join(", ")
}

pub(crate) fn language_switch(path: &str) -> String {
    let links: Vec<String> = Lang::ALL
        .iter()
        .map(|l| {
            format!(
                "<a href=\"{path}?lang={c}\" lang=\"{c}\" hreflang=\"{c}\">{C}</a>",
                path = esc(path),
                c = l.code(),
                C = l.code().to_uppercase()
            )
        })
        .collect();
    links.join(" ")
}

async fn qr_svg(
    State(state): State<AppState>,
    WebPath(technical): WebPath<String>,
    WebQuery(q): WebQuery<LangQuery>,
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
    WebPath(technical): WebPath<String>,
    WebQuery(q): WebQuery<LangQuery>,
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
    WebPath(technical): WebPath<String>,
    WebQuery(q): WebQuery<LangQuery>,
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
         .poster p{{margin:.2rem 0}}\
         @media print{{html,body{{margin:0}}main{{max-width:none;padding:0}}.simulation-banner{{padding:.2rem .5rem;font-size:.8rem}}\
         .poster{{font-size:10.5pt;line-height:1.25;break-inside:avoid}}.poster h1{{font-size:20pt}}.poster h2{{font-size:11.5pt;margin:.3rem 0 .1rem}}\
         .poster .qr{{text-align:center}}.poster .qr svg{{width:8cm;max-width:8cm}}.poster .grid{{break-inside:avoid}}}}</style>\
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_field_given_twice_is_named() {
        assert_eq!(repeated_field(b"csrf=a&pin=1&pin2=1"), None);
        assert_eq!(repeated_field(b"csrf=a&pin=482915&pin2=482915&pin=111111"), Some("pin".into()));
        assert_eq!(repeated_field(b"a=1&b=2&b=2"), Some("b".into()));
        assert_eq!(repeated_field(b""), None);
    }

    #[test]
    fn a_form_field_that_is_not_utf8_is_named() {
        assert_eq!(non_utf8_field(b"csrf=abc&site_name=Tour+%C3%A9t%C3%A9&x=%zz&y=100%"), None);
        assert_eq!(non_utf8_field(b"csrf=abc&site_name=%FF%FE"), Some("site_name".into()));
        assert_eq!(non_utf8_field(b"a=1&na%C3%A9me=bad\xff"), Some("na\u{e9}me".into()));
        assert_eq!(non_utf8_field(b"%FF=1"), Some("\u{fffd}".into()));
        assert_eq!(non_utf8_field(b"half=%C3"), Some("half".into()));
        assert_eq!(non_utf8_field(b""), None);
        // Whatever the bytes, never a panic; a valid form is never refused.
        for body in [&b"%"[..], b"%F", b"=%", b"&&=&", b"a=%%%41"] {
            let _ = non_utf8_field(body);
        }
        let form = serde_urlencoded::to_string([("name", "Zoë 👷 – ok"), ("x", "a&b=c%")]).unwrap();
        assert_eq!(non_utf8_field(form.as_bytes()), None);
    }

    #[tokio::test]
    async fn the_unavailable_page_speaks_the_four_languages() {
        let r = unavailable_page();
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(r.headers()[axum::http::header::RETRY_AFTER], "5");
        assert!(r.headers()[axum::http::header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
        let body = axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap();
        let body = String::from_utf8(body.to_vec()).unwrap();
        for l in Lang::ALL {
            assert!(body.contains(&format!("<p lang=\"{}\">{}</p>", l.code(), t(l, "web.unavailable"))), "{body}");
        }
    }
}
