//! The employers' online service (`/e`): sign-in with password and
//! authenticator app or passkey, consultation of the registrations with filters,
//! history, CSV/XLSX export and worked time, who is on site now with a chart
//! of the day, remark counts, and access management with the enterprise's
//! audit log. Over the same service layer as the REST API: the same access
//! rules, the same audit.
//!
//! There is deliberately no route here that creates a registration: an
//! employer may not register for its workers.

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use ciao_domain::channel::Role;
use ciao_domain::search::SearchCriteria;
use ciao_domain::worktime::{WorkedDay, minutes};
use ciao_domain::{DeclarationNumber, EnterpriseNumber, Person, Registration, RegistrationId, Ssin};
use ciao_service::ServiceError;
use ciao_service::employer::{EmployerSession, EmployerUser};
use ciao_service::sessions::SessionKind;
use serde::Deserialize;

use crate::AppState;
use crate::declaration_pages::{PAGE_DATE_FORMS, date_field, iso_date, page_date};
use crate::employer_security::SUBMIT_WITH_JS;
use crate::export::{Cell, csv, xlsx};
use crate::i18n::{Lang, cookie, t};
use crate::qr;
use crate::worker::{
    B64_JS, FormData, brussels, error_list, pk_error, same_origin, service_errors, status_of, throttled, unavailable,
    urlencode,
};
use crate::workplace::{WebForm, WebPath, WebQuery, esc, html};

pub const EMPLOYER_COOKIE: &str = "ciao_employer";
const ENTERPRISE_COOKIE: &str = "ciao_enterprise";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/e", get(home))
        .route("/e/sign-in", get(sign_in_get).post(sign_in_post))
        .route("/e/sign-out", post(sign_out))
        .route("/e/activate", get(activate_get).post(activate_post))
        .route("/e/activate/finish", post(activate_finish))
        .route("/e/registrations", get(registrations).post(registrations_filter))
        .route("/e/registrations.csv", get(export_csv))
        .route("/e/registrations.xlsx", get(export_xlsx))
        .route("/e/registrations/{id}", get(registration))
        .route("/e/on-site", get(on_site))
        .route("/e/remarks", get(remarks))
        .route("/e/users", get(users).post(users_post))
        .route("/e/users/remove", post(users_remove))
        .route("/e/audit", get(audit))
}

/// A signed-in employer user on a page: who, for which enterprise, the
/// page's language, and the session cookie (for the anti-CSRF token).
pub(crate) struct Ctx {
    pub(crate) user: EmployerUser,
    pub(crate) enterprise: EnterpriseNumber,
    pub(crate) lang: Lang,
    pub(crate) cookie: String,
    /// The language was chosen with the switch on this request: remember it.
    pub(crate) lang_chosen: bool,
    /// The page's GET address with its own query (without `lang`): where
    /// the language links lead, also from the answer to a post.
    pub(crate) here: String,
}

#[derive(Debug, Deserialize, Default)]
struct LangQuery {
    lang: Option<String>,
}

fn lang_from(headers: &HeaderMap, raw: Option<&str>) -> (Lang, bool) {
    let q = raw.and_then(|r| serde_urlencoded::from_str::<Vec<(String, String)>>(r).ok()).unwrap_or_default();
    let l = q.iter().find(|(k, _)| k == "lang").map(|(_, v)| v.as_str());
    (Lang::negotiate(l, headers), l.and_then(Lang::parse).is_some())
}

