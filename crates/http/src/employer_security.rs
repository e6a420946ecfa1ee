//! The employer user's own security page (`/e/security`): their passkeys,
//! a second factor next to the authenticator app. Adding one takes the
//! password (a session left open is not enough to add a second factor) and
//! a little JavaScript (WebAuthn); removing one is a plain form. Every
//! change is audited by the service.

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use ciao_domain::FieldError;
use ciao_service::ServiceError;
use ciao_service::sessions::SessionKind;
use ciao_service::worker::PasskeyAnswer;

use crate::AppState;
use crate::employer::{Ctx, ctx, employer_errors, page, service_error_page};
use crate::i18n::{Lang, t};
use crate::worker::{B64_JS, FormData, brussels, pk_error, service_errors, status_of};
use crate::workplace::{WebForm, esc};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/e/security", get(security))
        .route("/e/security/passkeys", post(add_passkey))
        .route("/e/security/passkeys/remove", post(remove_passkey))
        .route("/e/security/sessions", post(end_sessions))
}

/// The passkey fields a WebAuthn answer fills in a form (every binary value base64url).
pub(crate) fn passkey_answer(form: &FormData) -> PasskeyAnswer {
    let text = |name: &str| form.get(name).unwrap_or_default().to_string();
    PasskeyAnswer {
        state: text("passkeyState"),
        credential_id: text("credentialId"),
        client_data_json: text("clientDataJSON"),
        authenticator_data: text("authenticatorData"),
        public_key: text("publicKey"),
        algorithm: form.get("algorithm").and_then(|a| a.parse().ok()).unwrap_or_default(),
        signature: text("signature"),
    }
}

/// Adds hidden inputs named after the keys of `v` to form `f` and submits it.
pub(crate) const SUBMIT_WITH_JS: &str = "function submitWith(f,v){for(var k in v){var i=document.createElement('input');\
i.type='hidden';i.name=k;i.value=v[k];f.appendChild(i)}f.submit()}";

