//! The worker's pages (smartphone channel): the registration page a scanned
//! QR code opens, sign-in (activation code, then passkey or PIN; "remember
//! this phone"), one-tap IN/OUT with a confirmation, "My registrations", and
//! the site display with its rotating code.
//!
//! Server-rendered HTML; without JavaScript PIN sign-in and registering work
//! as plain forms. A little JavaScript adds passkeys, the location (with
//! consent) and an honest message when the network fails.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use ciao_domain::reference::DeclarationDetails;
use ciao_domain::{Employer, FieldError, Registration, RegistrationType};
use ciao_service::sessions::SessionKind;
use ciao_service::worker::{
    PasskeyAnswer, PhoneRegistration, WorkerSession, WorkplaceNotice, WorkplaceView, new_tap_key,
};
use ciao_service::{Caller, ServiceError};
use serde::Deserialize;

use crate::AppState;
use crate::i18n::{LANG_COOKIE, Lang, cookie, t};
use crate::qr;
use crate::workplace::{WebForm, WebPath, WebQuery, address, esc, find, html, language_switch};

/// Failed sign-in attempts (wrong PIN, unknown activation code or passkey)
/// per client address: beyond [`Throttle::LIMIT`] in [`Throttle::WINDOW`],
/// further attempts from that address are refused without being checked.
/// It complements the per-person PIN lock against guessing across many SSINs.
#[derive(Debug, Default)]
pub struct Throttle {
    failures: std::sync::Mutex<std::collections::HashMap<std::net::IpAddr, (std::time::Instant, u32)>>,
}

impl Throttle {
    pub const LIMIT: u32 = 20;
    pub const WINDOW: std::time::Duration = std::time::Duration::from_secs(600);

    pub(crate) fn allowed(&self, ip: std::net::IpAddr) -> bool {
        let Ok(map) = self.failures.lock() else { return true };
        match map.get(&ip) {
            Some((since, n)) => since.elapsed() > Self::WINDOW || *n < Self::LIMIT,
            None => true,
        }
    }

    pub(crate) fn failed(&self, ip: std::net::IpAddr) {
        let Ok(mut map) = self.failures.lock() else { return };
        if map.len() > 100_000 {
            map.retain(|_, (since, _)| since.elapsed() <= Self::WINDOW);
        }
        let entry = map.entry(ip).or_insert((std::time::Instant::now(), 0));
        if entry.0.elapsed() > Self::WINDOW {
            *entry = (std::time::Instant::now(), 0);
        }
        entry.1 += 1;
        // Once per address and window, in the security log.
        if entry.1 == Self::LIMIT {
            tracing::warn!(
                target: "ciao::audit",
                client = %ip,
                failures = Self::LIMIT,
                "sign-in attempts from this address refused for the next 10 minutes"
            );
        }
    }
}

pub(crate) fn throttled(lang: Lang) -> Response {
    let body = format!("<div class=\"alert\" role=\"alert\"><p>{}</p></div>", t(lang, "too_many_attempts"));
    let mut r = html(StatusCode::TOO_MANY_REQUESTS, lang, t(lang, "sign_in_title"), &body);
    r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("600"));
    r
}

/// The session cookie of a signed-in worker.
pub const SESSION_COOKIE: &str = "ciao_worker";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/r/{technical}", get(workplace_page))
        .route("/r/{technical}/register", get(register_get).post(register_post))
        .route("/r/{technical}/display", get(display))
        .route("/w/sign-in", get(sign_in_get).post(sign_in_post))
        .route("/w/activate", get(sign_in_get).post(activate_post))
        .route("/w/activate/pin", axum::routing::post(activate_pin_post))
        .route("/w/activate/passkey", axum::routing::post(activate_passkey_post))
        .route("/w/passkey/sign-in", axum::routing::post(passkey_sign_in_post))
        .route("/w/registrations", get(my_registrations))
        .route("/w", get(|| async { Redirect::to("/w/registrations") }))
        .route("/w/go", get(go_to_workplace))
        .route("/w/sign-out", axum::routing::post(sign_out))
        .route("/w/sessions", get(sessions_get).post(sessions_post))
}

#[derive(Debug, Deserialize)]
pub struct PageQuery {
    lang: Option<String>,
    /// The rotating code of a site display.
    c: Option<String>,
    next: Option<String>,
}

/// The fields of a posted form (never fails on a well-formed body).
pub(crate) struct FormData(Vec<(String, String)>);

impl FormData {
    pub(crate) fn parse(body: &[u8]) -> Self {
        Self(serde_urlencoded::from_bytes(body).unwrap_or_default())
    }

    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub(crate) fn text(&self, name: &str) -> Option<String> {
        self.get(name).map(str::trim).filter(|v| !v.is_empty()).map(str::to_string)
    }
    /// Every field, in the order sent.
    pub(crate) fn fields(&self) -> &[(String, String)] {
        &self.0
    }
}

pub(crate) fn lang_of(q: &PageQuery, headers: &HeaderMap) -> Lang {
    Lang::negotiate(q.lang.as_deref(), headers)
}

/// Remembers the language chosen with the switch for a year.
pub(crate) fn remember_lang(mut r: Response, q: &PageQuery) -> Response {
    if let Some(l) = q.lang.as_deref().and_then(Lang::parse)
        && let Ok(v) =
            HeaderValue::from_str(&format!("{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax", l.code()))
    {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

/// Only local paths are followed after sign-in.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && n.len() < 512
                && n.bytes().all(|b| b.is_ascii_graphic() && b != b'\\' && b != b'"' && b != b'<') =>
        {
            n.to_string()
        }
        _ => "/w/registrations".to_string(),
    }
}

fn secure(state: &AppState) -> bool {
    state.public_url().starts_with("https://")
}

fn session_cookie(state: &AppState, session: &WorkerSession, remember: bool) -> HeaderValue {
    let age = if remember {
        format!("; Max-Age={}", (session.expires_at - state.service.now()).whole_seconds())
    } else {
        String::new()
    };
    let secure = if secure(state) { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax{age}{secure}", session.cookie))
        .unwrap_or_else(|_| HeaderValue::from_static("ciao_worker=; Path=/"))
}

/// The signed-in worker of the request, if any.
async fn current(state: &AppState, headers: &HeaderMap) -> Result<Option<Caller>, Response> {
    let Some(value) = cookie(headers, SESSION_COOKIE).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    state.service.worker_from_session(&value).await.map_err(unavailable)
}

pub(crate) fn unavailable(e: ServiceError) -> Response {
    tracing::error!(error = %e, "worker page");
    crate::workplace::unavailable_page()
}

/// A POST from another site is refused (the cookie is SameSite=Lax too).
pub(crate) fn same_origin(state: &AppState, headers: &HeaderMap) -> bool {
    match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        None => true,
        Some(origin) => state.public_url().trim_end_matches('/').eq_ignore_ascii_case(origin),
    }
}

pub(crate) fn brussels(t: time::OffsetDateTime, with_date: bool) -> String {
    let b = ciao_domain::clock::to_brussels(t);
    let time = format!("{:02}:{:02}:{:02}", b.hour(), b.minute(), b.second());
    if with_date {
        format!("{:02}/{:02}/{} {time} ({})", b.day(), u8::from(b.month()), b.year(), utc_offset(t))
    } else {
        format!("{:02}:{:02}", b.hour(), b.minute())
    }
}

/// Brussels' offset from UTC at `t`: `UTC+01:00` or `UTC+02:00`.
pub(crate) fn utc_offset(t: time::OffsetDateTime) -> String {
    let (h, m, _) = ciao_domain::clock::brussels_offset(t).as_hms();
    format!("UTC{}{:02}:{:02}", if h < 0 { '-' } else { '+' }, h.abs(), m.abs())
}

/// A Brussels time of day as the pages show it beside a sentence: the
/// hour and minute, the offset in small print, the instant for machines.
pub(crate) fn time_of_day(t: time::OffsetDateTime, text: &str) -> String {
    let iso =
        ciao_domain::clock::to_brussels(t).format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    format!("<time datetime=\"{iso}\">{text} <small>({})</small></time>", utc_offset(t))
}

/// The localized text of a refusal, by its code (the English message of the
/// service when no translation exists).
pub(crate) fn error_list(lang: Lang, errors: &[FieldError]) -> String {
    let items: String = errors
        .iter()
        .map(|e| {
            let key = match e.code.as_str() {
                "ssin.length" | "ssin.digits" | "ssin.checksum" | "ssin.date" | "ssin.format" => {
                    "error.ssin".to_string()
                }
                c if c.starts_with("ssin.") => "error.ssin".to_string(),
                c if c.starts_with("enterpriseNumber.") || (e.field.starts_with("employer") && c != "required") => {
                    "error.enterprise".to_string()
                }
                c if c.starts_with("passkey.") => "error.passkey".to_string(),
                c if c.starts_with("declarationNumber.") => "error.declarationNumber".to_string(),
                c => format!("error.{c}"),
            };
            if crate::i18n::lookup(lang, &key).is_some() {
                // A text may name the field: the last part of its path.
                let field = e.field.rsplit('.').next().unwrap_or_default();
                let text = refusal_text(lang, &key, &format!("<code>{}</code>", esc(field)), e);
                // Said in the page's language only; its code for support.
                format!("<li data-code=\"{}\">{text}</li>", esc(&e.code))
            } else {
                format!("<li>{} <span lang=\"en\">{}</span></li>", t(lang, "error.other"), esc(&e.description))
            }
        })
        .collect();
    format!("<div class=\"alert\" role=\"alert\"><ul>{items}</ul></div>")
}