/// Remembers a language chosen with the switch (the same cookie as the worker pages).
fn remember(mut r: Response, lang: Lang, chosen: bool) -> Response {
    if chosen
        && let Ok(v) = HeaderValue::from_str(&format!(
            "{}={}; Path=/; Max-Age=31536000; SameSite=Lax",
            crate::i18n::LANG_COOKIE,
            lang.code()
        ))
    {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

/// The signed-in user, or the sign-in page (with where to come back).
/// The context of a form posted to an employer page, and the form: the
/// session as [`ctx`] finds it, the post checked ([`Ctx::check_post`]).
pub(crate) async fn posted(
    state: &AppState,
    headers: &HeaderMap,
    raw: Option<&str>,
    path: &str,
    body: &[u8],
) -> Result<(Ctx, FormData), Response> {
    let c = ctx(state, headers, raw, path).await?;
    let form = FormData::parse(body);
    c.check_post(state, headers, &form)?;
    Ok((c, form))
}

pub(crate) async fn ctx(state: &AppState, headers: &HeaderMap, raw: Option<&str>, path: &str) -> Result<Ctx, Response> {
    if let Some(refused) = crate::workplace::repeated_lang(headers, raw) {
        return Err(refused);
    }
    let (lang, lang_chosen) = lang_from(headers, raw);
    let Some(value) = cookie(headers, EMPLOYER_COOKIE).filter(|v| !v.is_empty()) else {
        return Err(Redirect::to(&format!("/e/sign-in?next={}", urlencode(path))).into_response());
    };
    let user = match state.service.employer_from_session(&value).await {
        Ok(Some(u)) => u,
        Ok(None) => return Err(Redirect::to(&format!("/e/sign-in?next={}", urlencode(path))).into_response()),
        Err(e) => return Err(unavailable(e)),
    };
    let enterprises = user.enterprises();
    let chosen = cookie(headers, ENTERPRISE_COOKIE)
        .and_then(|c| EnterpriseNumber::parse(&c).ok())
        .filter(|e| enterprises.contains(e))
        .or_else(|| enterprises.first().cloned());
    let Some(enterprise) = chosen else {
        return Err(Redirect::to("/e/sign-in").into_response());
    };
    let here = here(path, raw);
    Ok(Ctx { user, enterprise, lang, cookie: value, lang_chosen, here })
}

/// A page's GET address: `path` with the query of the request but its `lang`.
pub(crate) fn here(path: &str, raw: Option<&str>) -> String {
    let q: Vec<(String, String)> = raw
        .and_then(|r| serde_urlencoded::from_str::<Vec<(String, String)>>(r).ok())
        .unwrap_or_default()
        .into_iter()
        .filter(|(k, _)| k != "lang")
        .collect();
    match serde_urlencoded::to_string(&q) {
        Ok(q) if !q.is_empty() => format!("{path}?{q}"),
        _ => path.to_string(),
    }
}

/// The language links of a page at `here` (its GET address): the same page, its
/// own query kept, in each language. Absolute, so that after a post (whose
/// address answers no GET) they still lead to the page.
pub(crate) fn lang_links(here: &str) -> String {
    let sep = if here.contains('?') { '&' } else { '?' };
    Lang::ALL
        .iter()
        .map(|l| {
            format!(
                "<a href=\"{href}\" lang=\"{c}\" hreflang=\"{c}\">{C}</a>",
                href = esc(&format!("{here}{sep}lang={}", l.code())),
                c = l.code(),
                C = l.code().to_uppercase()
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

impl Ctx {
    pub(crate) fn csrf(&self, state: &AppState) -> String {
        format!("<input type=\"hidden\" name=\"csrf\" value=\"{}\">", esc(&state.service.csrf_token(&self.cookie)))
    }

    /// A post must come from this site and carry the session's token.
    pub(crate) fn check_post(&self, state: &AppState, headers: &HeaderMap, form: &FormData) -> Result<(), Response> {
        let token = form.get("csrf").unwrap_or_default();
        if same_origin(state, headers) && state.service.check_csrf(&self.cookie, token) {
            Ok(())
        } else {
            Err(page(
                self,
                state,
                StatusCode::FORBIDDEN,
                t(self.lang, "e.refused"),
                &format!("<div class=\"alert\" role=\"alert\"><p>{}</p></div>", t(self.lang, "e.csrf")),
            ))
        }
    }
}

/// The frame of every signed-in page: navigation by role, enterprise switch.
pub(crate) fn page(c: &Ctx, state: &AppState, status: StatusCode, title: &str, body: &str) -> Response {
    let lang = c.lang;
    let only_inspector = c.user.roles_in(&c.enterprise).iter().all(|r| *r == Role::Inspector);
    let mut links = vec![("/e/on-site", t(lang, "e.nav.on_site"))];
    if !only_inspector {
        links.insert(0, ("/e/registrations", t(lang, "e.nav.registrations")));
        links.push(("/e/remarks", t(lang, "e.nav.remarks")));
        links.push(("/e/declarations", t(lang, "e.nav.declarations")));
    }
    if c.user.has(&c.enterprise, Role::AccessManager) || c.user.has(&c.enterprise, Role::TechnicalAdministrator) {
        links.push(("/e/channel", t(lang, "e.nav.channel")));
    }
    if c.user.has(&c.enterprise, Role::AccessManager) {
        links.push(("/e/users", t(lang, "e.nav.users")));
        links.push(("/e/audit", t(lang, "e.nav.audit")));
    }
    links.push(("/e/security", t(lang, "e.nav.security")));
    let nav: String =
        links.iter().map(|(href, label)| format!("<a href=\"{href}\">{label}</a>")).collect::<Vec<_>>().join(" ");
    let switch = if c.user.enterprises().len() > 1 {
        let options: String = c
            .user
            .enterprises()
            .iter()
            .map(|e| {
                let selected = if e == &c.enterprise { " selected" } else { "" };
                format!("<option value=\"{}\"{selected}>{}</option>", e.as_str(), e.formatted())
            })
            .collect();
        format!(
            "<form method=\"get\" action=\"/e\" class=\"inline\"><label for=\"ent\" class=\"inline-label\">{}</label> \
             <select id=\"ent\" name=\"enterprise\">{options}</select> <button type=\"submit\">{}</button></form>",
            t(lang, "e.enterprise"),
            t(lang, "e.switch")
        )
    } else {
        format!("{}: <span class=\"mono\">{}</span>", t(lang, "e.enterprise"), c.enterprise.formatted())
    };
    let langs = lang_links(&c.here);
    let roles: Vec<&str> =
        c.user.roles_in(&c.enterprise).iter().map(|r| t(lang, &format!("e.role.{}", r.as_str()))).collect();
    // As on the worker's pages: a page shown again from the back/forward
    // cache (a declaration still open after closing it, a role still there
    // after withdrawing it) is fetched anew by its GET address.
    let body = format!(
        "<header class=\"wide\" data-here=\"{here}\"><p class=\"brand\"><a href=\"/e\">ciao</a> · {who} ({roles})</p>\
         <nav aria-label=\"{language}\" class=\"langs\">{langs}</nav>\
         <form method=\"post\" action=\"/e/sign-out\" class=\"inline\">{csrf}<button class=\"link\" type=\"submit\">{out}</button></form>\
         <nav aria-label=\"{menu}\" class=\"menu\">{nav}</nav><p class=\"switch\">{switch}</p></header>\
         <script>{fresh}</script>{body}",
        here = esc(&c.here),
        fresh = crate::worker::FRESH_ON_BACK_JS,
        who = esc(&c.user.name),
        roles = roles.join(", "),
        language = t(lang, "language"),
        csrf = c.csrf(state),
        out = t(lang, "sign_out"),
        menu = t(lang, "e.menu"),
    );
    remember(wide(html(status, lang, title, &body)), lang, c.lang_chosen)
}

/// The employer's pages use the full width of a desktop.
fn wide(mut r: Response) -> Response {
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

fn public_page(lang: Lang, here: &str, status: StatusCode, title: &str, body: &str) -> Response {
    let langs = lang_links(here);
    let body = format!(
        "<header><p class=\"brand\">ciao · {service}</p><nav aria-label=\"{language}\" class=\"langs\">{langs}</nav></header>{body}",
        service = t(lang, "e.service"),
        language = t(lang, "language"),
    );
    wide(html(status, lang, title, &body))
}

fn session_cookie(state: &AppState, session: &EmployerSession) -> HeaderValue {
    let secure = if state.public_url().starts_with("https://") { "; Secure" } else { "" };
    let age = (session.expires_at - state.service.now()).whole_seconds();
    HeaderValue::from_str(&format!(
        "{EMPLOYER_COOKIE}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={age}{secure}",
        session.cookie
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("ciao_employer=; Path=/"))
}

fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with("/e")
                && !n.starts_with("//")
                && n.len() < 512
                && n.bytes().all(|b| b.is_ascii_graphic() && b != b'"' && b != b'<' && b != b'\\') =>
        {
            n.to_string()
        }
        _ => "/e".to_string(),
    }
}

// ---------------------------------------------------------------- sign-in

fn sign_in_form(state: &AppState, lang: Lang, next: &str, error: Option<String>, status: StatusCode) -> Response {
    // With JavaScript and WebAuthn, a passkey may stand in for the code: the
    // button fills the form's passkey fields and sends the same form.
    let passkey = match state.service.employer_passkey_sign_in_options() {
        Ok(p) => format!(
            "<section id=\"pk\" hidden><p>{or}</p><button type=\"button\" id=\"pk-sign-in\" data-state=\"{st}\" \
             data-challenge=\"{challenge}\" data-rp=\"{rp}\">{label}</button>\
             {pk_error}</section>\
             <script>{B64_JS}{SUBMIT_WITH_JS}(function(){{var b=document.getElementById('pk-sign-in');if(!window.PublicKeyCredential)return;\
             document.getElementById('pk').hidden=false;b.addEventListener('click',function(){{\
             var f=document.getElementById('sign-in'),e=document.getElementById('pk-error'),c=document.getElementById('totp');\
             e.hidden=true;c.required=false;if(!f.reportValidity()){{c.required=true;return}}\
             navigator.credentials.get({{publicKey:{{challenge:ub64(b.dataset.challenge),rpId:b.dataset.rp,userVerification:'required',timeout:120000}}}})\
             .then(function(r){{submitWith(f,{{passkeyState:b.dataset.state,credentialId:b64u(r.rawId),clientDataJSON:b64u(r.response.clientDataJSON),\
             authenticatorData:b64u(r.response.authenticatorData),signature:b64u(r.response.signature)}})}})\
             .catch(function(x){{c.required=true;pkFail(e,x)}})}})}})();</script>",
            or = t(lang, "e.or_passkey"),
            st = esc(&p.state),
            challenge = esc(&p.challenge),
            rp = esc(&p.rp_id),
            label = t(lang, "e.use_passkey"),
            pk_error = pk_error(lang),
        ),
        Err(_) => String::new(),
    };
    let body = format!(
        "<h1>{title}</h1>{error}<form method=\"post\" action=\"/e/sign-in\" class=\"narrow\" id=\"sign-in\">\
         <input type=\"hidden\" name=\"next\" value=\"{next}\">\
         <label for=\"ssin\">{ssin}</label><input id=\"ssin\" name=\"ssin\" inputmode=\"numeric\" autocomplete=\"username\" required>\
         <label for=\"password\">{password}</label><input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required>\
         <label for=\"totp\">{totp}</label><input id=\"totp\" name=\"totp\" inputmode=\"numeric\" autocomplete=\"one-time-code\" required aria-describedby=\"totp-hint\">\
         <p class=\"hint\" id=\"totp-hint\">{totp_hint}</p><button type=\"submit\">{sign_in}</button></form>{passkey}\
         <p><a href=\"/e/activate\">{first}</a></p>",
        title = t(lang, "e.sign_in_title"),
        error = error.unwrap_or_default(),
        next = esc(next),
        ssin = t(lang, "ssin"),
        password = t(lang, "e.password"),
        totp = t(lang, "e.totp"),
        totp_hint = t(lang, "e.totp_hint"),
        sign_in = t(lang, "sign_in"),
        first = t(lang, "e.first_time"),
    );
    let here = if next == "/e" { "/e/sign-in".to_string() } else { format!("/e/sign-in?next={}", urlencode(next)) };
    public_page(lang, &here, status, t(lang, "e.sign_in_title"), &body)
}

#[derive(Debug, Deserialize)]
struct NextQuery {
    lang: Option<String>,
    next: Option<String>,
}

async fn sign_in_get(State(state): State<AppState>, WebQuery(q): WebQuery<NextQuery>, headers: HeaderMap) -> Response {
    let lang = Lang::negotiate(q.lang.as_deref(), &headers);
    let chosen = q.lang.as_deref().and_then(Lang::parse).is_some();
    remember(sign_in_form(&state, lang, &safe_next(q.next.as_deref()), None, StatusCode::OK), lang, chosen)
}

async fn sign_in_post(
    State(state): State<AppState>,
    crate::ClientIp(client): crate::ClientIp,
    WebQuery(q): WebQuery<LangQuery>,
    headers: HeaderMap,
    WebForm(body): WebForm,
) -> Response {
    let lang = Lang::negotiate(q.lang.as_deref(), &headers);
    let form = FormData::parse(&body);
    let next = safe_next(form.get("next"));
    if !same_origin(&state, &headers) {
        return sign_in_form(&state, lang, &next, None, StatusCode::FORBIDDEN);
    }
    if !state.sign_in_throttle.allowed(client) {
        return throttled(lang);
    }
    let ssin = form.text("ssin").unwrap_or_default();
    let password = form.get("password").unwrap_or_default();
    let result = if form.get("passkeyState").is_some_and(|s| !s.is_empty()) {
        let answer = crate::employer_security::passkey_answer(&form);
        state.service.employer_sign_in_with_passkey(&ssin, password, &answer).await
    } else {
        state.service.employer_sign_in(&ssin, password, form.get("totp").unwrap_or_default()).await
    };
    match result {
        Ok(session) => {
            crate::worker::note_device(&state, SessionKind::Employer, &session.cookie, &headers).await;
            let mut r = Redirect::to(&next).into_response();
            r.headers_mut().append(header::SET_COOKIE, session_cookie(&state, &session));
            r
        }
        Err(e) => match service_errors(&e) {
            Some(errors) => {
                state.sign_in_throttle.failed(client);
                sign_in_form(&state, lang, &next, Some(error_list(lang, &errors)), status_of(&e))
            }
            None => unavailable(e),
        },
    }
}

async fn sign_out(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    WebForm(body): WebForm,
) -> Response {
    let (c, _) = match posted(&state, &headers, raw.as_deref(), "/e", &body).await {
        Ok(posted) => posted,
        Err(r) => return r,
    };
    // The session ends on the server too: a copy of the cookie is worth nothing.
    if let Err(e) = state.service.sign_out(SessionKind::Employer, &c.cookie).await {
        return unavailable(e);
    }
    let mut r = Redirect::to("/e/sign-in").into_response();
    r.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_static("ciao_employer=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
    );
    r
}

async fn activate_get(WebQuery(q): WebQuery<LangQuery>, headers: HeaderMap) -> Response {
    let lang = Lang::negotiate(q.lang.as_deref(), &headers);
    let chosen = q.lang.as_deref().and_then(Lang::parse).is_some();
    remember(activate_form(lang, None, StatusCode::OK), lang, chosen)
}

fn activate_form(lang: Lang, error: Option<String>, status: StatusCode) -> Response {
    let body = format!(
        "<h1>{title}</h1>{error}<form method=\"post\" action=\"/e/activate\" class=\"narrow\">\
         <label for=\"code\">{code}</label><input id=\"code\" name=\"code\" autocomplete=\"one-time-code\" required aria-describedby=\"code-hint\">\
         <p class=\"hint\" id=\"code-hint\">{hint}</p><button type=\"submit\">{go}</button></form>",
        title = t(lang, "e.activate_title"),
        error = error.unwrap_or_default(),
        code = t(lang, "e.invitation_code"),
        hint = t(lang, "e.invitation_hint"),
        go = t(lang, "continue"),
    );
    public_page(lang, "/e/activate", status, t(lang, "e.activate_title"), &body)
}

/// A key to type by hand, in groups of four characters (`JBSW Y3DP EHPK`):
/// easier to read and to keep one's place in; authenticator apps ignore
/// the spaces.
fn grouped_by_four(key: &str) -> String {
    let chars: Vec<char> = key.chars().filter(|c| !c.is_whitespace()).collect();
    chars.chunks(4).map(|g| g.iter().collect::<String>()).collect::<Vec<_>>().join(" ")
}

#[allow(clippy::too_many_arguments)]
fn enrol_form(
    lang: Lang,
    ticket: &str,
    who: &str,
    secret: &str,
    uri: &str,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let svg = qr::svg(uri, 240).unwrap_or_default();
    let svg = svg.find("<svg").map_or(svg.as_str(), |i| &svg[i..]).to_string();
    let body = format!(
        "<h1>{title}</h1>{error}<p>{for_label}: <span class=\"mono\">{who}</span></p>\
         <form method=\"post\" action=\"/e/activate/finish\" class=\"narrow\">\
         <input type=\"hidden\" name=\"ticket\" value=\"{ticket}\"><input type=\"hidden\" name=\"who\" value=\"{who}\">\
         <input type=\"hidden\" name=\"secret\" value=\"{secret}\"><input type=\"hidden\" name=\"uri\" value=\"{uri}\">\
         <label for=\"password\">{password}</label><input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"new-password\" \
         minlength=\"12\" required aria-describedby=\"password-rules\"><p class=\"hint\" id=\"password-rules\">{rules}</p>\
         <label for=\"password2\">{repeat}</label><input id=\"password2\" name=\"password2\" type=\"password\" autocomplete=\"new-password\" minlength=\"12\" required>\
         <h2>{app_title}</h2><p>{app}</p><div class=\"qr small\" role=\"img\" aria-label=\"{qr_label}\">{svg}</div>\
         <p><a class=\"button secondary\" href=\"{uri}\" id=\"otpauth\">{open_app}</a></p>\
         <p>{manual}: <code id=\"secret\">{grouped}</code></p>\
         <label for=\"totp\">{totp}</label><input id=\"totp\" name=\"totp\" inputmode=\"numeric\" autocomplete=\"one-time-code\" required>\
         <button type=\"submit\">{save}</button></form>",
        title = t(lang, "e.activate_title"),
        error = error.unwrap_or_default(),
        for_label = t(lang, "enrol_for"),
        who = esc(who),
        ticket = esc(ticket),
        secret = esc(secret),
        grouped = esc(&grouped_by_four(secret)),
        uri = esc(uri),
        password = t(lang, "e.password"),
        rules = t(lang, "e.password_rules"),
        repeat = t(lang, "e.password_repeat"),
        app_title = t(lang, "e.app_title"),
        app = t(lang, "e.app_instructions"),
        qr_label = t(lang, "e.app_qr"),
        manual = t(lang, "e.app_manual"),
        open_app = t(lang, "e.app_open"),
        totp = t(lang, "e.totp"),
        save = t(lang, "e.save_sign_in"),
    );
    public_page(lang, "/e/activate", status, t(lang, "e.activate_title"), &body)
}

async fn activate_post(
    State(state): State<AppState>,
    crate::ClientIp(client): crate::ClientIp,
    WebQuery(q): WebQuery<LangQuery>,
    headers: HeaderMap,
    WebForm(body): WebForm,
) -> Response {
    let lang = Lang::negotiate(q.lang.as_deref(), &headers);
    let form = FormData::parse(&body);
    if !same_origin(&state, &headers) {
        return activate_form(lang, None, StatusCode::FORBIDDEN);
    }
    if !state.sign_in_throttle.allowed(client) {
        return throttled(lang);
    }
    match state.service.check_employer_invitation(form.get("code").unwrap_or_default()).await {
        Ok(e) => enrol_form(lang, &e.ticket, &e.ssin.masked(), &e.secret_base32, &e.otpauth_uri, None, StatusCode::OK),
        Err(e) => match service_errors(&e) {
            Some(errors) => {
                state.sign_in_throttle.failed(client);
                activate_form(lang, Some(error_list(lang, &errors)), status_of(&e))
            }
            None => unavailable(e),
        },
    }
}

async fn activate_finish(
    State(state): State<AppState>,
    WebQuery(q): WebQuery<LangQuery>,
    headers: HeaderMap,
    WebForm(body): WebForm,
) -> Response {
    let lang = Lang::negotiate(q.lang.as_deref(), &headers);
    let form = FormData::parse(&body);
    if !same_origin(&state, &headers) {
        return activate_form(lang, None, StatusCode::FORBIDDEN);
    }
    let ticket = form.get("ticket").unwrap_or_default();
    let result = state
        .service
        .finish_employer_enrolment(
            ticket,
            form.get("password").unwrap_or_default(),
            form.get("password2").unwrap_or_default(),
            form.get("totp").unwrap_or_default(),
        )
        .await;
    match result {
        Ok(session) => {
            crate::worker::note_device(&state, SessionKind::Employer, &session.cookie, &headers).await;
            let mut r = Redirect::to("/e").into_response();
            r.headers_mut().append(header::SET_COOKIE, session_cookie(&state, &session));
            r
        }
        Err(e) => match service_errors(&e) {
            Some(errors) if errors.iter().any(|f| f.code.starts_with("invitationCode")) => {
                activate_form(lang, Some(error_list(lang, &errors)), status_of(&e))
            }
            Some(errors) => enrol_form(
                lang,
                ticket,
                form.get("who").unwrap_or_default(),
                form.get("secret").unwrap_or_default(),
                form.get("uri").unwrap_or_default(),
                Some(error_list(lang, &errors)),
                status_of(&e),
            ),
            None => unavailable(e),
        },
    }
}

/// A remark as an employer reads it: about the person and their employer
/// (`eremark.*`) where the worker's text speaks to the worker ("your
/// employer"), otherwise the worker's text (`remark.*`).
pub(crate) fn employer_remark(lang: Lang, code: &str) -> &'static str {
    crate::i18n::lookup(lang, &format!("eremark.{code}")).unwrap_or_else(|| t(lang, &format!("remark.{code}")))
}

// ---------------------------------------------------------------- home

#[derive(Debug, Deserialize)]
struct HomeQuery {
    enterprise: Option<String>,
}

async fn home(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    WebQuery(q): WebQuery<HomeQuery>,
) -> Response {
    let mut c = match ctx(&state, &headers, raw.as_deref(), "/e").await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let mut set = None;
    let mut refused = String::new();
    if let Some(asked) = q.enterprise.as_deref() {
        match EnterpriseNumber::parse(asked).ok().filter(|e| c.user.enterprises().contains(e)) {
            Some(e) => {
                set = HeaderValue::from_str(&format!(
                    "{ENTERPRISE_COOKIE}={}; Path=/; HttpOnly; SameSite=Strict",
                    e.as_str()
                ))
                .ok();
                c.enterprise = e;
            }
            // Not an enterprise of this user (or no enterprise number): said,
            // and the current enterprise kept.
            None => {
                refused = format!(
                    "<div class=\"alert\" role=\"alert\"><p>{}</p></div>",
                    t(c.lang, "e.enterprise_refused").replace("{value}", &format!("<code>{}</code>", esc(asked)))
                );
            }
        }
    }
    let lang = c.lang;
    let body = format!(
        "{refused}<h1>{title}</h1><p>{intro}</p><ul class=\"cards\">\
         <li><a href=\"/e/registrations\">{reg}</a></li><li><a href=\"/e/on-site\">{site}</a></li>\
         <li><a href=\"/e/remarks\">{remarks}</a></li></ul><p class=\"note\">{no_register}</p>",
        title = t(lang, "e.service"),
        intro = t(lang, "e.home_intro"),
        reg = t(lang, "e.nav.registrations"),
        site = t(lang, "e.nav.on_site"),
        remarks = t(lang, "e.nav.remarks"),
        no_register = t(lang, "e.no_register"),
    );
    let status = if refused.is_empty() { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    let mut r = page(&c, &state, status, t(lang, "e.service"), &body);
    if let Some(v) = set {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

// ---------------------------------------------------------------- registrations

/// Query parameters, in order.
type Params = Vec<(String, String)>;

/// The query of the consultation page, in the REST API's parameter names;
/// a missing period is today (Brussels). A date typed as the pages read
/// them (`DD/MM/YYYY`, …: [`page_date`]) is handed on as `YYYY-MM-DD`; the
/// parameters come back also with the refusals, to show the form again as
/// it was filled in.
fn criteria(
    state: &AppState,
    c: &Ctx,
    raw: Option<&str>,
) -> (Result<SearchCriteria, Vec<ciao_domain::FieldError>>, Params) {
    let mut params: Vec<(String, String)> = raw
        .and_then(|r| serde_urlencoded::from_str::<Vec<(String, String)>>(r).ok())
        .unwrap_or_default()
        .into_iter()
        // Empty filters are no filters; an empty sealed person is one that
        // does not open (below), not none.
        .filter(|(k, v)| k != "lang" && (k == PERSON_PARAM || !v.trim().is_empty()))
        .map(|(k, v)| match k.as_str() {
            "registrationDateFrom" | "registrationDateTo" | "createdFrom" | "createdTo" => {
                let v = iso_date(&v);
                (k, v)
            }
            _ => (k, v),
        })
        .collect();
    // The person filter as the page's links carry it: sealed (see
    // `sealed_links`); opened here into the search's own `ssin`.
    let mut unopened = false;
    for (k, v) in params.iter_mut() {
        if k == PERSON_PARAM {
            match state.service.open_page_filter(&c.enterprise, v) {
                Some(ssin) => (*k, *v) = ("ssin".to_string(), ssin),
                None => unopened = true,
            }
        }
    }
    params.retain(|(k, _)| k != PERSON_PARAM);
    let today = ciao_domain::clock::to_brussels(state.service.now()).date().to_string();
    if !params.iter().any(|(k, _)| k == "registrationDateFrom") {
        params.push(("registrationDateFrom".into(), today.clone()));
    }
    if !params.iter().any(|(k, _)| k == "registrationDateTo") {
        params.push(("registrationDateTo".into(), today));
    }
    let parsed = SearchCriteria::parse(&params);
    if unopened {
        let refused = ciao_domain::FieldError::new(
            "ssin",
            "ssin.sealed",
            "this address's person filter was made by another server or for another enterprise: filter again",
        );
        let mut errors = parsed.err().unwrap_or_default();
        errors.insert(0, refused);
        return (Err(errors), params);
    }
    (parsed, params)
}

/// The name of the sealed person filter in the pages' addresses.
const PERSON_PARAM: &str = "person";

/// The parameters as the page's links write them: the person's SSIN sealed
/// (`person=…`), never in clear in an address.
fn sealed_links(state: &AppState, c: &Ctx, params: &[(String, String)]) -> Result<Params, Response> {
    params
        .iter()
        .map(|(k, v)| match k.as_str() {
            "ssin" => {
                Ok((PERSON_PARAM.to_string(), state.service.seal_page_filter(&c.enterprise, v).map_err(unavailable)?))
            }
            _ => Ok((k.clone(), v.clone())),
        })
        .collect()
}

/// The longest value a filter of the registrations page takes (every remark
/// code at once, comma-separated, is about 630 characters).
const MAX_FILTER_CHARS: usize = 2_000;

/// The filter form sent (POST, so that the SSIN typed is in no address):
/// answered with the page's address, the SSIN sealed in it.
async fn registrations_filter(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    WebForm(body): WebForm,
) -> Response {
    let (c, form) = match posted(&state, &headers, raw.as_deref(), "/e/registrations", &body).await {
        Ok(posted) => posted,
        Err(r) => return r,
    };
    let mut params: Params =
        form.fields().iter().filter(|(k, v)| k != "csrf" && !v.trim().is_empty()).cloned().collect();
    let too_long = |message: String| {
        let title = t(c.lang, "e.nav.registrations");
        crate::workplace::error_page(c.lang, StatusCode::UNPROCESSABLE_ENTITY, title, &message, None)
    };
    // No filter is that long: refused here, rather than sent on in an
    // address too long for the server to read.
    if let Some((name, _)) = params.iter().find(|(_, v)| v.chars().count() > MAX_FILTER_CHARS) {
        return too_long(
            t(c.lang, "ep.filter_too_long")
                .replace("{field}", &format!("<code>{}</code>", esc(name)))
                .replace("{max}", &MAX_FILTER_CHARS.to_string()),
        );
    }
    params.push(("lang".into(), c.lang.code().into()));
    let linked = match sealed_links(&state, &c, &params) {
        Ok(linked) => linked,
        Err(r) => return r,
    };
    let query = query_string(&linked, &[]);
    let address = format!("/e/registrations?{query}");
    // Filters each short enough can still make together, encoded, an
    // address over the server's limit: refused here too, with room left for
    // the page's own additions (the paging cursor, an export's suffix).
    if address.len() + ADDRESS_ROOM > crate::server::MAX_TARGET_BYTES {
        let max = crate::server::MAX_TARGET_BYTES - ADDRESS_ROOM;
        return too_long(t(c.lang, "ep.filters_too_long").replace("{max}", &max.to_string()));
    }
    Redirect::to(&address).into_response()
}

/// What the registrations page may add to the address a filter made (a
/// paging cursor, `.xlsx`), kept free under the server's limit.
const ADDRESS_ROOM: usize = 256;

fn param<'a>(params: &'a [(String, String)], name: &str) -> &'a str {
    params.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
}

fn query_string(params: &[(String, String)], replace: &[(&str, String)]) -> String {
    let mut out: Vec<(String, String)> =
        params.iter().filter(|(k, _)| !replace.iter().any(|(r, _)| r == k)).cloned().collect();
    for (k, v) in replace {
        out.push(((*k).to_string(), v.clone()));
    }
    serde_urlencoded::to_string(&out).unwrap_or_default()
}

fn person_text(p: &Person) -> String {
    match p {
        Person::Ssin(s) => s.formatted(),
        Person::Limosa(l) => format!("Limosa {}", l.as_str()),
    }
}

fn employer_text(r: &Registration) -> String {
    match &r.data.employer {
        ciao_domain::Employer::Enterprise(e) => e.formatted(),
        ciao_domain::Employer::ForeignVat(v) => v.as_str().to_string(),
    }
}

fn day_of(r: &Registration) -> time::Date {
    ciao_domain::clock::to_brussels(r.data.registration_date).date()
}

fn worked_text(lang: Lang, w: &WorkedDay) -> String {
    let m = minutes(w.worked);
    let mut s = format!("{} h {:02} min", m / 60, m % 60);
    if !w.missing.is_empty() {
        s.push_str(&format!(" ⚠ {}", t(lang, "e.pair_missing")));
    }
    if w.overlap {
        s.push_str(&format!(" ⚠ {}", t(lang, "e.pair_overlap")));
    }
    s
}

/// Worked time per person and day for the rows of a page, a posted
/// worker's registrations under a Limosa id counted with those under the
/// SSIN it is declared for (an unknown Limosa id has none).
struct Worked {
    days: Vec<((Ssin, time::Date), WorkedDay)>,
    persons: std::collections::HashMap<String, Ssin>,
}

/// The person (SSIN) of a registration, by its SSIN or its Limosa id.
fn ssin_of<'a>(persons: &'a std::collections::HashMap<String, Ssin>, r: &'a Registration) -> Option<&'a Ssin> {
    match &r.data.person {
        Person::Ssin(s) => Some(s),
        Person::Limosa(l) => persons.get(l.as_str()),
    }
}

async fn worked_for(state: &AppState, c: &Ctx, items: &[Registration]) -> Result<Worked, ServiceError> {
    let persons = state.service.limosa_persons(items).await?;
    let mut keys: Vec<(Ssin, time::Date)> = Vec::new();
    for r in items {
        if let Some(s) = ssin_of(&persons, r) {
            let k = (s.clone(), day_of(r));
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
    }
    let days = state.service.worked_days(&c.enterprise, &keys).await?;
    Ok(Worked { days, persons })
}

fn find_worked<'a>(worked: &'a Worked, r: &Registration) -> Option<&'a WorkedDay> {
    let s = ssin_of(&worked.persons, r)?;
    let day = day_of(r);
    worked.days.iter().find(|((ws, wd), _)| ws == s && *wd == day).map(|(_, w)| w)
}

/// The filters, as filled in; a field with a refusal marked `aria-invalid`.
fn filters_form(lang: Lang, params: &[(String, String)], errors: &[ciao_domain::FieldError], csrf: &str) -> String {
    let invalid = |name: &str| {
        if errors.iter().any(|e| e.field == name) { " aria-invalid=\"true\"" } else { "" }
    };
    let field = |name: &str, label: &str, kind: &str| {
        format!(
            "<div><label for=\"f-{name}\">{label}</label><input id=\"f-{name}\" name=\"{name}\" type=\"{kind}\" value=\"{v}\"{a}></div>",
            v = esc(param(params, name)),
            a = invalid(name),
        )
    };
    // The day of a date or date-time (the REST API's forms, which the
    // filters take too); a value that is neither is shown as typed, in a
    // text field (see [`date_field`]).
    let date = |name: &str| {
        let v = param(params, name).trim();
        match v.get(..10).and_then(page_date) {
            Some(d) if !errors.iter().any(|e| e.field == name && e.code == "date.format") => (d.to_string(), "date"),
            _ => date_field(v),
        }
    };
    let (from, from_kind) = date("registrationDateFrom");
    let (to, to_kind) = date("registrationDateTo");
    let select = |name: &str, label: &str, options: &[(&str, &str)]| {
        let current = param(params, name);
        let opts: String = options
            .iter()
            .map(|(v, l)| format!("<option value=\"{v}\"{}>{l}</option>", if *v == current { " selected" } else { "" }))
            .collect();
        format!(
            "<div><label for=\"f-{name}\">{label}</label><select id=\"f-{name}\" name=\"{name}\">{opts}</select></div>"
        )
    };
    format!(
        "<form method=\"post\" action=\"/e/registrations\" class=\"filters\">{csrf}\
         <div><label for=\"f-from\">{from_l}</label><input id=\"f-from\" name=\"registrationDateFrom\" type=\"{from_kind}\" value=\"{from}\"{from_a}></div>\
         <div><label for=\"f-to\">{to_l}</label><input id=\"f-to\" name=\"registrationDateTo\" type=\"{to_kind}\" value=\"{to}\"{to_a}></div>\
         {decl}{ssin}{employer}{kind}{validity}{remark}{sort}<div><button type=\"submit\">{apply}</button></div></form>",
        from_l = t(lang, "e.from"),
        to_l = t(lang, "e.to"),
        from = esc(&from),
        to = esc(&to),
        from_a = invalid("registrationDateFrom"),
        to_a = invalid("registrationDateTo"),
        decl = field("contractualRelationshipReference", t(lang, "declaration"), "text"),
        ssin = field("ssin", t(lang, "ssin"), "text"),
        employer = field("enterpriseNumber", t(lang, "employer_label"), "text"),
        kind = select("type", t(lang, "type"), &[("", "–"), ("IN", "IN"), ("OUT", "OUT")]),
        validity = select(
            "validity",
            t(lang, "validity"),
            &[
                ("", "–"),
                ("pending", t(lang, "validity.pending")),
                ("valid", t(lang, "validity.valid")),
                ("invalid", t(lang, "validity.invalid")),
                ("cancelled", t(lang, "validity.cancelled")),
            ]
        ),
        remark = field("remark", t(lang, "remarks"), "text"),
        sort = select(
            "sort",
            t(lang, "e.sort"),
            &[
                ("", t(lang, "e.sort.date")),
                ("-registrationDate", t(lang, "e.sort.date_desc")),
                ("createdAt", t(lang, "e.sort.created")),
                ("id", t(lang, "receipt")),
            ]
        ),
        apply = t(lang, "e.apply"),
    )
}

async fn registrations(State(state): State<AppState>, headers: HeaderMap, RawQuery(raw): RawQuery) -> Response {
    let c = match ctx(&state, &headers, raw.as_deref(), "/e/registrations").await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let lang = c.lang;
    let (criteria, params) = match criteria(&state, &c, raw.as_deref()) {
        (Ok(criteria), params) => (criteria, params),
        (Err(errors), params) => {
            let body = format!(
                "<h1>{}</h1>{}{}",
                t(lang, "e.nav.registrations"),
                employer_errors(lang, &errors),
                filters_form(lang, &params, &errors, &c.csrf(&state))
            );
            return page(&c, &state, StatusCode::UNPROCESSABLE_ENTITY, t(lang, "e.nav.registrations"), &body);
        }
    };
    // Pages follow each other by cursor (fast at any depth); the count stops at 10,000.
    let mut criteria = criteria;
    criteria.count_limit = Some(COUNT_LIMIT + 1);
    let result = state.service.employer_search(&c.user, &c.enterprise, &criteria, "registration.search").await;
    let page_ = match result {
        Ok(p) => p,
        Err(e) => return service_error_page(&c, &state, e),
    };
    let worked = match worked_for(&state, &c, &page_.items).await {
        Ok(w) => w,
        Err(e) => return service_error_page(&c, &state, e),
    };
    // The column headers, also the labels of a row's values where a narrow
    // screen shows each row as a card (`table.stack`).
    let columns = [
        t(lang, "receipt"),
        t(lang, "time"),
        t(lang, "type"),
        t(lang, "e.person"),
        t(lang, "employer_label"),
        t(lang, "declaration"),
        t(lang, "validity"),
        t(lang, "remarks"),
        t(lang, "e.worked"),
    ];
    // A cell: its value in one box beside its label on a card; empty, no card line.
    let cell = |i: usize, class: &str, value: String| {
        let class = if class.is_empty() { String::new() } else { format!(" class=\"{class}\"") };
        let value = if value.is_empty() { value } else { format!("<span>{value}</span>") };
        format!("<td{class} data-label=\"{}\">{value}</td>", esc(columns[i]))
    };
    let rows: String = page_
        .items
        .iter()
        .map(|r| {
            // The remark in the page's language with its official text in
            // small print (what the RSZ/ONSS and the API say), its code on
            // hover.
            let remarks: Vec<String> = r
                .remarks
                .iter()
                .map(|m| {
                    format!(
                        "<span title=\"{}\">{}</span> <small class=\"mono\">{}</small>",
                        esc(&m.code),
                        employer_remark(c.lang, &m.code),
                        esc(&m.description)
                    )
                })
                .collect();
            [
                cell(0, "", format!("<a href=\"/e/registrations/{id}\">{id}</a>", id = r.id)),
                cell(1, "", esc(&brussels(r.data.registration_date, true))),
                cell(2, "", r.data.kind.as_str().to_string()),
                cell(3, "mono", esc(&person_text(&r.data.person))),
                cell(4, "mono", esc(&employer_text(r))),
                cell(5, "mono", esc(r.data.declaration.as_str())),
                cell(6, "", t(lang, &format!("validity.{}", r.validity.as_str())).to_string()),
                cell(7, "", remarks.join("<br>")),
                cell(8, "", find_worked(&worked, r).map(|w| worked_text(lang, w)).unwrap_or_default()),
            ]
            .into_iter()
            .fold("<tr>".to_string(), |row, c| row + &c)
                + "</tr>"
        })
        .collect();
    // Keyset paging forwards ("next" carries the cursor of the page's last
    // row); backwards, the service finds where the page before starts. A
    // page reached by number (`page`) goes back by number.
    let linked = match sealed_links(&state, &c, &params) {
        Ok(linked) => linked,
        Err(r) => return r,
    };
    let unpaged: Params = linked.iter().filter(|(k, _)| k != "after" && k != "page").cloned().collect();
    let link = |rel: &str, replace: &[(&str, String)], text: &str| {
        format!(
            "<a href=\"/e/registrations?{}\" rel=\"{rel}\">{text}</a>",
            esc(&query_string(&unpaged, replace)),
            text = t(lang, text)
        )
    };
    let previous = match (criteria.after, page_.items.first()) {
        (Some(_), Some(first_row)) => {
            match state.service.employer_previous_page(&c.user, &c.enterprise, &criteria, first_row).await {
                Ok(None) => None,
                Ok(Some(None)) => Some(Vec::new()),
                Ok(Some(Some(cursor))) => Some(vec![("after", cursor.to_param())]),
                Err(e) => return service_error_page(&c, &state, e),
            }
        }
        (None, _) if criteria.page > 1 => {
            // Past the last page: back to the last one, not to the page before.
            let last = page_.total.div_ceil(u64::from(criteria.page_size)).max(1);
            let back = u64::from(criteria.page - 1).min(last);
            Some(if back == 1 { Vec::new() } else { vec![("page", back.to_string())] })
        }
        _ => None,
    };
    // "First page" on every page but the first.
    let first = if previous.is_some() { link("first", &[], "e.first") } else { String::new() };
    let previous = previous.map(|p| link("prev", &p, "e.previous")).unwrap_or_default();
    let next = match page_.next {
        Some(cursor) => link("next", &[("after", cursor.to_param())], "e.next"),
        None => String::new(),
    };
    let export = query_string(&unpaged, &[]);
    let body = format!(
        "<h1>{title}</h1>{filters}<p id=\"count\">{count} · <a href=\"/e/registrations.csv?{export}\" download>CSV</a> · \
         <a href=\"/e/registrations.xlsx?{export}\" download>XLSX</a></p>\
         <div class=\"scroll\" tabindex=\"0\"><table class=\"stack\" id=\"registrations\"><caption>{title}</caption><thead><tr>{headers}</tr></thead><tbody>{rows}</tbody></table></div>\
         <nav aria-label=\"{pagination}\" class=\"pages\">{first} {previous} {next}</nav>",
        title = t(lang, "e.nav.registrations"),
        filters = filters_form(lang, &params, &[], &c.csrf(&state)),
        count = if page_.total > COUNT_LIMIT {
            t(lang, "e.count_more").replace("{n}", &COUNT_LIMIT.to_string())
        } else {
            t(lang, "e.count").replace("{n}", &page_.total.to_string())
        },
        export = esc(&export),
        headers = columns.iter().map(|c| format!("<th scope=\"col\">{c}</th>")).collect::<String>(),
        pagination = t(lang, "e.pagination"),
    );
    page(&c, &state, StatusCode::OK, t(lang, "e.nav.registrations"), &body)
}

/// The label of an employer page's field, by the name the service gives it
/// (a query parameter of the filters, or a form field); None for a name no
/// form of these pages has.
fn employer_field_label(lang: Lang, field: &str) -> Option<&'static str> {
    let key = match field {
        "registrationDateFrom" | "from" => "e.from",
        "registrationDateTo" | "to" => "e.to",
        "contractualRelationshipReference" | "declaration" => "declaration",
        "ssin" => "ssin",
        "enterpriseNumber" => "employer_label",
        "type" => "type",
        "validity" => "validity",
        "remark" => "remarks",
        "sort" => "e.sort",
        "day" => "e.day",
        "name" => "e.name",
        "role" => "e.role",
        "id" => "receipt",
        "page" | "after" => "ep.field.page",
        "pageSize" => "ep.field.page_size",
        "createdFrom" => "ep.field.created_from",
        "createdTo" => "ep.field.created_to",
        _ => return None,
    };
    Some(t(lang, key))
}

/// The key of the translated rule of a refusal code on the employer pages:
/// the employer pages' own (`ep.err.…`), else the shared one (`error.…`).
pub(crate) fn employer_rule_key(code: &str) -> Option<String> {
    let own = format!("ep.err.{code}");
    if crate::i18n::lookup(Lang::En, &own).is_some() {
        return Some(own);
    }
    let shared = match code {
        c if c.starts_with("ssin.") => "error.ssin".to_string(),
        c if c.starts_with("enterpriseNumber.") => "error.enterprise".to_string(),
        c if c.starts_with("declarationNumber.") => "error.declarationNumber".to_string(),
        c if c.starts_with("passkey.") => "error.passkey".to_string(),
        c => format!("error.{c}"),
    };
    crate::i18n::lookup(Lang::En, &shared).is_some().then_some(shared)
}

/// The refusals of an employer page in its language: each rule in words,
/// naming the form's own fields ("Au ne peut pas précéder Du"), the code in
/// small print; English only for a code without a translation.
pub(crate) fn employer_errors(lang: Lang, errors: &[ciao_domain::FieldError]) -> String {
    let items: String = errors
        .iter()
        .map(|e| {
            let label = employer_field_label(lang, &e.field);
            match employer_rule_key(&e.code) {
                Some(key) => {
                    // The form's label in bold; a name without one (a
                    // parameter of the address, a hidden field) as code.
                    let field = label.map_or_else(
                        || format!("<code>{}</code>", esc(&e.field)),
                        |l| format!("<strong>{l}</strong>"),
                    );
                    let text = crate::worker::refusal_text(lang, &key, &field, e);
                    format!(
                        "<li data-field=\"{name}\" data-code=\"{code}\">{text} <small class=\"mono\">({code_l} {code})</small></li>",
                        name = esc(&e.field),
                        code = esc(&e.code),
                        code_l = t(lang, "ep.code"),
                    )
                }
                None => format!(
                    "<li data-field=\"{}\" data-code=\"{}\">{} <span lang=\"en\">{}</span></li>",
                    esc(&e.field),
                    esc(&e.code),
                    t(lang, "error.other"),
                    esc(&e.description)
                ),
            }
        })
        .collect();
    format!("<div class=\"alert\" role=\"alert\" tabindex=\"-1\"><ul>{items}</ul></div>")
}

/// Every refusal code the employer pages' forms can produce (the filters,
/// the live view, the remarks, access management): each has its four
/// translations (a unit test checks).
pub const EMPLOYER_ERROR_CODES: &[&str] = &[
    "parameter.unknown",
    "parameter.unnamed",
    "parameter.repeated",
    "parameter.empty",
    "period.order",
    "period.tooLong",
    "period",
    "date.format",
    "day.format",
    "day.future",
    "validity.value",
    "remark.value",
    "type.value",
    "sort.value",
    "after.format",
    "after.exclusive",
    "number.range",
    "number.format",
    "ssin.length",
    "ssin.checksum",
    "enterpriseNumber.checksum",
    "declarationNumber.length",
    "text.empty",
    "text.tooLong",
    "role.value",
    "ssin.self",
    "ssin.noRole",
    "ssin.sealed",
    "required",
];

pub(crate) fn service_error_page(c: &Ctx, state: &AppState, e: ServiceError) -> Response {
    match service_errors(&e) {
        Some(errors) => page(c, state, status_of(&e), t(c.lang, "e.refused"), &employer_errors(c.lang, &errors)),
        None => unavailable(e),
    }
}

const EXPORT_LIMIT: usize = 100_000;

/// The exported columns' headers (keys of the declaration pages' table), in order.
const EXPORT_COLUMNS: [&str; 12] = [
    "ep.col.receipt",
    "ep.col.registration_date",
    "ep.col.type",
    "ep.col.person",
    "ep.col.employer",
    "ep.col.declaration",
    "ep.col.channel",
    "ep.col.created_at",
    "ep.col.validity",
    "ep.col.remarks",
    "ep.col.worked_minutes",
    "ep.col.pair_missing",
];
/// The consultation page counts up to this many rows.
const COUNT_LIMIT: u64 = 10_000;

/// Every row of the current filter (at most [`EXPORT_LIMIT`]), with worked time.
async fn export_rows(
    state: &AppState,
    c: &Ctx,
    raw: Option<&str>,
) -> Result<(Vec<&'static str>, Vec<Vec<Cell>>), Response> {
    let mut criteria = criteria(state, c, raw).0.map_err(|errors| {
        page(c, state, StatusCode::UNPROCESSABLE_ENTITY, t(c.lang, "e.refused"), &employer_errors(c.lang, &errors))
    })?;
    criteria.page_size = ciao_domain::search::MAX_PAGE_SIZE;
    criteria.page = 1;
    let mut items = Vec::new();
    loop {
        let p = state
            .service
            .employer_search(&c.user, &c.enterprise, &criteria, "registration.export")
            .await
            .map_err(|e| service_error_page(c, state, e))?;
        let n = p.items.len();
        items.extend(p.items);
        if n < criteria.page_size as usize || items.len() >= EXPORT_LIMIT {
            break;
        }
        criteria.page += 1;
    }
    let worked = worked_for(state, c, &items).await.map_err(|e| service_error_page(c, state, e))?;
    // Headers in the page's language (one key each in the declaration pages' table).
    let headers = EXPORT_COLUMNS.iter().map(|k| t(c.lang, k)).collect();
    let moment = |at: time::OffsetDateTime| {
        let local = ciao_domain::clock::to_brussels(at);
        Cell::Time(time::PrimitiveDateTime::new(local.date(), local.time()), ciao_domain::format_brussels(at))
    };
    let rows = items
        .iter()
        .map(|r| {
            let w = find_worked(&worked, r);
            vec![
                Cell::Number(r.id.get() as f64),
                moment(r.data.registration_date),
                Cell::Text(r.data.kind.as_str().into()),
                Cell::Code(match &r.data.person {
                    Person::Ssin(s) => s.as_str().into(),
                    Person::Limosa(l) => l.as_str().into(),
                }),
                Cell::Code(match &r.data.employer {
                    ciao_domain::Employer::Enterprise(e) => e.as_str().into(),
                    ciao_domain::Employer::ForeignVat(v) => v.as_str().into(),
                }),
                Cell::Text(r.data.declaration.as_str().into()),
                Cell::Text(r.data.channel.as_str().into()),
                moment(r.data.created_at),
                Cell::Text(r.validity.as_str().into()),
                Cell::Text(r.remarks.iter().map(|m| m.code.as_str()).collect::<Vec<_>>().join(" ")),
                w.map_or(Cell::Empty, |w| Cell::Number(minutes(w.worked) as f64)),
                w.map_or(Cell::Empty, |w| {
                    Cell::Text(t(c.lang, if w.is_complete() { "ep.no" } else { "ep.yes" }).into())
                }),
            ]
        })
        .collect();
    Ok((headers, rows))
}

pub(crate) fn download(content_type: &'static str, name: &str, bytes: Vec<u8>) -> Response {
    let mut r = ([(header::CONTENT_TYPE, content_type)], bytes).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// HEAD of an export: the filter checked as for GET (a bad one is the same
/// 422), then the download's headers, without reading, exporting or auditing
/// any row (nothing is downloaded). Its length is not known without the
/// export, so the answer says none (rather than a wrong 0).
fn export_head(
    state: &AppState,
    c: &Ctx,
    raw: Option<&str>,
    method: &axum::http::Method,
    content_type: &'static str,
    name: &str,
) -> Option<Response> {
    if method != axum::http::Method::HEAD {
        return None;
    }
    if let Err(errors) = criteria(state, c, raw).0 {
        let list = employer_errors(c.lang, &errors);
        return Some(page(c, state, StatusCode::UNPROCESSABLE_ENTITY, t(c.lang, "e.refused"), &list));
    }
    let mut r = download(content_type, name, Vec::new());
    let unknown = futures_util::stream::empty::<Result<axum::body::Bytes, std::convert::Infallible>>();
    *r.body_mut() = axum::body::Body::from_stream(unknown);
    Some(r)
}

async fn export_csv(
    State(state): State<AppState>,
    method: axum::http::Method,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let c = match ctx(&state, &headers, raw.as_deref(), "/e/registrations").await {
        Ok(c) => c,
        Err(r) => return r,
    };
    if let Some(head) = export_head(&state, &c, raw.as_deref(), &method, "text/csv; charset=utf-8", "registrations.csv")
    {
        return head;
    }
    match export_rows(&state, &c, raw.as_deref()).await {
        Ok((h, rows)) => download("text/csv; charset=utf-8", "registrations.csv", csv(&h, &rows)),
        Err(r) => r,
    }
}

const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

async fn export_xlsx(
    State(state): State<AppState>,
    method: axum::http::Method,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let c = match ctx(&state, &headers, raw.as_deref(), "/e/registrations").await {
        Ok(c) => c,
        Err(r) => return r,
    };
    if let Some(head) = export_head(&state, &c, raw.as_deref(), &method, XLSX_TYPE, "registrations.xlsx") {
        return head;
    }
    match export_rows(&state, &c, raw.as_deref()).await {
        Ok((h, rows)) => download(XLSX_TYPE, "registrations.xlsx", xlsx("registrations", &h, &rows)),
        Err(r) => r,
    }
}

async fn registration(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    WebPath(id): WebPath<String>,
) -> Response {
    let c = match ctx(&state, &headers, raw.as_deref(), &format!("/e/registrations/{}", urlencode(&id))).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let lang = c.lang;
    let id = match RegistrationId::parse(&id) {
        Ok(id) => id,
        Err(e) => {
            return service_error_page(
                &c,
                &state,
                ServiceError::Invalid(vec![ciao_domain::FieldError::from_invalid("id", e)]),
            );
        }
    };
    let r = match state.service.employer_registration(&c.user, &c.enterprise, id).await {
        Ok(r) => r,
        Err(ServiceError::NotFound(_)) => {
            let body = format!(
                "<h1>{}</h1><div class=\"alert\" role=\"alert\"><p>{}</p></div><p><a href=\"/e/registrations\">{}</a></p>",
                t(lang, "e.registration"),
                t(lang, "ep.registration_unknown").replace("{n}", &id.to_string()),
                t(lang, "e.nav.registrations"),
            );
            return page(&c, &state, StatusCode::NOT_FOUND, t(lang, "e.refused"), &body);
        }
        Err(e) => return service_error_page(&c, &state, e),
    };
    let history: String = r
        .history
        .iter()
        .map(|h| {
            let what = match &h.event {
                ciao_domain::Event::Created => t(lang, "e.event.created").to_string(),
                ciao_domain::Event::Validated { validity, remarks } => format!(
                    "{}: {}{}",
                    t(lang, "e.event.validated"),
                    t(lang, &format!("validity.{}", validity.as_str())),
                    if remarks.is_empty() {
                        String::new()
                    } else {
                        format!(
                            " ({})",
                            remarks
                                .iter()
                                .map(|m| format!(
                                    "{} <small class=\"mono\">{}</small>",
                                    employer_remark(lang, &m.code),
                                    esc(&m.description)
                                ))
                                .collect::<Vec<_>>()
                                .join("; ")
                        )
                    }
                ),
                ciao_domain::Event::Cancelled { reason, comment, by } => format!(
                    "{}: {} {} ({})",
                    t(lang, "e.event.cancelled"),
                    reason.as_str(),
                    esc(comment.as_deref().unwrap_or("")),
                    esc(by)
                ),
            };
            format!("<li><span class=\"mono\">{}</span> — {what}</li>", esc(&ciao_domain::format_brussels(h.at)))
        })
        .collect();
    let body = format!(
        "<h1>{title} {id}</h1><dl class=\"facts\"><dt>{time_l}</dt><dd>{time}</dd><dt>{type_l}</dt><dd>{kind}</dd>\
         <dt>{person_l}</dt><dd class=\"mono\">{person}</dd><dt>{employer_l}</dt><dd class=\"mono\">{employer}</dd>\
         <dt>{decl_l}</dt><dd class=\"mono\">{decl}</dd><dt>{channel_l}</dt><dd>{channel}</dd><dt>{validity_l}</dt><dd>{validity}</dd></dl>\
         <h2>{history_l}</h2><ol class=\"history\">{history}</ol><p><a href=\"/e/registrations\">{back}</a></p>",
        title = t(lang, "e.registration"),
        id = r.id,
        time_l = t(lang, "time"),
        time = esc(&brussels(r.data.registration_date, true)),
        type_l = t(lang, "type"),
        kind = r.data.kind.as_str(),
        person_l = t(lang, "e.person"),
        person = esc(&person_text(&r.data.person)),
        employer_l = t(lang, "employer_label"),
        employer = esc(&employer_text(&r)),
        decl_l = t(lang, "declaration"),
        decl = esc(r.data.declaration.as_str()),
        channel_l = t(lang, "e.channel"),
        channel = r.data.channel.as_str(),
        validity_l = t(lang, "validity"),
        validity = t(lang, &format!("validity.{}", r.validity.as_str())),
        history_l = t(lang, "e.history"),
        back = t(lang, "e.nav.registrations"),
    );
    page(&c, &state, StatusCode::OK, t(lang, "e.registration"), &body)
}

// ---------------------------------------------------------------- on site now

#[derive(Debug, Deserialize)]
struct OnSiteQuery {
    declaration: Option<String>,
    day: Option<String>,
}

async fn on_site(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    WebQuery(q): WebQuery<OnSiteQuery>,
) -> Response {
    let c = match ctx(&state, &headers, raw.as_deref(), "/e/on-site").await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let lang = c.lang;
    let today = ciao_domain::clock::to_brussels(state.service.now()).date();
    let day_text = q.day.clone().filter(|d| !d.trim().is_empty()).unwrap_or_else(|| today.to_string());
    let decl_text = q.declaration.clone().unwrap_or_default();
    let mut errors = Vec::new();
    let declaration = if decl_text.is_empty() {
        None
    } else {
        DeclarationNumber::parse(&decl_text)
            .map_err(|e| errors.push(ciao_domain::FieldError::from_invalid("declaration", e)))
            .ok()
    };
    let day = page_date(&day_text);
    if day.is_none() {
        errors.push(ciao_domain::FieldError::new("day", "day.format", format!("day is {PAGE_DATE_FORMS}")));
    }
    let (day_value, day_kind) = date_field(&day_text);
    // The form, its fields marked where a refusal names them.
    let form_with = |errors: &[ciao_domain::FieldError]| {
        let invalid = |name: &str| {
            if errors.iter().any(|e| e.field == name) { " aria-invalid=\"true\"" } else { "" }
        };
        format!(
            "<form method=\"get\" action=\"/e/on-site\" class=\"filters\">\
             <div><label for=\"d\">{decl_l}</label><input id=\"d\" name=\"declaration\" value=\"{decl}\" required{decl_a}></div>\
             <div><label for=\"day\">{day_l}</label><input id=\"day\" name=\"day\" type=\"{day_kind}\" value=\"{day}\"{day_a}></div>\
             <div><button type=\"submit\">{show}</button></div></form>",
            decl_l = t(lang, "declaration"),
            decl = esc(&decl_text),
            decl_a = invalid("declaration"),
            day_l = t(lang, "e.day"),
            day = esc(&day_value),
            day_a = invalid("day"),
            show = t(lang, "e.apply"),
        )
    };
    let form = form_with(&errors);
    if decl_text.is_empty() && errors.is_empty() {
        let body = format!("<h1>{}</h1>{form}", t(lang, "e.nav.on_site"));
        return page(&c, &state, StatusCode::OK, t(lang, "e.nav.on_site"), &body);
    }
    let (Some(declaration), Some(day)) = (declaration, day) else {
        let body = format!("<h1>{}</h1>{}{form}", t(lang, "e.nav.on_site"), employer_errors(lang, &errors));
        return page(&c, &state, StatusCode::UNPROCESSABLE_ENTITY, t(lang, "e.nav.on_site"), &body);
    };
    let site = match state.service.on_site(&c.user, &c.enterprise, &declaration, day).await {
        Ok(s) => s,
        Err(ServiceError::NotFound(_)) => {
            // Said so, in the page's language, with the form to correct it.
            let body = format!(
                "<h1>{}</h1><div class=\"alert\" role=\"alert\"><p>{}</p></div>{form}",
                t(lang, "e.nav.on_site"),
                t(lang, "ep.on_site_unknown").replace("{n}", &esc(declaration.as_str())),
            );
            return page(&c, &state, StatusCode::NOT_FOUND, t(lang, "e.nav.on_site"), &body);
        }
        // A day the service refuses (one that has not begun), with the form.
        Err(ServiceError::Invalid(errors)) => {
            let body = format!(
                "<h1>{}</h1>{}{}",
                t(lang, "e.nav.on_site"),
                employer_errors(lang, &errors),
                form_with(&errors)
            );
            return page(&c, &state, StatusCode::UNPROCESSABLE_ENTITY, t(lang, "e.nav.on_site"), &body);
        }
        Err(e) => return service_error_page(&c, &state, e),
    };
    let outside = if site.in_chain {
        String::new()
    } else {
        format!("<p class=\"note\" id=\"not-in-chain\">{}</p>", t(lang, "ep.on_site_not_in_chain"))
    };
    let rows: String = site
        .present
        .iter()
        .map(|r| {
            format!(
                "<tr><td class=\"mono\">{}</td><td class=\"mono\">{}</td><td>{}</td><td><a href=\"/e/registrations/{id}\">{id}</a></td></tr>",
                esc(&person_text(&r.data.person)),
                esc(&employer_text(r)),
                brussels(r.data.registration_date, false),
                id = r.id,
            )
        })
        .collect();
    let hours = ciao_domain::worktime::day_hours(day);
    let labels: Vec<String> =
        hours.iter().map(|h| format!("{:02}", ciao_domain::clock::to_brussels(*h).hour())).collect();
    let chart = crate::chart::bar_chart(
        &t(lang, "e.chart_title").replace("{day}", &day.to_string()),
        t(lang, "e.chart_desc"),
        &labels,
        &site.per_hour,
    );
    let table: String = labels
        .iter()
        .zip(&site.per_hour)
        .map(|(l, v)| format!("<tr><th scope=\"row\">{l}:00</th><td>{v}</td></tr>"))
        .collect();
    let body = format!(
        "<h1>{title}</h1>{form}{outside}<h2>{now_l} ({n})</h2>\
         <div class=\"scroll\" tabindex=\"0\"><table><caption>{now_l}</caption><thead><tr><th scope=\"col\">{person}</th><th scope=\"col\">{employer}</th>\
         <th scope=\"col\">{since}</th><th scope=\"col\">{receipt}</th></tr></thead><tbody>{rows}</tbody></table></div>\
         <h2>{per_hour}</h2><div class=\"chart\">{chart}</div>\
         <details><summary>{data}</summary><table><caption>{per_hour}</caption><thead><tr><th scope=\"col\">{hour}</th><th scope=\"col\">{people}</th></tr></thead>\
         <tbody>{table}</tbody></table></details>",
        title = t(lang, "e.nav.on_site"),
        now_l = if day == today { t(lang, "e.in_now") } else { t(lang, "e.in_at_end") },
        n = site.present.len(),
        person = t(lang, "e.person"),
        employer = t(lang, "employer_label"),
        since = t(lang, "e.since"),
        receipt = t(lang, "receipt"),
        per_hour = t(lang, "e.per_hour"),
        data = t(lang, "e.chart_data"),
        hour = t(lang, "e.hour"),
        people = t(lang, "e.people"),
    );
    page(&c, &state, StatusCode::OK, t(lang, "e.nav.on_site"), &body)
}

// ---------------------------------------------------------------- remarks

#[derive(Debug, Deserialize)]
struct PeriodQuery {
    from: Option<String>,
    to: Option<String>,
}

async fn remarks(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    WebQuery(q): WebQuery<PeriodQuery>,
) -> Response {
    let c = match ctx(&state, &headers, raw.as_deref(), "/e/remarks").await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let lang = c.lang;
    let today = ciao_domain::clock::to_brussels(state.service.now()).date();
    // A date left out or emptied in the form: its default (the last seven
    // days), as the on-site page takes an emptied day for today.
    let given = |v: &Option<String>| v.clone().filter(|d| !d.trim().is_empty());
    let from_text = given(&q.from).unwrap_or_else(|| (today - time::Duration::days(6)).to_string());
    let to_text = given(&q.to).unwrap_or_else(|| today.to_string());
    let mut errors = Vec::new();
    let mut date = |name: &str, text: &str| {
        let d = page_date(text);
        if d.is_none() {
            errors.push(ciao_domain::FieldError::new(name, "date.format", format!("{name} is {PAGE_DATE_FORMS}")));
        }
        d
    };
    let (from, to) = (date("from", &from_text), date("to", &to_text));
    let period = match (from, to) {
        (Some(f), Some(t_)) if f <= t_ && (t_ - f).whole_days() < ciao_domain::search::MAX_PERIOD_DAYS => Some((f, t_)),
        (Some(_), Some(_)) => {
            errors.push(ciao_domain::FieldError::new(
                "from",
                "period",
                format!("give two dates, at most 31 days apart, from before to ({PAGE_DATE_FORMS})"),
            ));
            None
        }
        _ => None,
    };
    // The form as filled in: a date as the page read it, a refused one as typed.
    let field = |name: &str, label: &str, text: &str| {
        let (value, kind) = date_field(text);
        let refused = errors.iter().any(|e| e.field == name || e.code == "period");
        format!(
            "<div><label for=\"{name}\">{label}</label><input id=\"{name}\" name=\"{name}\" type=\"{kind}\" value=\"{v}\"{a}></div>",
            v = esc(&value),
            a = if refused { " aria-invalid=\"true\"" } else { "" },
        )
    };
    let form = format!(
        "<form method=\"get\" action=\"/e/remarks\" class=\"filters\">{from}{to}\
         <div><button type=\"submit\">{show}</button></div></form>",
        from = field("from", t(lang, "e.from"), &from_text),
        to = field("to", t(lang, "e.to"), &to_text),
        show = t(lang, "e.apply"),
    );
    let Some((from, to)) = period else {
        let body = format!("<h1>{}</h1>{}{form}", t(lang, "e.nav.remarks"), employer_errors(lang, &errors));
        return page(&c, &state, StatusCode::UNPROCESSABLE_ENTITY, t(lang, "e.nav.remarks"), &body);
    };
    let start = ciao_domain::clock::brussels_start_of_day(from);
    let end = ciao_domain::clock::brussels_end_of_day(to) - time::Duration::microseconds(1);
    let counts = match state.service.remark_counts(&c.user, &c.enterprise, start, end).await {
        Ok(x) => x,
        Err(e) => return service_error_page(&c, &state, e),
    };
    let rows: String = counts
        .iter()
        .map(|(code, n)| {
            let q = serde_urlencoded::to_string([
                ("registrationDateFrom", from.to_string()),
                ("registrationDateTo", to.to_string()),
                ("remark", code.clone()),
            ])
            .unwrap_or_default();
            let description = ciao_domain::remarks::RemarkKind::parse(code).map(|k| k.description()).unwrap_or("");
            format!(
                "<tr><td>{text}<br><small class=\"mono\">{code} · {description}</small></td><td class=\"num\"><a href=\"/e/registrations?{q}\">{n}</a></td></tr>",
                text = employer_remark(lang, code),
                code = esc(code),
                description = esc(description),
                q = esc(&q),
            )
        })
        .collect();
    let table = if counts.is_empty() {
        format!("<p>{}</p>", t(lang, "e.no_remarks"))
    } else {
        format!(
            "<table><caption>{}</caption><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>{rows}</tbody></table>",
            t(lang, "e.nav.remarks"),
            t(lang, "remarks"),
            t(lang, "e.count_label")
        )
    };
    let body = format!("<h1>{}</h1>{form}<p>{}</p>{table}", t(lang, "e.nav.remarks"), t(lang, "e.remarks_intro"));
    page(&c, &state, StatusCode::OK, t(lang, "e.nav.remarks"), &body)
}

// ---------------------------------------------------------------- access management

async fn users_page(c: &Ctx, state: &AppState, notice: Option<String>, status: StatusCode) -> Response {
    let lang = c.lang;
    let list = match state.service.employer_users(&c.user, &c.enterprise).await {
        Ok(l) => l,
        Err(e) => return service_error_page(c, state, e),
    };
    let rows: String = list
        .iter()
        .map(|u| {
            let remove = if u.role == Role::AccessManager {
                String::new()
            } else {
                // The button names the role and the person (to a screen reader,
                // after its visible text); the post asks to confirm first.
                format!(
                    "<form method=\"post\" action=\"/e/users/remove\" class=\"inline\">{csrf}<input type=\"hidden\" name=\"ssin\" value=\"{ssin}\">\
                     <input type=\"hidden\" name=\"role\" value=\"{role}\"><button type=\"submit\" class=\"secondary\">{label}<span class=\"sr\"> ({role_l}, {name})</span></button></form>",
                    csrf = c.csrf(state),
                    ssin = u.ssin.as_str(),
                    role = u.role.as_str(),
                    label = t(lang, "e.withdraw"),
                    role_l = t(lang, &format!("e.role.{}", u.role.as_str())),
                    name = esc(&u.name),
                )
            };
            format!(
                "<tr><td>{name}</td><td class=\"mono\">{ssin}</td><td>{role}</td><td>{since}</td><td>{remove}</td></tr>",
                name = esc(&u.name),
                ssin = esc(&u.ssin.formatted()),
                role = t(lang, &format!("e.role.{}", u.role.as_str())),
                since = esc(&brussels(u.created_at, true)),
            )
        })
        .collect();
    let body = format!(
        "<h1>{title}</h1>{notice}<div class=\"scroll\" tabindex=\"0\"><table><caption>{title}</caption><thead><tr><th scope=\"col\">{name}</th>\
         <th scope=\"col\">{ssin}</th><th scope=\"col\">{role}</th><th scope=\"col\">{since}</th><th scope=\"col\"><span class=\"sr\">{actions}</span></th></tr></thead>\
         <tbody>{rows}</tbody></table></div>\
         <h2>{invite}</h2><form method=\"post\" action=\"/e/users\" class=\"narrow\">{csrf}\
         <label for=\"u-ssin\">{ssin}</label><input id=\"u-ssin\" name=\"ssin\" inputmode=\"numeric\" required>\
         <label for=\"u-name\">{name}</label><input id=\"u-name\" name=\"name\" required>\
         <label for=\"u-role\">{role}</label><select id=\"u-role\" name=\"role\">\
         <option value=\"consultant\">{consultant}</option><option value=\"technical-administrator\">{ta}</option></select>\
         <button type=\"submit\">{invite_button}</button></form>",
        title = t(lang, "e.nav.users"),
        notice = notice.unwrap_or_default(),
        name = t(lang, "e.name"),
        ssin = t(lang, "ssin"),
        role = t(lang, "e.role"),
        since = t(lang, "e.since"),
        actions = t(lang, "e.actions"),
        invite = t(lang, "e.invite"),
        csrf = c.csrf(state),
        consultant = t(lang, "e.role.consultant"),
        ta = t(lang, "e.role.technical-administrator"),
        invite_button = t(lang, "e.invite_button"),
    );
    page(c, state, status, t(lang, "e.nav.users"), &body)
}

async fn users(State(state): State<AppState>, headers: HeaderMap, RawQuery(raw): RawQuery) -> Response {
    match ctx(&state, &headers, raw.as_deref(), "/e/users").await {
        Ok(c) => users_page(&c, &state, None, StatusCode::OK).await,
        Err(r) => r,
    }
}

async fn users_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    WebForm(body): WebForm,
) -> Response {
    let (c, form) = match posted(&state, &headers, raw.as_deref(), "/e/users", &body).await {
        Ok(posted) => posted,
        Err(r) => return r,
    };
    let lang = c.lang;
    let text = |name: &str| form.get(name).unwrap_or_default();
    let added =
        state.service.appoint_employer_user(&c.user, &c.enterprise, text("ssin"), text("name"), text("role")).await;
    // Already appointed: a new invitation is what is asked for.
    if let Err(e) = added
        && !matches!(e, ServiceError::Conflict(_))
    {
        return match service_errors(&e) {
            Some(errors) => users_page(&c, &state, Some(employer_errors(lang, &errors)), status_of(&e)).await,
            None => unavailable(e),
        };
    }
    match state.service.issue_employer_invitation(&c.user.caller(), text("ssin").trim()).await {
        Ok(code) => {
            let notice = format!(
                "<div class=\"ok\" role=\"status\"><p>{}</p><p class=\"huge mono\" id=\"invitation\">{}</p><p>{}</p></div>",
                t(lang, "e.invitation_made").replace("{who}", &code.ssin.masked()),
                esc(&code.code),
                t(lang, "e.invitation_once")
            );
            users_page(&c, &state, Some(notice), StatusCode::OK).await
        }
        Err(e) => match service_errors(&e) {
            Some(errors) => users_page(&c, &state, Some(employer_errors(lang, &errors)), status_of(&e)).await,
            None => unavailable(e),
        },
    }
}

async fn users_remove(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    WebForm(body): WebForm,
) -> Response {
    let (c, form) = match posted(&state, &headers, raw.as_deref(), "/e/users", &body).await {
        Ok(posted) => posted,
        Err(r) => return r,
    };
    let text = |name: &str| form.get(name).unwrap_or_default();
    // A first post asks to confirm, naming the person and the role; only the
    // confirmed one withdraws.
    if text("confirm") != "yes" {
        return withdraw_confirmation(&c, &state, text("ssin"), text("role")).await;
    }
    match state.service.withdraw_role(&c.user, &c.enterprise, text("ssin"), text("role")).await {
        Ok(()) => users_page(&c, &state, None, StatusCode::OK).await,
        Err(e) => match service_errors(&e) {
            Some(errors) => users_page(&c, &state, Some(employer_errors(c.lang, &errors)), status_of(&e)).await,
            None => unavailable(e),
        },
    }
}

/// "Withdraw the role R from P", in the page's language.
fn withdraw_text(lang: Lang, name: &str, role: Role) -> String {
    t(lang, "ep.withdraw_named")
        .replace("{role}", t(lang, &format!("e.role.{}", role.as_str())))
        .replace("{name}", name)
}

/// The second step of withdrawing a role: who and which role, to confirm or cancel.
async fn withdraw_confirmation(c: &Ctx, state: &AppState, ssin: &str, role: &str) -> Response {
    let lang = c.lang;
    let list = match state.service.employer_users(&c.user, &c.enterprise).await {
        Ok(l) => l,
        Err(e) => return service_error_page(c, state, e),
    };
    let Some(u) = list
        .iter()
        .find(|u| u.ssin.as_str() == ssin.trim() && u.role.as_str() == role && u.role != Role::AccessManager)
    else {
        // Not (or no longer) a role of the enterprise: the service says so.
        return match state.service.withdraw_role(&c.user, &c.enterprise, ssin, role).await {
            Ok(()) => users_page(c, state, None, StatusCode::OK).await,
            Err(e) => match service_errors(&e) {
                Some(errors) => users_page(c, state, Some(employer_errors(lang, &errors)), status_of(&e)).await,
                None => unavailable(e),
            },
        };
    };
    let question = withdraw_text(lang, &u.name, u.role);
    let body = format!(
        "<h1>{title}</h1><div class=\"note\" id=\"confirm-withdraw\"><p>{question}?</p><p>{hint}</p></div>\
         <form method=\"post\" action=\"/e/users/remove\">{csrf}<input type=\"hidden\" name=\"ssin\" value=\"{ssin}\">\
         <input type=\"hidden\" name=\"role\" value=\"{role}\"><input type=\"hidden\" name=\"confirm\" value=\"yes\">\
         <button type=\"submit\">{confirm}</button> <a href=\"/e/users\">{cancel}</a></form>",
        title = t(lang, "e.nav.users"),
        question = esc(&question),
        hint = t(lang, "ep.withdraw_hint"),
        csrf = c.csrf(state),
        ssin = u.ssin.as_str(),
        role = u.role.as_str(),
        confirm = t(lang, "ep.withdraw_confirm"),
        cancel = t(lang, "ep.cancel"),
    );
    page(c, state, StatusCode::OK, t(lang, "e.nav.users"), &body)
}

/// Audit entries per page of the audit log.
const AUDIT_PAGE: usize = 50;

/// An action of the audit log in the page's language; an action without a
/// translation (a newer one) is shown by its code.
fn audit_action(lang: Lang, action: &str) -> String {
    crate::i18n::lookup(lang, &format!("audit.{action}")).map_or_else(|| esc(action), str::to_string)
}

/// A value of an audit entry's detail, readable: an instant in Brussels
/// time, yes/no, a list joined, SSINs masked.
fn audit_value(lang: Lang, v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => {
            match time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339) {
                Ok(at) => esc(&brussels(at, true)),
                Err(_) => esc(&ciao_domain::mask_ssins(s)),
            }
        }
        serde_json::Value::Bool(b) => t(lang, if *b { "ep.yes" } else { "ep.no" }).to_string(),
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::Null => "–".to_string(),
        serde_json::Value::Array(items) => {
            if items.is_empty() {
                "–".to_string()
            } else {
                items.iter().map(|i| audit_value(lang, i)).collect::<Vec<_>>().join(", ")
            }
        }
        serde_json::Value::Object(_) => audit_detail(lang, v).replace("<ul class=\"detail\">", "<ul>"),
    }
}

/// An audit entry's detail as "name: value" items (names in the page's
/// language where known), not as JSON; empty values left out.
fn audit_detail(lang: Lang, detail: &serde_json::Value) -> String {
    let serde_json::Value::Object(fields) = detail else {
        return if detail.is_null() { String::new() } else { audit_value(lang, detail) };
    };
    let items: String = fields
        .iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| {
            // The audit log's own name of the member, else the name the
            // employer pages give that parameter, else the member itself.
            let name = crate::i18n::lookup(lang, &format!("audit.field.{k}"))
                .or_else(|| employer_field_label(lang, k))
                .map_or_else(|| esc(k), str::to_string);
            format!("<li>{name}: {}</li>", audit_value(lang, v))
        })
        .collect();
    if items.is_empty() { String::new() } else { format!("<ul class=\"detail\">{items}</ul>") }
}

async fn audit(State(state): State<AppState>, headers: HeaderMap, RawQuery(raw): RawQuery) -> Response {
    let c = match ctx(&state, &headers, raw.as_deref(), "/e/audit").await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let lang = c.lang;
    // Every entry is reachable, by pages of AUDIT_PAGE, newest first.
    let asked = crate::declaration_pages::query_param(raw.as_deref(), "page");
    let number = match asked.as_deref().map(|v| v.trim().parse::<u64>()) {
        None => 1,
        Some(Ok(n)) => n,
        // Not a whole number: that rule, not the range's.
        Some(Err(_)) => {
            let e = ciao_domain::FieldError::new("page", "number.format", "page is a whole number");
            return page(
                &c,
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                t(lang, "e.refused"),
                &employer_errors(lang, &[e]),
            );
        }
    };
    let (entries, pages) = match state.service.employer_audit(&c.user, &c.enterprise, number, AUDIT_PAGE as u32).await {
        Ok(e) => e,
        Err(e) => return service_error_page(&c, &state, e),
    };
    let columns = [t(lang, "time"), t(lang, "e.who"), t(lang, "e.what"), t(lang, "e.subject"), t(lang, "e.detail")];
    let cell = |i: usize, value: String| {
        let value = if value.is_empty() { value } else { format!("<span>{value}</span>") };
        format!("<td data-label=\"{}\">{value}</td>", esc(columns[i]))
    };
    let rows: String = entries
        .iter()
        .map(|e| {
            let cells = [
                cell(0, esc(&brussels(e.at, true))),
                cell(1, format!("<span class=\"mono\">{}</span>", esc(&ciao_domain::mask_ssins(&e.actor)))),
                cell(
                    2,
                    format!(
                        "{}<br><small class=\"mono\" data-code>{}</small>",
                        audit_action(lang, &e.action),
                        esc(&e.action)
                    ),
                ),
                cell(
                    3,
                    e.subject
                        .as_deref()
                        .map(|s| format!("<span class=\"mono\">{}</span>", esc(&ciao_domain::mask_ssins(s))))
                        .unwrap_or_default(),
                ),
                cell(4, audit_detail(lang, &e.detail)),
            ];
            format!("<tr>{}</tr>", cells.concat())
        })
        .collect();
    let link = |n: u64, rel: &str, key: &str| {
        let href = if n == 1 { "/e/audit".to_string() } else { format!("/e/audit?page={n}") };
        format!("<a href=\"{href}\" rel=\"{rel}\">{}</a>", t(lang, key))
    };
    let previous = if number > 1 { link(number - 1, "prev", "e.previous") } else { String::new() };
    let next = if number < pages { link(number + 1, "next", "e.next") } else { String::new() };
    let body = format!(
        "<h1>{title}</h1><p>{intro}</p><div class=\"scroll\" tabindex=\"0\"><table class=\"stack\" id=\"audit\"><caption>{title}</caption>\
         <thead><tr>{headers}</tr></thead><tbody>{rows}</tbody></table></div>\
         <nav aria-label=\"{pagination}\" class=\"pages\"><span>{of}</span> {previous} {next}</nav>",
        title = t(lang, "e.nav.audit"),
        intro = t(lang, "e.audit_intro"),
        headers = columns.iter().map(|c| format!("<th scope=\"col\">{c}</th>")).collect::<String>(),
        pagination = t(lang, "e.pagination"),
        of = t(lang, "e.page_of").replace("{n}", &number.to_string()).replace("{total}", &pages.to_string()),
    );
    page(&c, &state, StatusCode::OK, t(lang, "e.nav.audit"), &body)
}

#[cfg(test)]
mod employer_error_tests {
    use super::*;

    /// Employers read every remark about the person and their employer,
    /// never addressed to them as if they were the worker.
    #[test]
    fn remarks_speak_to_the_employer() {
        let second_person = [
            (Lang::Nl, &[" je ", "je ", " jouw "][..]),
            (Lang::Fr, &["vous", "votre"][..]),
            (Lang::De, &[" Sie ", "Ihr"][..]),
            (Lang::En, &["your", "you "][..]),
        ];
        for kind in ciao_domain::remarks::RemarkKind::ALL {
            for (lang, words) in second_person {
                let text = format!(" {} ", employer_remark(lang, kind.code()));
                let lower = text.to_lowercase();
                for w in words {
                    let found = if lang == Lang::De { text.contains(w) } else { lower.contains(w) };
                    assert!(!found, "{} in {lang:?}: {text}", kind.code());
                }
            }
        }
        assert_eq!(employer_remark(Lang::En, "EMPLOYER_NOT_ACTIVE"), "The employer is not active that day");
        assert_eq!(employer_remark(Lang::En, "RELATED_DIMONA_NOT_OK"), t(Lang::En, "remark.RELATED_DIMONA_NOT_OK"));
    }

    #[test]
    fn every_employer_error_code_has_four_translations() {
        for code in EMPLOYER_ERROR_CODES {
            let key = employer_rule_key(code).unwrap_or_else(|| panic!("no translation for {code}"));
            for lang in Lang::ALL {
                let text = crate::i18n::lookup(lang, &key).unwrap_or_else(|| panic!("{key} has no {lang:?}"));
                assert!(!text.trim().is_empty(), "{key} is empty in {lang:?}");
            }
        }
    }

    /// Every action that reaches an enterprise's audit log, as the service writes it.
    const AUDIT_ACTIONS: &[&str] = &[
        "registration.search",
        "registration.export",
        "registration.consult",
        "registration.cancel",
        "registration.on_site",
        "inspection.on_site",
        "registration.remarks",
        "employer.invitation",
        "employer.enrol",
        "employer.sign_in",
        "employer.sign_in_failed",
        "employer.passkey_added",
        "employer.passkey_removed",
        "employer.sessions_ended",
        "enterprise.user.add",
        "enterprise.user.remove",
        "channel.account.create",
        "channel.account.disable",
        "channel.account.enable",
        "channel.account.permissions",
        "channel.certificate.add",
        "channel.certificate.revoke",
        "declaration.create",
        "declaration.subcontractor.add",
        "declaration.subcontractor.end",
        "declaration.close",
        "oauth.token",
    ];

    #[test]
    fn the_audit_log_reads_in_words() {
        for action in AUDIT_ACTIONS {
            for lang in Lang::ALL {
                let text = audit_action(lang, action);
                assert!(!text.is_empty() && text != *action, "{action} has no {lang:?} text");
            }
        }
        assert_eq!(audit_action(Lang::Fr, "registration.export"), "Enregistrements exportés");
        assert_eq!(audit_action(Lang::Nl, "some.new<action>"), "some.new&lt;action&gt;", "a new one by its code");
        let detail = serde_json::json!({
            "registrationDateFrom": "2026-03-01T23:00:00Z",
            "ssin": "85*******28",
            "person": "85073003328",
            "declaration": null,
            "others": true,
            "alsoEnded": ["0200000241", "0403019261"],
            "returned": 2,
        });
        let html = audit_detail(Lang::Fr, &detail);
        assert!(html.starts_with("<ul class=\"detail\">"), "{html}");
        assert!(html.contains("<li>Du: 02/03/2026 00:00:00 (UTC+01:00)</li>"), "an instant in Brussels: {html}");
        assert!(
            html.contains("<li>NISS: 85*******28</li>") && html.contains("<li>Personne: 85*******28</li>"),
            "{html}"
        );
        assert!(!html.contains("85073003328") && !html.contains("declaration"), "{html}");
        assert!(html.contains("<li>Tous les autres: oui</li>"), "{html}");
        assert!(html.contains("<li>Aussi terminés: 0200000241, 0403019261</li>"), "{html}");
        assert!(html.contains("<li>Affichés: 2</li>"), "{html}");
        assert_eq!(audit_detail(Lang::En, &serde_json::json!({})), "");
    }

    #[test]
    fn the_language_links_keep_the_query_but_lang() {
        assert_eq!(
            here("/e/on-site", Some("declaration=9SM&lang=fr&day=2026-01-02")),
            "/e/on-site?declaration=9SM&day=2026-01-02"
        );
        assert_eq!(here("/e/users", Some("lang=de")), "/e/users");
        let links = lang_links("/e/on-site?declaration=9SM");
        assert!(links.contains("href=\"/e/on-site?declaration=9SM&amp;lang=fr\""), "{links}");
        assert!(lang_links("/e/users").contains("href=\"/e/users?lang=nl\""));
    }
}