async fn security_page(c: &Ctx, state: &AppState, notice: Option<String>, status: StatusCode) -> Response {
    let lang = c.lang;
    let passkeys = match state.service.employer_passkeys(&c.user).await {
        Ok(p) => p,
        Err(e) => return service_error_page(c, state, e),
    };
    let csrf = c.csrf(state);
    let rows: String = passkeys
        .iter()
        .map(|p| {
            let short: String = p.credential_id.chars().take(12).collect();
            format!(
                "<tr><td class=\"mono\">{short}…</td><td>{created}</td><td>{used}</td><td>\
                 <form method=\"post\" action=\"/e/security/passkeys/remove\" class=\"inline\">{csrf}\
                 <input type=\"hidden\" name=\"credentialId\" value=\"{id}\">\
                 <button type=\"submit\" class=\"link\">{remove}</button></form></td></tr>",
                short = esc(&short),
                created = brussels(p.created_at, true),
                used = p
                    .last_used_at
                    .map(|u| brussels(u, true))
                    .unwrap_or_else(|| t(lang, "e.passkey_never_used").to_string()),
                csrf = csrf,
                id = esc(&p.credential_id),
                remove = t(lang, "e.remove_passkey"),
            )
        })
        .collect();
    let list = if passkeys.is_empty() {
        format!("<p>{}</p>", t(lang, "e.no_passkeys"))
    } else {
        format!(
            "<table id=\"passkeys\"><caption>{caption}</caption><thead><tr><th scope=\"col\">{id}</th><th scope=\"col\">{created}</th>\
             <th scope=\"col\">{used}</th><th scope=\"col\"><span class=\"sr\">{remove}</span></th></tr></thead>\
             <tbody>{rows}</tbody></table>",
            caption = t(lang, "e.passkeys"),
            id = t(lang, "e.passkey"),
            created = t(lang, "e.passkey_created"),
            used = t(lang, "e.passkey_last_used"),
            remove = t(lang, "e.remove_passkey"),
        )
    };
    let add = match state.service.employer_passkey_creation(&c.user) {
        Ok(p) => format!(
            "<section id=\"pk\" hidden><h2>{title}</h2>\
             <form method=\"post\" action=\"/e/security/passkeys\" id=\"pk-add\" class=\"narrow\" data-state=\"{st}\" \
             data-challenge=\"{challenge}\" data-rp=\"{rp}\" data-user=\"{user}\" data-name=\"{name}\">{csrf}\
             <label for=\"password\">{password}</label><input id=\"password\" name=\"password\" type=\"password\" \
             autocomplete=\"current-password\" required aria-describedby=\"pk-hint\"><p class=\"hint\" id=\"pk-hint\">{hint}</p>\
             <button type=\"submit\">{title}</button></form>{pk_error}</section>\
             <noscript><p>{needs_js}</p></noscript>\
             <script>{B64_JS}{SUBMIT_WITH_JS}(function(){{var f=document.getElementById('pk-add');if(!window.PublicKeyCredential)return;\
             document.getElementById('pk').hidden=false;f.addEventListener('submit',function(ev){{ev.preventDefault();\
             var e=document.getElementById('pk-error'),d=f.dataset;e.hidden=true;\
             navigator.credentials.create({{publicKey:{{challenge:ub64(d.challenge),rp:{{id:d.rp,name:'ciao'}},\
             user:{{id:ub64(d.user),name:d.name,displayName:d.name}},pubKeyCredParams:[{{type:'public-key',alg:-7}}],\
             authenticatorSelection:{{residentKey:'required',userVerification:'required'}},attestation:'none',timeout:120000}}}})\
             .then(function(c){{if(!c.response.getPublicKey)throw cerr('{unsupported}');submitWith(f,{{passkeyState:d.state,\
             credentialId:b64u(c.rawId),clientDataJSON:b64u(c.response.clientDataJSON),authenticatorData:b64u(c.response.getAuthenticatorData()),\
             publicKey:b64u(c.response.getPublicKey()),algorithm:c.response.getPublicKeyAlgorithm()}})}})\
             .catch(function(x){{pkFail(e,x)}})}})}})();</script>",
            title = t(lang, "e.add_passkey"),
            st = esc(&p.state),
            challenge = esc(&p.challenge),
            rp = esc(&p.rp_id),
            user = esc(&p.user_id),
            name = esc(&p.user_name),
            csrf = csrf,
            password = t(lang, "e.password"),
            hint = t(lang, "e.add_passkey_hint"),
            needs_js = t(lang, "e.passkey_needs_js"),
            unsupported = t(lang, "passkey_unsupported").replace('\'', "\\'"),
            pk_error = pk_error(lang),
        ),
        // The public URL is an IP address: no passkeys on this server. The
        // user signs in with the authenticator app (employers have no PIN).
        Err(_) => format!(
            "<p id=\"pk-unavailable\">{} {}</p>",
            t(lang, "e.passkeys_unavailable"),
            t(lang, "ep.passkeys_unavailable_why")
        ),
    };
    let sessions = match state.service.sessions(SessionKind::Employer, &c.cookie).await {
        Ok(s) => s.unwrap_or_default(),
        Err(e) => return service_error_page(c, state, e),
    };
    let body = format!(
        "<h1>{title}</h1>{notice}<h2>{passkeys}</h2><p>{intro}</p>{list}{add}{sessions}",
        title = t(lang, "e.security_title"),
        notice = notice.unwrap_or_default(),
        passkeys = t(lang, "e.passkeys"),
        intro = t(lang, "e.passkeys_intro"),
        sessions = crate::sessions_page::sessions_section(lang, &sessions, "/e/security/sessions", &csrf, 2),
    );
    page(c, state, status, t(lang, "e.security_title"), &body)
}

async fn security(State(state): State<AppState>, headers: HeaderMap, RawQuery(raw): RawQuery) -> Response {
    let c = match ctx(&state, &headers, raw.as_deref(), "/e/security").await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let notice = match raw.as_deref().unwrap_or_default() {
        q if q.split('&').any(|p| p == "added=1") => Some(t(c.lang, "e.passkey_added")),
        q if q.split('&').any(|p| p == "removed=1") => Some(t(c.lang, "e.passkey_removed")),
        q if q.split('&').any(|p| p == "ended=1") => Some(t(c.lang, "sessions_ended")),
        _ => None,
    }
    .map(|n| format!("<p class=\"notice\" role=\"status\">{n}</p>"));
    security_page(&c, &state, notice, StatusCode::OK).await
}

async fn add_passkey(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    WebForm(body): WebForm,
) -> Response {
    let (c, form) = match posted(&state, &headers, raw.as_deref(), &body).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let answer = passkey_answer(&form);
    let result = state.service.add_employer_passkey(&c.user, form.get("password").unwrap_or_default(), &answer).await;
    done(&c, &state, result, "/e/security?added=1").await
}