/// The key of a refusal's text on the worker's pages: the worker's own
/// wording (`w.error.{code}`), the rule of the code (`error.{code}`), or the
/// text of its family; None: no translation (the English text is shown).
pub(crate) fn worker_error_key(field: &str, code: &str) -> Option<String> {
    let field = field.rsplit('.').next().unwrap_or_default();
    let mut candidates = vec![format!("w.error.{code}")];
    if code == "required" {
        candidates.push(format!("error.{field}.required"));
    }
    candidates.push(format!("error.{code}"));
    let family = match code {
        c if c.starts_with("ssin.") => Some("error.ssin"),
        c if c.starts_with("enterpriseNumber.") => Some("error.enterprise"),
        c if c.starts_with("passkey.") => Some("error.passkey"),
        c if c.starts_with("declarationNumber.") => Some("error.declarationNumber"),
        c if c.starts_with("pin.rule.") => Some("error.pin.rule"),
        _ => None,
    };
    candidates.extend(family.map(str::to_string));
    candidates.into_iter().find(|k| crate::i18n::lookup(Lang::En, k).is_some())
}

/// A refusal's text (`key`) with its placeholders filled, the same on
/// every page: `{field}` as the page names the field (`field`, HTML),
/// `{until}` the end of a lock, `{from}` and `{to}` the two fields of a
/// period. Every renderer of refusals (worker, employer, channel pages)
/// goes through here, so a text moved from one page's family to another's
/// shows no raw placeholder.
pub(crate) fn refusal_text(lang: Lang, key: &str, field: &str, e: &FieldError) -> String {
    t(lang, key)
        .replace("{field}", field)
        .replace("{until}", &until_text(e))
        .replace("{max}", &limit_text(e))
        .replace("{from}", &format!("<strong>{}</strong>", t(lang, "e.from")))
        .replace("{to}", &format!("<strong>{}</strong>", t(lang, "e.to")))
}

/// The limit a refusal names (most characters, the last page), for the
/// `{max}` of its text.
pub(crate) fn limit_text(e: &FieldError) -> String {
    e.limit.map_or_else(|| "—".to_string(), |m| m.to_string())
}

/// The instant a refusal names (a lock's end), in Brussels time, for the
/// `{until}` of its text.
/// Rounded up to the minute: a lock that ends at 07:45:12 is said to last
/// until 07:46, not until 07:45.
pub(crate) fn until_text(e: &FieldError) -> String {
    let Some(until) = e.until else { return "—".to_string() };
    let seconds = until.unix_timestamp() + i64::from(until.nanosecond() > 0);
    let minute = seconds + (60 - seconds.rem_euclid(60)) % 60;
    let at = time::OffsetDateTime::from_unix_timestamp(minute).unwrap_or(until);
    time_of_day(at, &brussels(at, false))
}

/// The id of the message about a field (for `aria-describedby`).
fn error_id(field: &str) -> String {
    let name: String = field.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    format!("err-{name}")
}

/// The refusals on a worker's page, each in the page's language with the
/// rule it breaks (the service's English text only for a code without a
/// translation), each with the id its field points to.
pub(crate) fn worker_error_list(lang: Lang, errors: &[FieldError]) -> String {
    let items: String = errors
        .iter()
        .map(|e| {
            let id = error_id(&e.field);
            match worker_error_key(&e.field, &e.code) {
                Some(key) => {
                    // A field the person knows by a name (the phone's
                    // position) in words, another as code.
                    let field = e.field.rsplit('.').next().unwrap_or_default();
                    let named = crate::i18n::lookup(lang, &format!("w.field.{field}"))
                        .map_or_else(|| format!("<code>{}</code>", esc(field)), |w| format!("<strong>{w}</strong>"));
                    let text = refusal_text(lang, &key, &named, e);
                    format!("<li id=\"{id}\">{text}</li>")
                }
                None => format!(
                    "<li id=\"{id}\">{} <span lang=\"en\">{}</span></li>",
                    t(lang, "error.other"),
                    esc(&e.description)
                ),
            }
        })
        .collect();
    format!("<div class=\"alert\" role=\"alert\" tabindex=\"-1\"><ul>{items}</ul></div>")
}

/// `aria-invalid` and `aria-describedby` of an input whose value is refused
/// under one of `fields` (its hint `hint` described too).
fn field_state(invalid: &[FieldError], fields: &[&str], hint: Option<&str>) -> String {
    let refused = invalid.iter().find(|e| {
        fields
            .iter()
            .any(|f| e.field == *f || e.field.starts_with(&format!("{f}.")) || e.field.ends_with(&format!(".{f}")))
    });
    let mut described: Vec<String> = refused.map(|e| error_id(&e.field)).into_iter().collect();
    described.extend(hint.map(str::to_string));
    let mut out = String::new();
    if refused.is_some() {
        out.push_str(" aria-invalid=\"true\"");
    }
    if !described.is_empty() {
        out.push_str(&format!(" aria-describedby=\"{}\"", described.join(" ")));
    }
    out
}

pub(crate) fn service_errors(e: &ServiceError) -> Option<Vec<FieldError>> {
    match e {
        ServiceError::Invalid(errors) => Some(errors.clone()),
        // A refusal with its code (translated by the pages as
        // `error.{code}`); the PIN's lock points at the PIN field.
        ServiceError::Forbidden(d) | ServiceError::NotFound(d) | ServiceError::Conflict(d) => {
            let field = if d.code == "pin.locked" { "pin" } else { "" };
            Some(vec![FieldError::new(field, d.code, d.message.clone()).until(d.until)])
        }
        _ => None,
    }
}

pub(crate) fn status_of(e: &ServiceError) -> StatusCode {
    match e {
        ServiceError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        ServiceError::Forbidden(_) | ServiceError::InsufficientScope(_) => StatusCode::FORBIDDEN,
        ServiceError::NotFound(_) => StatusCode::NOT_FOUND,
        ServiceError::Conflict(_) => StatusCode::CONFLICT,
        _ => StatusCode::SERVICE_UNAVAILABLE,
    }
}

/// The top bar: language switch, and for a signed-in worker their name,
/// their registrations and sign-out.
pub(crate) fn top(lang: Lang, path: &str, caller: Option<&Caller>) -> String {
    let who = match caller {
        Some(Caller::Person { ssin, name }) => format!(
            "<p class=\"who\">{label}: {name} <span class=\"mono\">{ssin}</span></p>\
             <div class=\"links\"><a href=\"/w/registrations\">{mine}</a> <a href=\"/w/sessions\">{phones}</a> \
             <form method=\"post\" action=\"/w/sign-out\" class=\"inline\"><button class=\"link\" type=\"submit\">{out}</button></form></div>",
            label = t(lang, "signed_in_as"),
            name = esc(name),
            ssin = esc(&ssin.masked()),
            mine = t(lang, "my_registrations"),
            phones = t(lang, "w.sessions_title"),
            out = t(lang, "sign_out"),
        ),
        _ => String::new(),
    };
    // A page shown again from the browser's back/forward cache would show
    // the state of then (still IN after the OUT): it is fetched anew
    // instead, by its GET address (never a form sent again).
    format!(
        "<header data-here=\"{here}\"><nav aria-label=\"{language}\" class=\"langs\">{switch}</nav>{who}</header>\
         <script>{FRESH_ON_BACK_JS}</script>",
        here = esc(path),
        language = t(lang, "language"),
        switch = language_switch(path),
    )
}

/// Fetches a page restored from the back/forward cache anew, at the
/// address its header names.
pub(crate) const FRESH_ON_BACK_JS: &str = "addEventListener('pageshow',function(e){if(e.persisted)\
location.replace(document.querySelector('header[data-here]').dataset.here)})";

fn workplace_header(lang: Lang, d: &DeclarationDetails) -> String {
    let decl = &d.declaration;
    format!(
        "<h1>{name}</h1><p class=\"place\">{address}<br>{number_label}: <span class=\"mono\">{number}</span> · {sector}</p>",
        name = esc(&decl.site_name),
        address = address(d),
        number_label = t(lang, "declaration"),
        number = esc(decl.number.as_str()),
        sector = t(lang, &format!("sector.{}", decl.sector.as_str())),
    )
}

pub(crate) const B64_JS: &str = "function b64u(b){return btoa(String.fromCharCode.apply(null,new Uint8Array(b))).replace(/\\+/g,'-').replace(/\\//g,'_').replace(/=+$/,'')}\
function ub64(s){s=s.replace(/-/g,'+').replace(/_/g,'/');while(s.length%4)s+='=';return Uint8Array.from(atob(s),function(c){return c.charCodeAt(0)})}\
function post(u,o){return fetch(u,{method:'POST',credentials:'same-origin',headers:{'Content-Type':'application/json'},body:JSON.stringify(o)}).then(function(r){return r.json().then(function(j){if(!r.ok)throw j.detail?cerr(j.detail):new Error('refused');return j})})}\
function cerr(m){var x=new Error(m);x.ciao=1;return x}\
function pkFail(e,x){e.hidden=false;e.textContent=x&&x.ciao?x.message:e.dataset.failed}";

/// The alert a passkey ceremony's failure is shown in ([`B64_JS`]'s
/// `pkFail`): the server's refusal as it says it, anything the browser
/// raised (cancelled, timed out, no passkey here) in the page's language.
pub(crate) fn pk_error(lang: Lang) -> String {
    format!(
        "<p id=\"pk-error\" class=\"alert\" role=\"alert\" data-failed=\"{}\" hidden></p>",
        esc(t(lang, "error.passkey_not_used"))
    )
}

/// What a worker typed on the sign-in page, kept after a refusal, and the
/// refused fields.
#[derive(Default)]
pub(crate) struct Typed<'a> {
    pub ssin: &'a str,
    pub code: &'a str,
    pub invalid: &'a [FieldError],
}

/// The sign-in page: passkey, PIN, or a first activation.
fn sign_in_page(
    state: &AppState,
    lang: Lang,
    next: &str,
    workplace: Option<&DeclarationDetails>,
    error: Option<String>,
    status: StatusCode,
    typed: Typed<'_>,
) -> Response {
    let passkeys = state.service.passkey_sign_in_options().ok();
    let passkey = match &passkeys {
        Some(p) => format!(
            "<section id=\"pk\" hidden><button class=\"big\" id=\"pk-sign-in\" type=\"button\" data-state=\"{state}\" \
             data-challenge=\"{challenge}\" data-rp=\"{rp}\" data-next=\"{next}\">{label}</button></section>\
             <script>{B64_JS}(function(){{var b=document.getElementById('pk-sign-in');if(!window.PublicKeyCredential||!window.fetch)return;\
             document.getElementById('pk').hidden=false;b.addEventListener('click',function(){{var e=document.getElementById('pk-error');\
             navigator.credentials.get({{publicKey:{{challenge:ub64(b.dataset.challenge),rpId:b.dataset.rp,userVerification:'required',timeout:120000}}}})\
             .then(function(c){{return post('/w/passkey/sign-in',{{state:b.dataset.state,credentialId:b64u(c.rawId),clientDataJSON:b64u(c.response.clientDataJSON),\
             authenticatorData:b64u(c.response.authenticatorData),signature:b64u(c.response.signature)}})}})\
             .then(function(){{location.replace(b.dataset.next)}}).catch(function(x){{pkFail(e,x)}})}})}})();</script>\
             {pk_error}",
            state = esc(&p.state),
            challenge = esc(&p.challenge),
            rp = esc(&p.rp_id),
            next = esc(next),
            label = t(lang, "passkey_sign_in"),
            pk_error = pk_error(lang),
        ),
        None => String::new(),
    };
    // "Or …" only after the passkey button.
    let pin_heading = if passkeys.is_some() { "or_pin" } else { "pin_sign_in" };
    let body = format!(
        "{top}{workplace}{error}<h2>{title}</h2><p>{intro}</p>{passkey}\
         <form method=\"post\" action=\"/w/sign-in\"><h3>{or_pin}</h3>\
         <input type=\"hidden\" name=\"next\" value=\"{next}\">\
         <label for=\"ssin\">{ssin}</label><input id=\"ssin\" name=\"ssin\" value=\"{ssin_value}\" inputmode=\"numeric\" autocomplete=\"username\" required{ssin_state}>\
         <p class=\"hint\" id=\"ssin-hint\">{ssin_hint}</p>\
         <label for=\"pin\">{pin}</label><input id=\"pin\" name=\"pin\" type=\"password\" inputmode=\"numeric\" autocomplete=\"current-password\" required{pin_state}>\
         <label class=\"check\"><input type=\"checkbox\" name=\"remember\" value=\"1\" checked> {remember}</label>\
         <button type=\"submit\">{sign_in}</button></form>\
         <form method=\"post\" action=\"/w/activate\"><h3>{first}</h3><p class=\"hint\" id=\"forgot\">{forgot}</p>\
         <input type=\"hidden\" name=\"next\" value=\"{next}\">\
         <label for=\"code\">{code}</label><input id=\"code\" name=\"code\" value=\"{code_value}\" autocomplete=\"one-time-code\" autocapitalize=\"characters\" required{code_state}>\
         <p class=\"hint\" id=\"code-hint\">{code_hint}</p><button type=\"submit\">{continue}</button></form>",
        top = top(lang, &path_only(next), None),
        workplace = workplace.map(|d| workplace_header(lang, d)).unwrap_or_default(),
        error = error.unwrap_or_default(),
        title = t(lang, "sign_in_title"),
        intro = t(lang, "sign_in_intro"),
        or_pin = t(lang, pin_heading),
        next = esc(next),
        ssin = t(lang, "ssin"),
        ssin_value = esc(typed.ssin),
        ssin_state = field_state(typed.invalid, &["ssin"], Some("ssin-hint")),
        ssin_hint = t(lang, "ssin_hint"),
        pin = t(lang, "pin"),
        pin_state = field_state(typed.invalid, &["pin"], None),
        remember = t(lang, "remember_phone"),
        sign_in = t(lang, "sign_in"),
        first = t(lang, "first_time"),
        forgot = t(lang, "forgot_pin"),
        code = t(lang, "activation_code"),
        code_value = esc(typed.code),
        code_state = field_state(typed.invalid, &["activationCode"], Some("code-hint")),
        code_hint = t(lang, "activation_hint"),
        continue = t(lang, "continue"),
    );
    let title = workplace.map_or_else(|| t(lang, "sign_in_title").to_string(), |d| d.declaration.site_name.clone());
    html(status, lang, &title, &body)
}

/// The path of a local URL, without its query (for the language switch).
fn path_only(next: &str) -> String {
    next.split('?').next().unwrap_or("/").to_string()
}

/// GET /r/{technical}: what a scanned QR code opens.
async fn workplace_page(
    State(state): State<AppState>,
    WebPath(technical): WebPath<String>,
    WebQuery(q): WebQuery<PageQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = lang_of(&q, &headers);
    let d = match find(&state, &technical, lang).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let caller = match current(&state, &headers).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let here = match q.c.as_deref() {
        Some(c) => format!("/r/{}?c={}", d.technical_number, urlencode(c)),
        None => format!("/r/{}", d.technical_number),
    };
    let r = match caller {
        None => sign_in_page(&state, lang, &here, Some(&d), None, StatusCode::OK, Typed::default()),
        Some(caller) => match state.service.worker_workplace(&caller, &technical).await {
            Ok(view) => {
                register_page(&state, lang, &caller, &view, q.c.as_deref(), None, StatusCode::OK, Typed::default())
            }
            Err(e) => return unavailable(e),
        },
    };
    remember_lang(r, &q)
}

pub(crate) fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// When, in words: the time today, else "yesterday" or the date with it.
fn since_text(lang: Lang, since: time::OffsetDateTime, now: time::OffsetDateTime) -> String {
    let day = ciao_domain::clock::to_brussels(since).date();
    let today = ciao_domain::clock::to_brussels(now).date();
    let time = brussels(since, false);
    let text = if day == today {
        time
    } else if day.next_day() == Some(today) {
        format!("{} {time}", t(lang, "yesterday"))
    } else {
        format!("{:02}/{:02}/{} {time}", day.day(), u8::from(day.month()), day.year())
    };
    time_of_day(since, &text)
}

fn date_text(d: time::Date) -> String {
    format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year())
}