async fn remove_passkey(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    WebForm(body): WebForm,
) -> Response {
    let (c, form) = match posted(&state, &headers, raw.as_deref(), &body).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let result = state.service.remove_employer_passkey(&c.user, form.get("credentialId").unwrap_or_default()).await;
    done(&c, &state, result, "/e/security?removed=1").await
}

/// Signs out one of the user's other sessions (`id`) or all of them (`others`).
async fn end_sessions(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    WebForm(body): WebForm,
) -> Response {
    let (c, form) = match posted(&state, &headers, raw.as_deref(), &body).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let id = match crate::sessions_page::requested(&form) {
        Ok(id) => id,
        Err(e) => return done(&c, &state, Err(ServiceError::Invalid(vec![e])), "").await,
    };
    match state.service.end_sessions(SessionKind::Employer, &c.cookie, id).await {
        Err(ServiceError::NotFound(m)) => {
            let errors = security_errors(c.lang, vec![crate::sessions_page::unknown_session(m.into())]);
            security_page(&c, &state, Some(errors), StatusCode::NOT_FOUND).await
        }
        result => done(&c, &state, result.map(|_| ()), "/e/security?ended=1").await,
    }
}

/// A post to the security page: the signed-in user (or the sign-in page)
/// and the form, which must come from this site with the session's token.
async fn posted(
    state: &AppState,
    headers: &HeaderMap,
    raw: Option<&str>,
    body: &[u8],
) -> Result<(Ctx, FormData), Response> {
    let c = ctx(state, headers, raw, "/e/security").await?;
    let form = FormData::parse(body);
    c.check_post(state, headers, &form)?;
    Ok((c, form))
}

/// After a change: back to the page (post, redirect, get), or the page
/// again with what was refused.
async fn done(c: &Ctx, state: &AppState, result: ciao_service::Result<()>, to: &str) -> Response {
    match result {
        Ok(()) => Redirect::to(to).into_response(),
        Err(e) => match service_errors(&e) {
            Some(errors) => security_page(c, state, Some(security_errors(c.lang, errors)), status_of(&e)).await,
            None => service_error_page(c, state, e),
        },
    }
}

/// The refusals of the security page in its language, by their codes, as
/// on the other employer pages; a refusal whose code has no words of its own
/// is said by a code of this page.
fn security_errors(lang: Lang, errors: Vec<FieldError>) -> String {
    let errors: Vec<FieldError> = errors
        .into_iter()
        .map(|mut f| {
            if crate::employer::employer_rule_key(&f.code).is_none() {
                f.code = "security.refused".into();
            }
            f
        })
        .collect();
    employer_errors(lang, &errors)
}

/// Every refusal code of the security page's forms (each has its four
/// translations: a unit test checks).
pub const SECURITY_ERROR_CODES: &[&str] = &[
    "password.wrong",
    "passkey.expired",
    "passkey.state",
    "passkey.refused",
    "passkey.known",
    "passkey.unknown",
    "signIn.locked",
    "session.unknown",
    "session.others",
    "session.request",
    "security.refused",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_refusal_of_the_security_page_is_translated() {
        for code in SECURITY_ERROR_CODES {
            let key = crate::employer::employer_rule_key(code).unwrap_or_else(|| panic!("no translation for {code}"));
            for lang in Lang::ALL {
                let text = crate::i18n::lookup(lang, &key).unwrap_or_else(|| panic!("{key} has no {lang:?}"));
                assert!(!text.trim().is_empty(), "{key} is empty in {lang:?}");
            }
        }
        // Each passkey refusal says what went wrong, not only "refused".
        for code in ["passkey.expired", "passkey.known", "passkey.unknown"] {
            assert_ne!(crate::employer::employer_rule_key(code).as_deref(), Some("error.passkey"), "{code}");
        }
        let page = security_errors(
            Lang::Fr,
            vec![
                FieldError::new("", "signIn.locked", "too many failed sign-ins: locked until … (signIn.locked)")
                    .until(Some(time::macros::datetime!(2026-12-07 06:45:12 UTC))),
            ],
        );
        assert!(
            page.contains("data-code=\"signIn.locked\"")
                && page.contains(
                    "jusqu'à <time datetime=\"2026-12-07T07:46:00+01:00\">07:46 <small>(UTC+01:00)</small></time>."
                ),
            "{page}"
        );
        assert!(!page.contains("too many"), "no English: {page}");
    }
}