/// The registration page: state, employer, one big button. `typed.code`
/// is the enterprise number typed before a refusal.
#[allow(clippy::too_many_arguments)]
fn register_page(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    view: &WorkplaceView,
    site_code: Option<&str>,
    error: Option<String>,
    status: StatusCode,
    typed: Typed<'_>,
) -> Response {
    let now = state.service.now();
    let d = &view.declaration;
    let key = match new_tap_key() {
        Ok(k) => k,
        Err(e) => return unavailable(e),
    };
    let state_text = match &view.state {
        Some(s) if s.kind == RegistrationType::In => {
            format!(
                "<p class=\"state in\">{}</p>",
                t(lang, "state_in_since").replace("{time}", &since_text(lang, s.since, now))
            )
        }
        Some(s) => format!(
            "<p class=\"state out\">{}</p>",
            t(lang, "state_out_since").replace("{time}", &since_text(lang, s.since, now))
        ),
        None => format!("<p class=\"state out\">{}</p>", t(lang, "state_none")),
    };
    let site = match site_code {
        Some(c) if state.service.open_site_code(d, c).is_ok() => {
            format!(
                "<p class=\"ok\">{}</p><input type=\"hidden\" name=\"c\" value=\"{}\">",
                t(lang, "site_proven"),
                esc(c)
            )
        }
        Some(c) => format!("<input type=\"hidden\" name=\"c\" value=\"{}\">", esc(c)),
        None => String::new(),
    };
    let label = |e: &ciao_store_types::PersonEnterprise| {
        let name = if e.name.is_empty() { String::new() } else { format!("{} ", esc(&e.name)) };
        let founder = if e.founder { format!(" · {}", t(lang, "self_employed")) } else { String::new() };
        format!("{name}<span class=\"mono\">{}</span>{founder}", e.enterprise.formatted())
    };
    // The known employers as radio buttons, `chosen` checked.
    let options = |required: &str, chosen: Option<&ciao_domain::EnterpriseNumber>| -> String {
        view.employers
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let checked = if chosen == Some(&e.enterprise) { " checked" } else { "" };
                format!(
                    "<label class=\"choice\"><input type=\"radio\" name=\"employer\" value=\"{v}\" id=\"employer-{i}\"{required}{checked}> {l}</label>",
                    v = e.enterprise.as_str(),
                    l = label(e)
                )
            })
            .collect()
    };
    let typed_employer = typed.code;
    let employer_state = field_state(typed.invalid, &["employer", "employerEnterpriseNumber"], Some("employer-hint"));
    let employer = if !view.employers_in_chain {
        // No known employer in the declaration's chain: the known ones (if
        // any) to choose, or another enterprise number, typed.
        let typed_input = |id: &str| {
            format!(
                "<label for=\"{id}\">{}</label><input id=\"{id}\" name=\"employer_number\" value=\"{}\" inputmode=\"numeric\"{employer_state}>\
                 <p class=\"hint\" id=\"employer-hint\">{}</p>",
                t(lang, "employer_number"),
                esc(typed_employer),
                t(lang, if view.employers.is_empty() { "employer_none" } else { "employer_other" }),
            )
        };
        if view.employers.is_empty() {
            typed_input("employer")
        } else {
            format!(
                "<fieldset><legend>{}</legend>{}<label class=\"choice\"><input type=\"radio\" name=\"employer\" value=\"other\" id=\"employer-other\" checked> {}</label>{}</fieldset>",
                t(lang, "employer"),
                options("", None),
                t(lang, "employer_other"),
                typed_input("employer-number"),
            )
        }
    } else if view.employers.len() == 1 {
        format!(
            "<p>{}: {}</p><input type=\"hidden\" name=\"employer\" value=\"{}\">",
            t(lang, "employer"),
            label(&view.employers[0]),
            view.employers[0].enterprise.as_str()
        )
    } else {
        format!(
            "<fieldset><legend>{}</legend>{}</fieldset>",
            t(lang, "employer"),
            options(" required", view.chosen.as_ref())
        )
    };
    let notices: String = view
        .notices
        .iter()
        .map(|n| {
            let text = match n {
                WorkplaceNotice::NotStarted(d) => t(lang, "notice.not_started").replace("{date}", &date_text(*d)),
                WorkplaceNotice::Ended(d) => t(lang, "notice.ended").replace("{date}", &date_text(*d)),
                WorkplaceNotice::NotSubject => t(lang, "notice.not_subject").to_string(),
                WorkplaceNotice::EmployerNotInChain => t(lang, "notice.employer_not_in_chain").to_string(),
            };
            format!("<p class=\"note\" role=\"note\">{text}</p>")
        })
        .collect();
    let here = format!("/r/{}", d.technical_number);
    // Still IN elsewhere: say so, and offer the OUT there first.
    let elsewhere = match &view.elsewhere {
        Some(other) => {
            let site = esc(&other.declaration.declaration.site_name);
            let employer = other
                .employer
                .as_ref()
                .map(|e| format!("<input type=\"hidden\" name=\"employer\" value=\"{}\">", e.as_str()))
                .unwrap_or_default();
            let out_key = match new_tap_key() {
                Ok(k) => k,
                Err(e) => return unavailable(e),
            };
            format!(
                "<div class=\"note\" id=\"elsewhere\"><p><strong>{still}</strong></p><p>{hint}</p>\
                 <form method=\"post\" action=\"/r/{tn}/register\"><input type=\"hidden\" name=\"kind\" value=\"OUT\">\
                 <input type=\"hidden\" name=\"key\" value=\"{out_key}\">{employer}<input type=\"hidden\" name=\"then\" value=\"{here}\">\
                 <button class=\"out\" type=\"submit\">{button}</button></form></div>",
                still = t(lang, "elsewhere_in")
                    .replace("{site}", &site)
                    .replace("{time}", &since_text(lang, other.since, now)),
                hint = t(lang, "elsewhere_hint"),
                tn = esc(&other.declaration.technical_number),
                here = esc(&here),
                button = t(lang, "button.OUT_at").replace("{site}", &site),
            )
        }
        None => String::new(),
    };
    let next = view.next.as_str();
    let body = format!(
        "{top}{workplace}{error}{notices}{state_text}{elsewhere}\
         <form method=\"post\" action=\"/r/{tn}/register\" id=\"reg\" data-sending=\"{sending}\">\
         <input type=\"hidden\" name=\"kind\" value=\"{next}\"><input type=\"hidden\" name=\"key\" value=\"{key}\">\
         <input type=\"hidden\" name=\"lat\"><input type=\"hidden\" name=\"lon\"><input type=\"hidden\" name=\"acc\">{site}{employer}\
         <label class=\"check\" id=\"geo-label\" hidden><input type=\"checkbox\" id=\"geo\"> {share}</label>\
         <button class=\"big {cls}\" type=\"submit\">{button}</button></form>\
         <p>{breaks}</p><p id=\"status\" role=\"status\" aria-live=\"polite\"></p>\
         <div id=\"netfail\" class=\"alert\" role=\"alert\" hidden><p><strong>{not_registered}</strong></p><p>{netfail}</p>\
         <button type=\"button\" id=\"retry\">{retry}</button></div>\
         <script>(function(){{var f=document.getElementById('reg');if(!f||!window.fetch||!window.URLSearchParams)return;\
         var st=document.getElementById('status'),nf=document.getElementById('netfail'),b=f.querySelector('button[type=submit]');\
         if(navigator.geolocation)document.getElementById('geo-label').hidden=false;\
         function send(){{st.textContent=f.dataset.sending;b.disabled=true;nf.hidden=true;var c=new AbortController();var to=setTimeout(function(){{c.abort()}},20000);\
         fetch(f.action,{{method:'POST',body:new URLSearchParams(new FormData(f)),signal:c.signal,credentials:'same-origin'}})\
         .then(function(r){{return r.text().then(function(x){{clearTimeout(to);document.open();document.write(x);document.close()}})}})\
         .catch(function(){{clearTimeout(to);b.disabled=false;st.textContent='';nf.hidden=false;document.getElementById('retry').focus()}})}}\
         f.addEventListener('submit',function(e){{e.preventDefault();var g=document.getElementById('geo');\
         if(g.checked){{navigator.geolocation.getCurrentPosition(function(p){{f.lat.value=p.coords.latitude;f.lon.value=p.coords.longitude;\
         f.acc.value=p.coords.accuracy;send()}},function(){{send()}},{{enableHighAccuracy:true,timeout:8000,maximumAge:60000}})}}else send()}});\
         document.getElementById('retry').addEventListener('click',send)}})();</script>",
        top = top(lang, &here, Some(caller)),
        workplace = workplace_header(lang, d),
        error = error.unwrap_or_default(),
        tn = esc(&d.technical_number),
        sending = t(lang, "sending"),
        share = t(lang, "share_location"),
        cls = next.to_ascii_lowercase(),
        button = t(lang, &format!("button.{next}")),
        breaks = t(lang, "breaks"),
        not_registered = t(lang, "not_registered"),
        netfail = t(lang, "network_failed"),
        retry = t(lang, "retry"),
    );
    html(status, lang, &d.declaration.site_name, &body)
}

/// Re-exported store types used by the pages.
mod ciao_store_types {
    pub use ciao_service::ciao_store::PersonEnterprise;
}

async fn register_get(WebPath(technical): WebPath<String>) -> Response {
    Redirect::to(&format!("/r/{}", urlencode(&technical))).into_response()
}

/// POST /r/{technical}/register: one tap.
async fn register_post(
    State(state): State<AppState>,
    WebPath(technical): WebPath<String>,
    WebQuery(q): WebQuery<PageQuery>,
    headers: HeaderMap,
    form: Result<WebForm, crate::workplace::FormRefusal>,
) -> Response {
    let lang = lang_of(&q, &headers);
    // A form not read: said to be NOT registered first, as every refusal here.
    let body = match form {
        Ok(WebForm(body)) => body,
        Err(refusal) => return refusal.led_by(t(lang, "not_registered")).into_response(),
    };
    let d = match find(&state, &technical, lang).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let form = FormData::parse(&body);
    let here = format!("/r/{}", d.technical_number);
    let not_registered =
        format!("<div class=\"alert\" role=\"alert\"><p><strong>{}</strong></p></div>", t(lang, "not_registered"));
    // Nothing registered, and no one signed in: the sign-in page says so.
    let refused = |status: StatusCode| {
        sign_in_page(&state, lang, &here, Some(&d), Some(not_registered.clone()), status, Typed::default())
    };
    if !same_origin(&state, &headers) {
        return refused(StatusCode::FORBIDDEN);
    }
    let caller = match current(&state, &headers).await {
        Ok(Some(c)) => c,
        Ok(None) => return refused(StatusCode::UNAUTHORIZED),
        Err(r) => return r,
    };
    // The employer chosen, or typed ("another employer", or the only field
    // when none is known).
    let typed_employer = form.text("employer_number");
    let employer = match form.text("employer") {
        Some(e) if e == "other" => typed_employer.clone(),
        None => typed_employer.clone(),
        chosen => chosen,
    };
    let then = form.get("then").filter(|p| p.starts_with("/r/")).map(|p| safe_next(Some(p)));
    let tap = PhoneRegistration {
        kind: form.text("kind"),
        employer,
        latitude: form.text("lat"),
        longitude: form.text("lon"),
        accuracy: form.text("acc"),
        idempotency_key: form.text("key"),
        site_code: form.text("c"),
    };
    let site_code = tap.site_code.clone();
    match state.service.register_by_phone(&caller, &technical, tap).await {
        Ok(r) => {
            let then = match then {
                Some(path) => state.service.declaration_by_technical_number(&path[3..]).await.ok(),
                None => None,
            };
            confirmation(lang, &caller, &d, &r, then.as_ref())
        }
        Err(e) => {
            let Some(errors) = service_errors(&e) else {
                return unavailable(e);
            };
            let message = format!("{not_registered}{}", worker_error_list(lang, &errors));
            let typed = Typed { ssin: "", code: typed_employer.as_deref().unwrap_or_default(), invalid: &errors };
            match state.service.worker_workplace(&caller, &technical).await {
                Ok(view) => register_page(
                    &state,
                    lang,
                    &caller,
                    &view,
                    site_code.as_deref(),
                    Some(message),
                    status_of(&e),
                    typed,
                ),
                Err(e) => unavailable(e),
            }
        }
    }
}

fn employer_text(r: &Registration) -> String {
    match &r.data.employer {
        Employer::Enterprise(e) => e.formatted(),
        Employer::ForeignVat(v) => v.as_str().to_string(),
    }
}

/// The receipt, large enough to show an inspector; with `then`, the
/// workplace the worker came from (an OUT elsewhere before an IN there).
fn confirmation(
    lang: Lang,
    caller: &Caller,
    d: &DeclarationDetails,
    r: &Registration,
    then: Option<&DeclarationDetails>,
) -> Response {
    let kind = r.data.kind.as_str();
    let here = format!("/r/{}", d.technical_number);
    let (back_to, back) = match then {
        Some(next) => (
            format!("/r/{}", next.technical_number),
            t(lang, "continue_to").replace("{site}", &esc(&next.declaration.site_name)),
        ),
        None => (here.clone(), t(lang, "back_to_workplace").to_string()),
    };
    let body = format!(
        "{top}<div class=\"receipt {cls}\" role=\"status\"><h1>{title}</h1>\
         <dl><dt>{time_label}</dt><dd class=\"huge\">{time}</dd><dd>{full}</dd>\
         <dt>{receipt_label}</dt><dd class=\"huge mono\" id=\"receipt\">{id}</dd>\
         <dt>{validity_label}</dt><dd id=\"validity\">{validity}</dd>\
         <dt>{workplace_label}</dt><dd>{site}<br><span class=\"mono\">{number}</span></dd>\
         <dt>{employer_label}</dt><dd class=\"mono\">{employer}</dd></dl></div>\
         <p>{inspector}</p><p><a class=\"button\" href=\"{back_to}\">{back}</a></p>",
        top = top(lang, &here, Some(caller)),
        cls = kind.to_ascii_lowercase(),
        title = t(lang, "registered_kind").replace("{kind}", kind),
        time_label = t(lang, "server_time"),
        time = brussels(r.data.created_at, false),
        full = brussels(r.data.created_at, true),
        receipt_label = t(lang, "receipt"),
        id = r.id,
        validity_label = t(lang, "validity"),
        validity = t(lang, &format!("validity.{}", r.validity.as_str())),
        workplace_label = t(lang, "workplace"),
        site = esc(&d.declaration.site_name),
        number = esc(d.declaration.number.as_str()),
        employer_label = t(lang, "employer_label"),
        employer = esc(&employer_text(r)),
        inspector = t(lang, "show_inspector"),
        back_to = esc(&back_to),
    );
    html(StatusCode::OK, lang, t(lang, "registered_title"), &body)
}

/// GET /w/registrations: the person's own registrations, newest first.
async fn my_registrations(
    State(state): State<AppState>,
    WebQuery(q): WebQuery<PageQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = lang_of(&q, &headers);
    let caller = match current(&state, &headers).await {
        Ok(Some(c)) => c,
        Ok(None) => {
            return sign_in_page(&state, lang, "/w/registrations", None, None, StatusCode::OK, Typed::default());
        }
        Err(r) => return r,
    };
    let items = match state.service.my_registrations(&caller).await {
        Ok(i) => i,
        Err(e) => return unavailable(e),
    };
    let rows: String = items
        .iter()
        .map(|r| {
            let remarks: String = r
                .remarks
                .iter()
                .map(|m| {
                    format!(
                        "<li>{} <small class=\"mono\">{}</small></li>",
                        t(lang, &format!("remark.{}", m.code)),
                        esc(&m.code)
                    )
                })
                .collect();
            format!(
                "<li class=\"reg\"><p><strong class=\"kind {cls}\">{kind}</strong> {time}</p>\
                 <p>{decl_label}: <span class=\"mono\">{decl}</span> · {employer_label}: <span class=\"mono\">{employer}</span></p>\
                 <p>{receipt_label}: <span class=\"mono\">{id}</span> · {validity_label}: <span class=\"validity\">{validity}</span></p>{remarks}</li>",
                cls = r.data.kind.as_str().to_ascii_lowercase(),
                kind = r.data.kind.as_str(),
                time = brussels(r.data.registration_date, true),
                decl_label = t(lang, "declaration"),
                decl = esc(r.data.declaration.as_str()),
                employer_label = t(lang, "employer_label"),
                employer = esc(&employer_text(r)),
                receipt_label = t(lang, "receipt"),
                id = r.id,
                validity_label = t(lang, "validity"),
                validity = t(lang, &format!("validity.{}", r.validity.as_str())),
                remarks = if remarks.is_empty() {
                    String::new()
                } else {
                    format!("<p>{}:</p><ul class=\"remarks\">{remarks}</ul>", t(lang, "remarks"))
                },
            )
        })
        .collect();
    let list = if rows.is_empty() {
        format!("<p>{}</p>", t(lang, "none_yet"))
    } else {
        format!("<ol class=\"regs\">{rows}</ol>")
    };
    let body = format!(
        "{}{}<h1>{}</h1>{list}",
        top(lang, "/w/registrations", Some(&caller)),
        declaration_form(lang, "", None, &[]),
        t(lang, "my_registrations")
    );
    remember_lang(html(StatusCode::OK, lang, t(lang, "my_registrations"), &body), &q)
}

/// GET /w/sessions: the phones and browsers where the worker is signed in.
async fn sessions_get(State(state): State<AppState>, WebQuery(q): WebQuery<PageQuery>, headers: HeaderMap) -> Response {
    let lang = lang_of(&q, &headers);
    remember_lang(sessions_page(&state, lang, &headers, None, StatusCode::OK).await, &q)
}

/// The page, with a notice (HTML) above the list, and its status.
async fn sessions_page(
    state: &AppState,
    lang: Lang,
    headers: &HeaderMap,
    notice: Option<String>,
    status: StatusCode,
) -> Response {
    let value = cookie(headers, SESSION_COOKIE).unwrap_or_default();
    let caller = match current(state, headers).await {
        Ok(Some(c)) => c,
        Ok(None) => return sign_in_page(state, lang, "/w/sessions", None, None, StatusCode::OK, Typed::default()),
        Err(r) => return r,
    };
    let sessions = match state.service.sessions(SessionKind::Worker, &value).await {
        Ok(s) => s.unwrap_or_default(),
        Err(e) => return unavailable(e),
    };
    let body = format!(
        "{top}{notice}{section}",
        top = top(lang, "/w/sessions", Some(&caller)),
        notice = notice.unwrap_or_default(),
        section = crate::sessions_page::worker_sessions_section(lang, &sessions, "/w/sessions"),
    );
    html(status, lang, t(lang, "w.sessions_title"), &body)
}

/// POST /w/sessions: signs out one phone (`id`) or all the others (`others`).
async fn sessions_post(
    State(state): State<AppState>,
    WebQuery(q): WebQuery<PageQuery>,
    headers: HeaderMap,
    WebForm(body): WebForm,
) -> Response {
    let lang = lang_of(&q, &headers);
    if !same_origin(&state, &headers) {
        let refused = format!("<p role=\"alert\">{}</p>", t(lang, "e.csrf"));
        return html(StatusCode::FORBIDDEN, lang, t(lang, "w.sessions_title"), &refused);
    }
    let value = cookie(&headers, SESSION_COOKIE).unwrap_or_default();
    let form = FormData::parse(&body);
    let refused =
        |e: FieldError, status| sessions_page(&state, lang, &headers, Some(worker_error_list(lang, &[e])), status);
    let id = match crate::sessions_page::requested(&form) {
        Ok(id) => id,
        Err(e) => return refused(e, StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    match state.service.end_sessions(SessionKind::Worker, &value, id).await {
        Ok(_) => {
            let notice = format!("<p class=\"notice\" role=\"status\">{}</p>", t(lang, "sessions_ended"));
            sessions_page(&state, lang, &headers, Some(notice), StatusCode::OK).await
        }
        Err(ServiceError::Forbidden(_)) => {
            sign_in_page(&state, lang, "/w/sessions", None, None, StatusCode::OK, Typed::default())
        }
        Err(ServiceError::NotFound(m)) => {
            refused(crate::sessions_page::unknown_session(m.into()), StatusCode::NOT_FOUND).await
        }
        Err(e) => unavailable(e),
    }
}

/// Without the QR code: the declaration number, typed.
fn declaration_form(lang: Lang, value: &str, error: Option<String>, invalid: &[FieldError]) -> String {
    format!(
        "<form method=\"get\" action=\"/w/go\" class=\"no-qr\">{error}<label for=\"declaration\">{title}</label>\
         <input id=\"declaration\" name=\"declaration\" value=\"{value}\" autocapitalize=\"characters\" autocomplete=\"off\" \
         required{state}><p class=\"hint\" id=\"declaration-hint\">{hint}</p>\
         <button type=\"submit\">{go}</button></form>",
        error = error.unwrap_or_default(),
        title = t(lang, "no_qr_title"),
        value = esc(value),
        state = field_state(invalid, &["declaration", "contractualRelationshipReference"], Some("declaration-hint")),
        hint = t(lang, "declaration_hint"),
        go = t(lang, "continue"),
    )
}

#[derive(Debug, Deserialize)]
pub struct GoQuery {
    lang: Option<String>,
    declaration: Option<String>,
}

/// GET /w/go?declaration=…: to the workplace's registration page.
async fn go_to_workplace(
    State(state): State<AppState>,
    WebQuery(q): WebQuery<GoQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = Lang::negotiate(q.lang.as_deref(), &headers);
    let caller = match current(&state, &headers).await {
        Ok(Some(c)) => c,
        Ok(None) => {
            return sign_in_page(
                &state,
                lang,
                "/w/registrations",
                None,
                None,
                StatusCode::UNAUTHORIZED,
                Typed::default(),
            );
        }
        Err(r) => return r,
    };
    let typed = q.declaration.unwrap_or_default();
    match state.service.workplace_by_number(&caller, &typed).await {
        Ok(d) => Redirect::to(&format!("/r/{}", d.technical_number)).into_response(),
        Err(e) => {
            let errors = match (&e, service_errors(&e)) {
                (ServiceError::NotFound(m), _) => {
                    vec![FieldError::new("declaration", "declaration.unknown", m.clone())]
                }
                (_, Some(errors)) => errors,
                (_, None) => return unavailable(e),
            };
            let body = format!(
                "{}{}",
                top(lang, "/w/registrations", Some(&caller)),
                declaration_form(lang, &typed, Some(worker_error_list(lang, &errors)), &errors)
            );
            html(status_of(&e), lang, t(lang, "no_qr_title"), &body)
        }
    }
}

async fn sign_in_get(State(state): State<AppState>, WebQuery(q): WebQuery<PageQuery>, headers: HeaderMap) -> Response {
    let lang = lang_of(&q, &headers);
    let next = safe_next(q.next.as_deref());
    remember_lang(sign_in_page(&state, lang, &next, None, None, StatusCode::OK, Typed::default()), &q)
}

/// Notes which browser a new session is (its "where you are signed in"
/// line); a failure only costs the description.
pub(crate) async fn note_device(state: &AppState, kind: SessionKind, cookie: &str, headers: &HeaderMap) {
    let agent = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if let Err(e) = state.service.describe_session(kind, cookie, agent).await {
        tracing::warn!(error = %e, "the session's device was not noted");
    }
}

/// After a successful sign-in: the cookie, and on to where the worker was going.
async fn signed_in(
    state: &AppState,
    headers: &HeaderMap,
    session: &WorkerSession,
    remember: bool,
    next: &str,
) -> Response {
    note_device(state, SessionKind::Worker, &session.cookie, headers).await;
    let mut r = Redirect::to(next).into_response();
    r.headers_mut().append(header::SET_COOKIE, session_cookie(state, session, remember));
    r
}

async fn sign_in_post(
    State(state): State<AppState>,
    crate::ClientIp(client): crate::ClientIp,
    WebQuery(q): WebQuery<PageQuery>,
    headers: HeaderMap,
    WebForm(body): WebForm,
) -> Response {
    let lang = lang_of(&q, &headers);
    let form = FormData::parse(&body);
    let next = safe_next(form.get("next"));
    if !same_origin(&state, &headers) {
        return sign_in_page(&state, lang, &next, None, None, StatusCode::FORBIDDEN, Typed::default());
    }
    if !state.sign_in_throttle.allowed(client) {
        return throttled(lang);
    }
    let ssin = form.text("ssin").unwrap_or_default();
    let pin = form.get("pin").unwrap_or_default();
    match state.service.pin_sign_in(&ssin, pin).await {
        Ok(session) => signed_in(&state, &headers, &session, form.get("remember").is_some(), &next).await,
        Err(e) => match service_errors(&e) {
            Some(errors) => {
                state.sign_in_throttle.failed(client);
                let typed = Typed { ssin: &ssin, code: "", invalid: &errors };
                sign_in_page(&state, lang, &next, None, Some(worker_error_list(lang, &errors)), status_of(&e), typed)
            }
            None => unavailable(e),
        },
    }
}

/// The page to set up sign-in after a valid activation code.
#[allow(clippy::too_many_arguments)]
fn enrol_page(
    lang: Lang,
    ceremony: Option<ciao_service::worker::PasskeyCeremony>,
    ticket: &str,
    who: &str,
    next: &str,
    error: Option<String>,
    invalid: &[FieldError],
    status: StatusCode,
) -> Response {
    let has_passkey = ceremony.is_some();
    let passkey = match ceremony {
        Some(p) => format!(
            "<section id=\"pk\" hidden><button class=\"big\" id=\"pk-create\" type=\"button\" data-state=\"{state}\" data-challenge=\"{challenge}\" \
             data-rp=\"{rp}\" data-user=\"{user}\" data-name=\"{name}\" data-next=\"{next}\">{label}</button></section>\
             {pk_error}\
             <script>{B64_JS}(function(){{var b=document.getElementById('pk-create');if(!window.PublicKeyCredential||!window.fetch)return;\
             document.getElementById('pk').hidden=false;b.addEventListener('click',function(){{var e=document.getElementById('pk-error');\
             navigator.credentials.create({{publicKey:{{challenge:ub64(b.dataset.challenge),rp:{{id:b.dataset.rp,name:'ciao'}},\
             user:{{id:ub64(b.dataset.user),name:b.dataset.name,displayName:b.dataset.name}},pubKeyCredParams:[{{type:'public-key',alg:-7}}],\
             authenticatorSelection:{{residentKey:'required',userVerification:'required'}},attestation:'none',timeout:120000}}}})\
             .then(function(c){{if(!c.response.getPublicKey)throw cerr('{unsupported}');return post('/w/activate/passkey',{{state:b.dataset.state,\
             credentialId:b64u(c.rawId),clientDataJSON:b64u(c.response.clientDataJSON),authenticatorData:b64u(c.response.getAuthenticatorData()),\
             publicKey:b64u(c.response.getPublicKey()),algorithm:c.response.getPublicKeyAlgorithm()}})}})\
             .then(function(){{location.replace(b.dataset.next)}}).catch(function(x){{pkFail(e,x)}})}})}})();</script>",
            state = esc(&p.state),
            challenge = esc(&p.challenge),
            rp = esc(&p.rp_id),
            user = esc(&p.user_id),
            name = esc(&p.user_name),
            next = esc(next),
            label = t(lang, "create_passkey"),
            unsupported = t(lang, "passkey_unsupported").replace('\'', "\\'"),
            pk_error = pk_error(lang),
        ),
        None => String::new(),
    };
    // The language switch posts the ticket back: a link would lose it (and
    // the workplace to go on to), and a ticket does not belong in a URL.
    let switch: String = Lang::ALL
        .iter()
        .map(|l| {
            format!(
                "<form method=\"post\" action=\"/w/activate?lang={c}\" class=\"inline\">\
                 <input type=\"hidden\" name=\"ticket\" value=\"{ticket}\"><input type=\"hidden\" name=\"next\" value=\"{next}\">\
                 <button type=\"submit\" class=\"link\" lang=\"{c}\">{C}</button></form>",
                c = l.code(),
                C = l.code().to_uppercase(),
                ticket = esc(ticket),
                next = esc(next),
            )
        })
        .collect();
    let body = format!(
        "<header><nav aria-label=\"{language}\" class=\"langs\">{switch}</nav></header>\
         {error}<h1>{title}</h1><p>{for_label}: <span class=\"mono\">{who}</span></p>{passkey}\
         <form method=\"post\" action=\"/w/activate/pin\"><h2>{choose}</h2>\
         <input type=\"hidden\" name=\"ticket\" value=\"{ticket}\"><input type=\"hidden\" name=\"next\" value=\"{next}\">\
         <label for=\"pin\">{pin}</label><input id=\"pin\" name=\"pin\" type=\"password\" inputmode=\"numeric\" autocomplete=\"new-password\" \
         minlength=\"6\" maxlength=\"12\" required{pin_state}><p class=\"hint\" id=\"pin-rules\">{rules}</p>\
         <label for=\"pin2\">{repeat}</label><input id=\"pin2\" name=\"pin2\" type=\"password\" inputmode=\"numeric\" autocomplete=\"new-password\" \
         minlength=\"6\" maxlength=\"12\" required{pin2_state}>\
         <label class=\"check\"><input type=\"checkbox\" name=\"remember\" value=\"1\" checked> {remember}</label>\
         <button type=\"submit\">{save}</button></form>",
        language = t(lang, "language"),
        error = error.unwrap_or_default(),
        title = t(lang, "enrol_title"),
        for_label = t(lang, "enrol_for"),
        who = esc(who),
        choose = t(lang, if has_passkey { "choose_pin" } else { "choose_pin_only" }),
        ticket = esc(ticket),
        next = esc(next),
        pin = t(lang, "pin"),
        pin_state = field_state(invalid, &["pin"], Some("pin-rules")),
        rules = t(lang, "pin_rules"),
        repeat = t(lang, "pin_repeat"),
        pin2_state = field_state(invalid, &["pinRepeat"], None),
        remember = t(lang, "remember_phone"),
        save = t(lang, "save_pin"),
    );
    html(status, lang, t(lang, "enrol_title"), &body)
}

/// POST /w/activate: an activation code typed (or, from the set-up page's
/// language switch, its ticket again): the page to set up sign-in.
async fn activate_post(
    State(state): State<AppState>,
    crate::ClientIp(client): crate::ClientIp,
    WebQuery(q): WebQuery<PageQuery>,
    headers: HeaderMap,
    WebForm(body): WebForm,
) -> Response {
    let lang = lang_of(&q, &headers);
    let form = FormData::parse(&body);
    let next = safe_next(form.get("next"));
    if !same_origin(&state, &headers) {
        return sign_in_page(&state, lang, &next, None, None, StatusCode::FORBIDDEN, Typed::default());
    }
    if !state.sign_in_throttle.allowed(client) {
        return throttled(lang);
    }
    let code = form.get("code").unwrap_or_default();
    let checked = match form.text("ticket").filter(|_| code.is_empty()) {
        Some(ticket) => state.service.check_enrolment_ticket(&ticket).await,
        None => state.service.check_activation_code(code).await,
    };
    let r = match checked {
        Ok(ticket) => {
            let ceremony = state.service.passkey_creation(&ticket.ticket).await.ok();
            let who = ticket.ssin.masked();
            enrol_page(lang, ceremony, &ticket.ticket, &who, &next, None, &[], StatusCode::OK)
        }
        Err(e) => match service_errors(&e) {
            Some(errors) => {
                state.sign_in_throttle.failed(client);
                let typed = Typed { ssin: "", code: code.trim(), invalid: &errors };
                sign_in_page(&state, lang, &next, None, Some(worker_error_list(lang, &errors)), status_of(&e), typed)
            }
            None => unavailable(e),
        },
    };
    remember_lang(r, &q)
}

async fn activate_pin_post(
    State(state): State<AppState>,
    WebQuery(q): WebQuery<PageQuery>,
    headers: HeaderMap,
    WebForm(body): WebForm,
) -> Response {
    let lang = lang_of(&q, &headers);
    let form = FormData::parse(&body);
    let next = safe_next(form.get("next"));
    if !same_origin(&state, &headers) {
        return sign_in_page(&state, lang, &next, None, None, StatusCode::FORBIDDEN, Typed::default());
    }
    let ticket = form.get("ticket").unwrap_or_default();
    let result = state
        .service
        .enrol_with_pin(ticket, form.get("pin").unwrap_or_default(), form.get("pin2").unwrap_or_default())
        .await;
    match result {
        Ok(session) => signed_in(&state, &headers, &session, form.get("remember").is_some(), &next).await,
        Err(e) => match service_errors(&e) {
            Some(errors) if errors.iter().any(|e| e.code.starts_with("activationCode")) => {
                let typed = Typed { ssin: "", code: "", invalid: &errors };
                sign_in_page(&state, lang, &next, None, Some(worker_error_list(lang, &errors)), status_of(&e), typed)
            }
            Some(errors) => {
                let who = match state.service.check_enrolment_ticket(ticket).await {
                    Ok(t) => t.ssin.masked(),
                    Err(_) => String::new(),
                };
                let ceremony = state.service.passkey_creation(ticket).await.ok();
                let list = worker_error_list(lang, &errors);
                enrol_page(lang, ceremony, ticket, &who, &next, Some(list), &errors, status_of(&e))
            }
            None => unavailable(e),
        },
    }
}

/// The passkey answer the pages' script posts as JSON (every binary value
/// base64url), each member checked on its own so that a refusal names it.
fn passkey_answer(body: &[u8]) -> Result<PasskeyAnswer, Response> {
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
        let issue = FieldError::new("", "json.syntax", e.to_string());
        passkey_problem(
            StatusCode::BAD_REQUEST,
            "belgif:badRequest",
            "Bad Request",
            format!("the body is not JSON: {e}"),
            vec![issue],
        )
    })?;
    let Some(object) = value.as_object() else {
        let issue = FieldError::new("", "json.type", "the body is a JSON object");
        let detail = "the body is a JSON object with the passkey's answer: state, credentialId, clientDataJSON, authenticatorData, …";
        return Err(passkey_problem(StatusCode::BAD_REQUEST, "belgif:badRequest", "Bad Request", detail, vec![issue]));
    };
    let mut issues = Vec::new();
    let mut text = |name: &str, required: bool| match object.get(name) {
        Some(serde_json::Value::String(s)) => s.clone(),
        None | Some(serde_json::Value::Null) if !required => String::new(),
        None | Some(serde_json::Value::Null) => {
            issues.push(FieldError::new(name, "required", format!("{name} is required (a string, base64url)")));
            String::new()
        }
        Some(_) => {
            issues.push(FieldError::new(name, "json.type", format!("{name} is a string (base64url)")));
            String::new()
        }
    };
    let state = text("state", true);
    let credential_id = text("credentialId", true);
    let client_data_json = text("clientDataJSON", true);
    let authenticator_data = text("authenticatorData", true);
    let public_key = text("publicKey", false);
    let signature = text("signature", false);
    let algorithm = match object.get("algorithm") {
        None | Some(serde_json::Value::Null) => 0,
        Some(serde_json::Value::Number(n)) if n.as_i64().is_some() => n.as_i64().unwrap_or_default(),
        Some(_) => {
            issues.push(FieldError::new(
                "algorithm",
                "json.type",
                "algorithm is an integer (the COSE algorithm of the key: -7 for ES256)",
            ));
            0
        }
    };
    if !issues.is_empty() {
        let detail = issues.iter().map(|e| e.description.as_str()).collect::<Vec<_>>().join("; ");
        return Err(passkey_problem(StatusCode::BAD_REQUEST, "belgif:badRequest", "Bad Request", detail, issues));
    }
    Ok(PasskeyAnswer { state, credential_id, client_data_json, authenticator_data, public_key, algorithm, signature })
}

/// A refusal of the pages' passkey endpoints, as the REST API's problems
/// are (type, title, status, detail, and the fields at fault as issues);
/// the pages' script shows its `detail`.
fn passkey_problem(
    status: StatusCode,
    kind: &str,
    title: &str,
    detail: impl Into<String>,
    issues: Vec<FieldError>,
) -> Response {
    let mut p = crate::problem::Problem::new(status, kind, title, detail);
    p.issues =
        issues.into_iter().map(|e| crate::problem::InputIssue::from_field(crate::problem::In::Body, e)).collect();
    p.into_response()
}

/// The body of a passkey endpoint, or its refusal as a problem.
fn passkey_body(body: Result<Bytes, BytesRejection>) -> Result<PasskeyAnswer, Response> {
    match body {
        Ok(bytes) => passkey_answer(&bytes),
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(passkey_problem(
            StatusCode::PAYLOAD_TOO_LARGE,
            "belgif:payloadTooLarge",
            "Payload Too Large",
            format!("the body is larger than {} bytes", crate::registrations::MAX_BODY),
            Vec::new(),
        )),
        Err(e) => Err(passkey_problem(
            StatusCode::BAD_REQUEST,
            "belgif:badRequest",
            "Bad Request",
            format!("the body could not be read: {}", e.body_text()),
            Vec::new(),
        )),
    }
}

fn cross_site_problem() -> Response {
    passkey_problem(
        StatusCode::FORBIDDEN,
        "belgif:permissionDenied",
        "Permission Denied",
        "a request from another site is refused",
        Vec::new(),
    )
}

async fn passkey_result(
    state: &AppState,
    headers: &HeaderMap,
    result: Result<WorkerSession, ServiceError>,
) -> Response {
    match result {
        Ok(session) => {
            note_device(state, SessionKind::Worker, &session.cookie, headers).await;
            let mut r = ([(header::CONTENT_TYPE, "application/json")], "{\"ok\":true}").into_response();
            r.headers_mut().append(header::SET_COOKIE, session_cookie(state, &session, true));
            r
        }
        Err(ServiceError::Invalid(errors)) => {
            let detail = errors.iter().map(|e| e.description.as_str()).collect::<Vec<_>>().join("; ");
            passkey_problem(StatusCode::BAD_REQUEST, "belgif:badRequest", "Bad Request", detail, errors)
        }
        Err(e @ (ServiceError::Forbidden(_) | ServiceError::NotFound(_) | ServiceError::Conflict(_))) => {
            crate::problem::Problem::from(e).into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "passkey");
            passkey_problem(
                StatusCode::SERVICE_UNAVAILABLE,
                "belgif:serviceUnavailable",
                "Service Unavailable",
                "the service is unavailable: nothing was changed; try again in a moment",
                Vec::new(),
            )
        }
    }
}

async fn activate_passkey_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    if !same_origin(&state, &headers) {
        return cross_site_problem();
    }
    let answer = match passkey_body(body) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let result = state.service.enrol_with_passkey(&answer).await;
    passkey_result(&state, &headers, result).await
}

async fn passkey_sign_in_post(
    State(state): State<AppState>,
    crate::ClientIp(client): crate::ClientIp,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    if !same_origin(&state, &headers) {
        return cross_site_problem();
    }
    if !state.sign_in_throttle.allowed(client) {
        let mut r = passkey_problem(
            StatusCode::TOO_MANY_REQUESTS,
            "belgif:tooManyRequests",
            "Too Many Requests",
            "too many failed attempts from this connection: wait 10 minutes",
            Vec::new(),
        );
        r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("600"));
        return r;
    }
    let answer = match passkey_body(body) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let result = state.service.passkey_sign_in(&answer).await;
    if matches!(result, Err(ServiceError::Invalid(_))) {
        state.sign_in_throttle.failed(client);
    }
    passkey_result(&state, &headers, result).await
}

async fn sign_out(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let mut r = Redirect::to("/w/sign-in").into_response();
    if same_origin(&state, &headers) {
        // The session ends on the server too: a copy of the cookie is worth nothing.
        if let Some(value) = cookie(&headers, SESSION_COOKIE).filter(|v| !v.is_empty())
            && let Err(e) = state.service.sign_out(SessionKind::Worker, &value).await
        {
            return unavailable(e);
        }
        r.headers_mut().append(
            header::SET_COOKIE,
            HeaderValue::from_static("ciao_worker=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
        );
    }
    r
}

/// GET /r/{technical}/display: for a tablet on site, a QR code that changes
/// every 30 seconds (the page reloads itself, no JavaScript needed).
async fn display(
    State(state): State<AppState>,
    WebPath(technical): WebPath<String>,
    WebQuery(q): WebQuery<PageQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = lang_of(&q, &headers);
    let d = match find(&state, &technical, lang).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let (code, next) = state.service.site_code(&d);
    let url = format!("{}?c={}", state.service.registration_url(&d), urlencode(&code));
    let svg = match qr::svg(&url, 600) {
        Ok(s) => s,
        Err(e) => return (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    };
    let svg = svg.find("<svg").map_or(svg.as_str(), |i| &svg[i..]).to_string();
    let refresh = (next - state.service.now()).whole_seconds().clamp(1, 30) + 1;
    let titles: Vec<String> =
        Lang::ALL.iter().map(|l| format!("<span lang=\"{}\">{}</span>", l.code(), t(*l, "display_title"))).collect();
    let body = format!(
        "<div class=\"display\"><p class=\"titles\">{titles}</p>{header}<div class=\"qr\" id=\"site-qr\" data-url=\"{url}\">{svg}</div>\
         <p>{changes}</p></div>",
        titles = titles.join(" · "),
        header = workplace_header(lang, &d),
        url = esc(&url),
        changes = t(lang, "display_changes"),
    );
    let mut r =
        html(StatusCode::OK, lang, &format!("{} — {}", d.declaration.site_name, t(lang, "site_display")), &body);
    if let Ok(v) = HeaderValue::from_str(&refresh.to_string()) {
        r.headers_mut().insert("refresh", v);
    }
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The codes of the refusals the worker's pages can show (field, code),
    /// each with its text in the four languages (a test checks it).
    const WORKER_ERROR_CODES: &[(&str, &str)] = &[
        ("pin", "pin.wrong"),
        ("pin", "pin.locked"),
        ("clientReference", "clientReference.reused"),
        ("pin", "pin.rule.digits"),
        ("pin", "pin.rule.short"),
        ("pin", "pin.rule.long"),
        ("pin", "pin.rule.same"),
        ("pin", "pin.rule.run"),
        ("pinRepeat", "pin.repeat"),
        ("activationCode", "activationCode.unknown"),
        ("activationCode", "activationCode.format"),
        ("ticket", "activationCode.expired"),
        ("ticket", "activationCode.ticket"),
        ("ssin", "ssin.empty"),
        ("ssin", "ssin.format"),
        ("ssin", "ssin.length"),
        ("ssin", "ssin.month"),
        ("ssin", "ssin.day"),
        ("ssin", "ssin.checkDigit"),
        ("employer", "required"),
        ("employer", "enterpriseNumber.empty"),
        ("employer", "enterpriseNumber.format"),
        ("employer", "enterpriseNumber.length"),
        ("employer", "enterpriseNumber.firstDigit"),
        ("employer", "enterpriseNumber.checkDigit"),
        ("contractualRelationshipReference", "declarationNumber.empty"),
        ("contractualRelationshipReference", "declarationNumber.character"),
        ("contractualRelationshipReference", "declarationNumber.length"),
        ("declaration", "declaration.unknown"),
        ("placeOfWork.coordinates.latitude", "coordinates.number"),
        ("placeOfWork.coordinates.latitude", "coordinates.incomplete"),
        ("placeOfWork.coordinates.latitude", "coordinates.range"),
        ("placeOfWork.coordinates.latitude", "coordinates.pair"),
        ("placeOfWork.coordinates.accuracy", "coordinates.accuracy"),
        ("idempotencyKey", "idempotencyKey.format"),
        ("siteCode", "siteCode.invalid"),
        ("passkey", "passkey.refused"),
        ("id", "session.unknown"),
        ("others", "session.others"),
        ("id", "session.request"),
    ];

    #[test]
    fn every_refusal_of_the_worker_pages_has_four_texts() {
        for (field, code) in WORKER_ERROR_CODES {
            let key = worker_error_key(field, code).unwrap_or_else(|| panic!("no text for {field} {code}"));
            for lang in Lang::ALL {
                let text = crate::i18n::lookup(lang, &key).unwrap_or_default();
                assert!(!text.trim().is_empty(), "{key} has no {} text", lang.code());
            }
        }
        // The rule itself, not only its family, for the PIN rules and the numbers.
        assert_eq!(worker_error_key("pin", "pin.rule.run").as_deref(), Some("error.pin.rule.run"));
        assert_eq!(worker_error_key("ssin", "ssin.length").as_deref(), Some("error.ssin.length"));
        assert_eq!(worker_error_key("employer", "required").as_deref(), Some("error.employer.required"));
        assert_eq!(worker_error_key("id", "session.unknown").as_deref(), Some("w.error.session.unknown"));
        // The phone's position is named in words, not by the API's member.
        let list = worker_error_list(
            Lang::Fr,
            &[FieldError::new(
                "placeOfWork.coordinates.latitude",
                "coordinates.range",
                "latitude is between -90 and 90",
            )],
        );
        assert!(list.contains("<strong>la latitude</strong>") && !list.contains("<code>"), "{list}");
        assert_eq!(worker_error_key("x", "no.such.code"), None);
    }

    #[test]
    fn the_worker_pages_show_no_english_rule_in_other_languages() {
        let errors = [FieldError::new("pin", "pin.rule.run", "a PIN may not be an ascending or descending run")];
        let nl = worker_error_list(Lang::Nl, &errors);
        assert!(nl.contains("oplopende of aflopende reeks") && !nl.contains("ascending"), "{nl}");
        assert!(nl.contains("id=\"err-pin\""), "{nl}");
        let other = worker_error_list(Lang::De, &[FieldError::new("", "refused", "there is no such thing")]);
        assert!(other.contains("Abgelehnt:") && other.contains("there is no such thing"), "{other}");
    }
}
