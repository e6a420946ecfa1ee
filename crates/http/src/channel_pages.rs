//! The REST channel pages of the employers' online service (`/e/channel`,
//! the *Chaman* channel management): the enterprise's REST accounts with
//! their client ids, permissions, state and certificates; creating an
//! account with a certificate (uploaded as a PEM or DER file, or pasted as
//! PEM), with immediate feedback on the certificate policy (the rule that
//! failed and how to fix it); certificate rotation (add, revoke); disable,
//! enable, permissions; and a short guide for the integrator.
//!
//! Only access managers and technical administrators of the enterprise
//! manage its channels: the service applies that rule, these pages only show
//! its answer. Every POST carries the session's anti-CSRF token.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, RawQuery, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use ciao_domain::FieldError;
use ciao_domain::channel::{Account, AccountState, Permission};
use ciao_service::ServiceError;

use crate::AppState;
use crate::employer::{Ctx, ctx, page, service_error_page};
use crate::i18n::{Lang, t};
use crate::worker::{FormData, brussels, service_errors, status_of, unavailable, urlencode};
use crate::workplace::{WebForm, WebPath, esc};

/// The largest certificate file (or pasted PEM) accepted: a certificate is
/// 1 to 3 KiB; anything larger is not one.
pub const MAX_CERTIFICATE: usize = 64 * 1024;

/// The largest posted form read (the app's body limit).
const MAX_FORM: usize = crate::registrations::MAX_BODY;

const PATH: &str = "/e/channel";

pub fn router() -> Router<AppState> {
    Router::new()
        .route(PATH, get(channel))
        .route("/e/channel/accounts", get(back).post(create))
        .route("/e/channel/accounts/{client_id}/certificates", get(back).post(add_certificate))
        .route("/e/channel/accounts/{client_id}/certificates/revoke", get(back).post(revoke))
        .route("/e/channel/accounts/{client_id}/disable", get(back).post(disable))
        .route("/e/channel/accounts/{client_id}/enable", get(back).post(enable))
        .route("/e/channel/accounts/{client_id}/permissions", get(back).post(permissions))
}

/// A GET on a form's address (the language switch of a result page, a
/// bookmark): back to the channel page, in the language asked for.
async fn back(RawQuery(raw): RawQuery) -> Response {
    let lang = raw
        .and_then(|r| serde_urlencoded::from_str::<Vec<(String, String)>>(&r).ok())
        .and_then(|q| q.into_iter().find(|(k, _)| k == "lang").and_then(|(_, v)| Lang::parse(&v)));
    match lang {
        Some(l) => Redirect::to(&format!("{PATH}?lang={}", l.code())).into_response(),
        None => Redirect::to(PATH).into_response(),
    }
}

// ---------------------------------------------------------------- posted forms

/// A posted form: its text fields, and the certificate file if one was chosen.
#[derive(Default)]
struct Posted {
    fields: Vec<(String, String)>,
    file: Option<Vec<u8>>,
    /// A field was larger than [`MAX_CERTIFICATE`] (and was dropped).
    too_large: bool,
}

impl Posted {
    fn get(&self, name: &str) -> &str {
        self.fields.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
    }

    fn all(&self, name: &str) -> Vec<String> {
        self.fields.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect()
    }

    /// The certificate: the chosen file, else the pasted PEM.
    fn certificate(&self) -> Option<Vec<u8>> {
        self.file.clone().or_else(|| {
            let pem = self.get("certificatePem").trim();
            (!pem.is_empty()).then(|| pem.as_bytes().to_vec())
        })
    }
}

enum ReadError {
    /// A field (the file) over [`MAX_CERTIFICATE`].
    TooLarge,
    /// The whole form over the app's body limit.
    FormTooLarge,
    Unreadable,
}

/// Reads a `multipart/form-data` form (the pages' forms, for the file), or,
/// from a client without it, an `application/x-www-form-urlencoded` one
/// (then only the pasted PEM). Every field is read to its end (within the
/// app's body limit), so a large file gets an answer, not a cut connection;
/// a field over [`MAX_CERTIFICATE`] is dropped and marked.
async fn read_posted(req: Request) -> Result<Posted, ReadError> {
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("multipart/form-data"));
    let mut posted = Posted::default();
    if !multipart {
        let bytes = axum::body::to_bytes(req.into_body(), MAX_FORM).await.map_err(|e| {
            if crate::server::is_length_limit(&e) { ReadError::FormTooLarge } else { ReadError::Unreadable }
        })?;
        let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
        for (k, v) in fields {
            if v.len() > MAX_CERTIFICATE {
                posted.too_large = true;
            } else {
                posted.fields.push((k, v));
            }
        }
        return Ok(posted);
    }
    // Over the body limit: the file's fault when a field was already over
    // its own limit (or the file was being read), else the whole form's.
    let error = |status: StatusCode, big_field: bool| match status {
        StatusCode::PAYLOAD_TOO_LARGE if big_field => ReadError::TooLarge,
        StatusCode::PAYLOAD_TOO_LARGE => ReadError::FormTooLarge,
        _ => ReadError::Unreadable,
    };
    let mut form = Multipart::from_request(req, &()).await.map_err(|_| ReadError::Unreadable)?;
    loop {
        let mut field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(error(e.status(), posted.too_large)),
        };
        let name = field.name().unwrap_or_default().to_string();
        let mut data = Vec::new();
        let mut over = false;
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) => {
                    if over || data.len() + chunk.len() > MAX_CERTIFICATE {
                        over = true;
                        data = Vec::new();
                    } else {
                        data.extend_from_slice(&chunk);
                    }
                }
                Ok(None) => break,
                Err(e) => return Err(error(e.status(), posted.too_large || over || name == "certificate")),
            }
        }
        if over {
            posted.too_large = true;
        } else if name == "certificate" {
            // A browser sends an empty part when no file was chosen.
            if !data.is_empty() && posted.file.is_none() {
                posted.file = Some(data);
            }
        } else {
            posted.fields.push((name, String::from_utf8_lossy(&data).into_owned()));
        }
    }
    Ok(posted)
}

/// The anti-CSRF check of a multipart form (the same as [`Ctx::check_post`]).
fn check_csrf(c: &Ctx, state: &AppState, headers: &HeaderMap, posted: &Posted) -> Result<(), Response> {
    let form =
        FormData::parse(serde_urlencoded::to_string([("csrf", posted.get("csrf"))]).unwrap_or_default().as_bytes());
    c.check_post(state, headers, &form)
}

/// The pairs of an urlencoded form (a checkbox group repeats its name).
fn pairs(body: &[u8]) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes(body).unwrap_or_default()
}

// ---------------------------------------------------------------- the page

/// Where a message goes: at the top, in the creation form, or in an account's section.
#[derive(Clone, PartialEq, Eq)]
enum Place {
    Top,
    Create,
    Account(String),
}

struct Feedback {
    place: Place,
    html: String,
}

impl Feedback {
    fn at(place: Place, html: String) -> Option<Self> {
        Some(Self { place, html })
    }
}

/// What the creation form shows again after a refusal.
struct CreateForm {
    name: String,
    certificate_name: String,
    permissions: Vec<String>,
    pem: String,
}

impl Default for CreateForm {
    fn default() -> Self {
        Self {
            name: String::new(),
            certificate_name: "main".into(),
            permissions: vec![Permission::Register.as_str().into()],
            pem: String::new(),
        }
    }
}

impl CreateForm {
    fn from(posted: &Posted) -> Self {
        Self {
            name: posted.get("name").to_string(),
            certificate_name: posted.get("certificateName").to_string(),
            permissions: posted.all("permission"),
            pem: posted.get("certificatePem").to_string(),
        }
    }
}

fn token_url(state: &AppState) -> String {
    format!("{}{}", state.public_url().trim_end_matches('/'), ciao_service::oauth::TOKEN_PATH)
}

fn permission_label(lang: Lang, p: Permission) -> &'static str {
    match p {
        Permission::Register => t(lang, "ch.perm.register"),
        Permission::Consult => t(lang, "ch.perm.consult"),
    }
}

fn permission_hint(lang: Lang, p: Permission) -> &'static str {
    match p {
        Permission::Register => t(lang, "ch.perm.register_hint"),
        Permission::Consult => t(lang, "ch.perm.consult_hint"),
    }
}

/// The permission checkboxes, in a fieldset.
fn permission_boxes(lang: Lang, id: &str, legend: &str, checked: &[String]) -> String {
    let boxes: String = Permission::ALL
        .iter()
        .map(|p| {
            let on = if checked.iter().any(|c| c == p.as_str()) { " checked" } else { "" };
            format!(
                "<label class=\"check\" for=\"{id}-{v}\"><input type=\"checkbox\" id=\"{id}-{v}\" name=\"permission\" value=\"{v}\"{on}> \
                 <span><strong>{label}</strong> — {hint}</span></label>",
                v = p.as_str(),
                label = permission_label(lang, *p),
                hint = permission_hint(lang, *p),
            )
        })
        .collect();
    format!("<fieldset><legend>{legend}</legend>{boxes}</fieldset>")
}

/// The certificate fields of a form: name, file, or the PEM pasted.
fn certificate_fields(lang: Lang, id: &str, name: &str, pem: &str) -> String {
    format!(
        "<label for=\"{id}-name\">{name_l}</label>\
         <p class=\"hint\" id=\"{id}-name-hint\">{name_hint}</p>\
         <input id=\"{id}-name\" name=\"certificateName\" type=\"text\" maxlength=\"100\" required aria-describedby=\"{id}-name-hint\" value=\"{name}\">\
         <label for=\"{id}-file\">{file_l}</label>\
         <input id=\"{id}-file\" name=\"certificate\" type=\"file\" accept=\".pem,.crt,.cer,.der,application/x-x509-ca-cert,application/pkix-cert\" aria-describedby=\"policy\">\
         <label for=\"{id}-pem\">{paste_l}</label>\
         <textarea id=\"{id}-pem\" name=\"certificatePem\" rows=\"6\" cols=\"40\" class=\"mono\" spellcheck=\"false\" autocomplete=\"off\" aria-describedby=\"policy\">{pem}</textarea>",
        name_l = t(lang, "ch.cert_name"),
        name_hint = t(lang, "ch.cert_name_hint"),
        name = esc(name),
        file_l = t(lang, "ch.file"),
        paste_l = t(lang, "ch.paste"),
        pem = esc(pem),
    )
}

fn policy(lang: Lang) -> String {
    format!(
        "<div class=\"note\" id=\"policy\"><p><strong>{title}</strong></p><ul><li>{key}</li><li>{digest}</li><li>{usage}</li><li>{validity}</li></ul></div>",
        title = t(lang, "ch.policy_title"),
        key = t(lang, "ch.policy.key"),
        digest = t(lang, "ch.policy.digest"),
        usage = t(lang, "ch.policy.usage"),
        validity = t(lang, "ch.policy.validity"),
    )
}

fn state_label(lang: Lang, s: AccountState) -> &'static str {
    match s {
        AccountState::Active => t(lang, "ch.state.active"),
        AccountState::Disabled => t(lang, "ch.state.disabled"),
    }
}

fn permissions_text(lang: Lang, a: &Account) -> String {
    let list: Vec<&str> = a.permissions.iter().map(|p| permission_label(lang, p)).collect();
    list.join(", ")
}

/// The accounts' overview table.
fn summary(lang: Lang, accounts: &[Account], now: time::OffsetDateTime) -> String {
    if accounts.is_empty() {
        return format!("<p>{}</p>", t(lang, "ch.no_accounts"));
    }
    let rows: String = accounts
        .iter()
        .map(|a| {
            let usable = a.active_certificates().filter(|c| c.not_after > now).count();
            let warning = if usable == 0 {
                format!(" <strong>⚠ {}</strong>", t(lang, "ch.no_usable_certificate"))
            } else {
                String::new()
            };
            format!(
                "<tr><th scope=\"row\"><a href=\"#acc-{id}\"><code>{id}</code></a></th><td>{name}</td><td>{perms}</td>\
                 <td>{state}</td><td class=\"num\">{usable}{warning}</td></tr>",
                id = esc(&a.client_id),
                name = esc(&a.name),
                perms = permissions_text(lang, a),
                state = state_label(lang, a.state),
            )
        })
        .collect();
    format!(
        "<div class=\"scroll\"><table><caption>{caption}</caption><thead><tr><th scope=\"col\">{client_id}</th>\
         <th scope=\"col\">{name}</th><th scope=\"col\">{perms}</th><th scope=\"col\">{state}</th>\
         <th scope=\"col\">{certs}</th></tr></thead><tbody>{rows}</tbody></table></div>",
        caption = t(lang, "ch.accounts"),
        client_id = t(lang, "ch.client_id"),
        name = t(lang, "e.name"),
        perms = t(lang, "ch.permissions"),
        state = t(lang, "ch.state"),
        certs = t(lang, "ch.usable_certificates"),
    )
}

/// One account: its certificates and what can be done with it.
fn account_section(
    c: &Ctx,
    state: &AppState,
    a: &Account,
    feedback: Option<&Feedback>,
    now: time::OffsetDateTime,
) -> String {
    let lang = c.lang;
    let id = esc(&a.client_id);
    let base = format!("/e/channel/accounts/{}", urlencode(&a.client_id));
    let csrf = c.csrf(state);
    let rows: String = a
        .certificates
        .iter()
        .map(|cert| {
            let (status, action) = match cert.revoked_at {
                Some(at) => (t(lang, "ch.revoked_on").replace("{date}", &brussels(at, true)), String::new()),
                None => {
                    let status = if cert.not_after <= now {
                        t(lang, "ch.cert_expired").to_string()
                    } else {
                        t(lang, "ch.cert_active").to_string()
                    };
                    let action = format!(
                        "<form method=\"post\" action=\"{base}/certificates/revoke\" class=\"inline\">{csrf}\
                         <input type=\"hidden\" name=\"name\" value=\"{name}\">\
                         <button type=\"submit\" class=\"secondary\">{revoke}<span class=\"sr\"> {name}</span></button></form>",
                        name = esc(&cert.name),
                        revoke = t(lang, "ch.revoke"),
                    );
                    (status, action)
                }
            };
            format!(
                "<tr><th scope=\"row\">{name}</th><td>{subject}</td><td><code>{fingerprint}</code></td><td>{not_after}</td>\
                 <td>{status}</td><td>{action}</td></tr>",
                name = esc(&cert.name),
                subject = esc(&cert.subject),
                fingerprint = esc(&cert.fingerprint),
                not_after = brussels(cert.not_after, true),
            )
        })
        .collect();
    let checked: Vec<String> = a.permissions.iter().map(|p| p.as_str().to_string()).collect();
    let toggle = match a.state {
        AccountState::Active => format!(
            "<form method=\"post\" action=\"{base}/disable\">{csrf}<p class=\"hint\">{hint}</p>\
             <button type=\"submit\" class=\"secondary\">{label}<span class=\"sr\"> {id}</span></button></form>",
            hint = t(lang, "ch.disable_hint"),
            label = t(lang, "ch.disable"),
        ),
        AccountState::Disabled => format!(
            "<form method=\"post\" action=\"{base}/enable\">{csrf}<p class=\"hint\">{hint}</p>\
             <button type=\"submit\">{label}<span class=\"sr\"> {id}</span></button></form>",
            hint = t(lang, "ch.enable_hint"),
            label = t(lang, "ch.enable"),
        ),
    };
    let message = feedback.filter(|f| f.place == Place::Account(a.client_id.clone())).map(|f| f.html.as_str());
    format!(
        "<section id=\"acc-{id}\" aria-labelledby=\"acc-{id}-h\"><h3 id=\"acc-{id}-h\"><code>{id}</code> · {name}</h3>{message}\
         <dl><dt>{client_id_l}</dt><dd><code>{id}</code></dd><dt>{perms_l}</dt><dd>{perms}</dd><dt>{state_l}</dt><dd>{state_v}</dd></dl>\
         <div class=\"scroll\"><table><caption>{certs_caption}</caption><thead><tr><th scope=\"col\">{name_l}</th><th scope=\"col\">{subject_l}</th>\
         <th scope=\"col\">{fingerprint_l}</th><th scope=\"col\">{not_after_l}</th><th scope=\"col\">{state_l}</th>\
         <th scope=\"col\"><span class=\"sr\">{actions_l}</span></th></tr></thead><tbody>{rows}</tbody></table></div>\
         <h4>{perms_l}</h4><form method=\"post\" action=\"{base}/permissions\" class=\"narrow\">{csrf}{boxes}\
         <button type=\"submit\">{save}<span class=\"sr\"> {id}</span></button></form>\
         <h4>{state_l}</h4>{toggle}\
         <h4>{add_title}</h4><p class=\"hint\">{rotation}</p>\
         <form method=\"post\" action=\"{base}/certificates\" enctype=\"multipart/form-data\" class=\"narrow\">{csrf}{fields}\
         <div><button type=\"submit\">{add}<span class=\"sr\"> {id}</span></button></div></form></section>",
        name = esc(&a.name),
        message = message.unwrap_or_default(),
        client_id_l = t(lang, "ch.client_id"),
        perms_l = t(lang, "ch.permissions"),
        perms = permissions_text(lang, a),
        state_l = t(lang, "ch.state"),
        state_v = state_label(lang, a.state),
        certs_caption = t(lang, "ch.certificates_of").replace("{id}", &id),
        name_l = t(lang, "ch.cert_name"),
        subject_l = t(lang, "ch.subject"),
        fingerprint_l = t(lang, "ch.fingerprint"),
        not_after_l = t(lang, "ch.not_after"),
        actions_l = t(lang, "e.actions"),
        boxes =
            permission_boxes(lang, &format!("perm-{id}"), &t(lang, "ch.permissions_of").replace("{id}", &id), &checked),
        save = t(lang, "ch.save_permissions"),
        add_title = t(lang, "ch.add_certificate"),
        rotation = t(lang, "ch.rotation_hint"),
        fields = certificate_fields(lang, &format!("add-{id}"), "", ""),
        add = t(lang, "ch.add"),
    )
}

/// The integrator's guide, with this server's URLs and, when there is one,
/// an account's client id.
fn guide(lang: Lang, state: &AppState, client_id: Option<&str>) -> String {
    let token_url = token_url(state);
    let public = state.public_url().trim_end_matches('/');
    let cid = client_id.unwrap_or("self_service_expeditor_N");
    let now = state.service.now().unix_timestamp();
    let code = |s: &str| format!("<p><code>{}</code></p>", esc(s));
    let header_json = r#"{"alg":"ES384","typ":"JWT","kid":"main"}"#;
    let claims_json = format!(
        r#"{{"iss":"{cid}","sub":"{cid}","aud":"{token_url}","iat":{now},"exp":{exp},"jti":"7f3a9c2e-0b51-4d7e-9a61-2c4f1e8d5b03"}}"#,
        exp = now + 240
    );
    let answer_json = format!(
        r#"{{"access_token":"ciao1.…","token_type":"Bearer","expires_in":{},"scope":"{} {}"}}"#,
        state.service.config().token_lifetime.whole_seconds(),
        Permission::Register.scope(),
        Permission::Consult.scope()
    );
    format!(
        "<section aria-labelledby=\"guide-h\"><h2 id=\"guide-h\">{title}</h2><p>{intro}</p>\
         <dl><dt>{token_url_l}</dt><dd><code id=\"token-url\">{token_url_v}</code></dd>\
         <dt>{api_l}</dt><dd><code>{api}</code> — <a href=\"{openapi}\">openapi.json</a></dd></dl>\
         <ol><li><p>{key}</p>{keygen}</li>\
         <li><p>{cert}</p>{certificate}<p>{openssl_l}</p>{openssl}<p>{fingerprint_l}</p>{fingerprint}</li>\
         <li><p>{upload}</p></li>\
         <li><p>{token}</p>{client_token}\
         <p>{assertion}</p>{header}{claims}<p>{request}</p>{curl}<p>{answer}</p>{answer_v}</li>\
         <li><p>{call}</p>{call_v}</li>\
         <li><p>{rotate}</p></li></ol></section>",
        title = t(lang, "ch.guide"),
        intro = t(lang, "ch.guide.intro"),
        token_url_l = t(lang, "ch.guide.token_url"),
        token_url_v = esc(&token_url),
        api_l = t(lang, "ch.guide.api"),
        api = esc(&format!("{public}{}", crate::API_BASE)),
        openapi = esc(&format!("{}/openapi.json", crate::API_BASE)),
        key = t(lang, "ch.guide.key"),
        keygen = code("ciao client keygen --kind ec-p384 --out key.pem"),
        cert = t(lang, "ch.guide.cert"),
        certificate = code(
            "ciao client certificate --key key.pem --subject \"CN=badge system,O=Example,C=BE\" --days 365 --out cert.pem"
        ),
        openssl_l = t(lang, "ch.guide.openssl"),
        openssl = code(
            "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:secp384r1 -keyout key.pem -out cert.pem -days 365 -nodes \
             -subj \"/CN=badge system/O=Example/C=BE\" -addext keyUsage=critical,digitalSignature"
        ),
        fingerprint_l = t(lang, "ch.guide.fingerprint"),
        fingerprint = code("openssl x509 -in cert.pem -noout -fingerprint -sha256"),
        upload = t(lang, "ch.guide.upload"),
        token = t(lang, "ch.guide.token"),
        client_token = code(&format!("ciao client token --client-id {cid} --key key.pem --token-url {token_url}")),
        assertion = t(lang, "ch.guide.assertion"),
        header = code(header_json),
        claims = code(&claims_json),
        request = t(lang, "ch.guide.request"),
        curl = code(&format!(
            "curl -s {token_url} -d grant_type=client_credentials \
             -d client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer -d client_assertion=\"$JWT\""
        )),
        answer = t(lang, "ch.guide.answer"),
        answer_v = code(&answer_json),
        call = t(lang, "ch.guide.call"),
        call_v = code(&format!(
            "curl -s \"{public}{}/presenceRegistrations?registrationDateFrom=YYYY-MM-DD&registrationDateTo=YYYY-MM-DD\" \
             -H \"Authorization: Bearer $TOKEN\"",
            crate::API_BASE
        )),
        rotate = t(lang, "ch.guide.rotate"),
    )
}

/// The channel page, with a message where it belongs.
async fn render(
    c: &Ctx,
    state: &AppState,
    status: StatusCode,
    feedback: Option<Feedback>,
    form: &CreateForm,
    highlight: Option<&str>,
) -> Response {
    let lang = c.lang;
    let accounts = match state.service.accounts(&c.user.caller(), Some(&c.enterprise)).await {
        Ok(a) => a,
        Err(e) => return service_error_page(c, state, e),
    };
    let now = state.service.now();
    // A message about an account this page does not list (one of another
    // enterprise of the person's) goes to the top.
    let feedback = feedback.map(|f| match &f.place {
        Place::Account(id) if !accounts.iter().any(|a| &a.client_id == id) => Feedback { place: Place::Top, ..f },
        _ => f,
    });
    let feedback = feedback.as_ref();
    let top = feedback.filter(|f| f.place == Place::Top).map(|f| f.html.as_str()).unwrap_or_default();
    let in_form = feedback.filter(|f| f.place == Place::Create).map(|f| f.html.as_str()).unwrap_or_default();
    let sections: String = accounts.iter().map(|a| account_section(c, state, a, feedback, now)).collect();
    let example = highlight.or_else(|| accounts.first().map(|a| a.client_id.as_str()));
    let body = format!(
        "<h1>{title}</h1><p>{intro}</p>{top}\
         <h2>{accounts_h}</h2>{summary}{sections}\
         <section aria-labelledby=\"create-h\"><h2 id=\"create-h\">{create_h}</h2>{in_form}{policy}\
         <form method=\"post\" action=\"/e/channel/accounts\" enctype=\"multipart/form-data\" class=\"narrow\">{csrf}\
         <label for=\"new-name\">{name_l}</label><p class=\"hint\" id=\"new-name-hint\">{name_hint}</p>\
         <input id=\"new-name\" name=\"name\" type=\"text\" maxlength=\"100\" required aria-describedby=\"new-name-hint\" value=\"{name}\">\
         {boxes}{fields}<div><button type=\"submit\">{create_b}</button></div></form></section>{guide}",
        title = t(lang, "e.nav.channel"),
        intro = t(lang, "ch.intro"),
        accounts_h = t(lang, "ch.accounts"),
        summary = summary(lang, &accounts, now),
        create_h = t(lang, "ch.create"),
        policy = policy(lang),
        csrf = c.csrf(state),
        name_l = t(lang, "ch.account_name"),
        name_hint = t(lang, "ch.account_name_hint"),
        name = esc(&form.name),
        boxes = permission_boxes(lang, "new-perm", t(lang, "ch.permissions"), &form.permissions),
        fields = certificate_fields(lang, "new-cert", &form.certificate_name, &form.pem),
        create_b = t(lang, "ch.create_button"),
        guide = guide(lang, state, example),
    );
    page(c, state, status, t(lang, "e.nav.channel"), &body)
}

// ---------------------------------------------------------------- messages

fn ok_box(html: &str) -> String {
    format!("<div class=\"ok\" role=\"status\">{html}</div>")
}

fn alert_box(html: &str) -> String {
    format!("<div class=\"alert\" role=\"alert\">{html}</div>")
}

fn field_label(lang: Lang, field: &str) -> &'static str {
    match field {
        "certificateName" => t(lang, "ch.cert_name"),
        "permission" => t(lang, "ch.permissions"),
        f if f.starts_with("certificate") => t(lang, "ch.certificate"),
        _ => t(lang, "ch.account_name"),
    }
}

fn known(key: &str) -> bool {
    crate::i18n::lookup(crate::i18n::Lang::En, key).is_some()
}

/// A refusal explained: for a certificate, the rule of the policy that
/// failed and how to fix it; otherwise what to change.
fn explain(lang: Lang, errors: &[FieldError]) -> String {
    let mut out = String::new();
    let mut items = String::new();
    for e in errors {
        let rule = e.code.strip_prefix("certificate.").map(|r| (format!("ch.rule.{r}"), format!("ch.fix.{r}")));
        let detail = format!("<small lang=\"en\">({})</small>", esc(&e.description));
        match rule {
            Some((rule, fix)) if known(&rule) && known(&fix) => {
                // What the certificate has, in the page's words; the
                // service's English only where there is nothing else (a
                // parser's complaint about an unreadable file).
                let found_key = format!("ch.found.{}", e.code.trim_start_matches("certificate."));
                let detail = match &e.found {
                    Some(found) if known(&found_key) => {
                        let shown = time::OffsetDateTime::parse(found, &time::format_description::well_known::Rfc3339)
                            .map_or_else(|_| esc(found), |at| brussels(at, true));
                        format!("<small>{}</small>", t(lang, &found_key).replace("{found}", &shown))
                    }
                    None if e.code == "certificate.keyUsageMissing" => String::new(),
                    _ => detail,
                };
                out.push_str(&format!(
                    "<p><strong>{title}</strong></p><p><strong>{rule_l}</strong> {rule} {detail}</p><p><strong>{fix_l}</strong> {fix}</p>",
                    title = t(lang, "ch.policy_refused"),
                    rule_l = t(lang, "ch.rule"),
                    rule = t(lang, &rule),
                    fix_l = t(lang, "ch.fix"),
                    fix = t(lang, &fix),
                ));
            }
            _ => {
                let key: std::borrow::Cow<str> = match (e.code.as_str(), e.field.as_str()) {
                    ("required", f) if f.starts_with("certificate") => "ch.error.certificate_required".into(),
                    ("required", "permission") => "ch.error.permission_required".into(),
                    ("permission.value", _) => "ch.error.permission_value".into(),
                    ("text.empty", _) => "ch.error.text.empty".into(),
                    ("text.tooLong", _) => "ch.error.text.tooLong".into(),
                    ("text.control", _) => "ch.error.text.control".into(),
                    ("enterprise.unknown", _) => "ch.error.enterprise_unknown".into(),
                    ("certificate.taken", _) => "ch.error.taken".into(),
                    ("certificateName.taken", _) => "ch.error.name_taken".into(),
                    ("account.unknown", _) => "ch.error.no_account".into(),
                    ("certificate.unknown", _) => "ch.error.no_certificate".into(),
                    // Another refusal (the service's), in the employer pages' words.
                    (code, _) => crate::employer::employer_rule_key(code).map_or("error.other".into(), Into::into),
                };
                // The service's English words only where the page has none.
                let text = crate::worker::refusal_text(lang, &key, field_label(lang, &e.field), e);
                let detail = if key == "error.other" { detail } else { String::new() };
                items.push_str(&format!("<li data-code=\"{}\">{text} {detail}</li>", esc(&e.code)));
            }
        }
    }
    if !items.is_empty() {
        out.push_str(&format!("<ul>{items}</ul>"));
    }
    alert_box(&out)
}

/// The field errors of a refusal, each conflict or absence at the form's
/// field it is about.
fn errors_of(e: &ServiceError) -> Option<Vec<FieldError>> {
    let (field, code) = match e.denial_code() {
        Some(code @ "certificate.taken") => ("certificate", code),
        Some(code @ "certificateName.taken") => ("certificateName", code),
        Some(code @ "certificate.unknown") => ("name", code),
        _ => return service_errors(e),
    };
    Some(vec![FieldError::new(field, code, e.to_string())])
}

/// A refused change: the page again, the reason where the form was; a
/// refusal of the person (not a manager of this enterprise) is the 403 page.
async fn refused(c: &Ctx, state: &AppState, e: ServiceError, place: Place, form: &CreateForm) -> Response {
    if matches!(e, ServiceError::Forbidden(_)) {
        return service_error_page(c, state, e);
    }
    match errors_of(&e) {
        Some(errors) => {
            let place =
                if matches!(e, ServiceError::NotFound(_)) && !errors.iter().any(|f| f.code == "certificate.unknown") {
                    Place::Top
                } else {
                    place
                };
            render(c, state, status_of(&e), Feedback::at(place, explain(c.lang, &errors)), form, None).await
        }
        None => unavailable(e),
    }
}

/// A form that could not be read: too large (413) or malformed (400).
async fn unreadable(c: &Ctx, state: &AppState, e: ReadError, place: Place) -> Response {
    let (status, text) = match e {
        ReadError::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, t(c.lang, "ch.error.too_large").to_string()),
        ReadError::FormTooLarge => {
            let limit = format!("{} MiB", MAX_FORM / (1024 * 1024));
            (StatusCode::PAYLOAD_TOO_LARGE, t(c.lang, "web.form_too_large").replace("{limit}", &limit))
        }
        ReadError::Unreadable => (StatusCode::BAD_REQUEST, t(c.lang, "ch.error.form").to_string()),
    };
    let html = alert_box(&format!("<p>{text}</p>"));
    render(c, state, status, Feedback::at(place, html), &CreateForm::default(), None).await
}

// ---------------------------------------------------------------- handlers

async fn channel(State(state): State<AppState>, headers: HeaderMap, RawQuery(raw): RawQuery) -> Response {
    match ctx(&state, &headers, raw.as_deref(), PATH).await {
        Ok(c) => render(&c, &state, StatusCode::OK, None, &CreateForm::default(), None).await,
        Err(r) => r,
    }
}

async fn create(State(state): State<AppState>, headers: HeaderMap, RawQuery(raw): RawQuery, req: Request) -> Response {
    let c = match ctx(&state, &headers, raw.as_deref(), PATH).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let posted = match read_posted(req).await {
        Ok(p) => p,
        Err(e) => return unreadable(&c, &state, e, Place::Create).await,
    };
    if let Err(r) = check_csrf(&c, &state, &headers, &posted) {
        return r;
    }
    let form = CreateForm::from(&posted);
    if posted.too_large {
        return unreadable(&c, &state, ReadError::TooLarge, Place::Create).await;
    }
    let certificates: Vec<(String, Vec<u8>)> =
        posted.certificate().map(|bytes| vec![(posted.get("certificateName").to_string(), bytes)]).unwrap_or_default();
    let result = state
        .service
        .create_account(&c.user.caller(), &c.enterprise, posted.get("name"), &form.permissions, &certificates)
        .await;
    match result {
        Ok(account) => {
            let lang = c.lang;
            let notice = ok_box(&format!(
                "<p>{created}</p><p class=\"huge\"><code id=\"client-id\">{id}</code></p><p>{next}</p>",
                created = t(lang, "ch.created").replace("{name}", &esc(&account.name)),
                id = esc(&account.client_id),
                next = t(lang, "ch.created_next"),
            ));
            let highlight = account.client_id.clone();
            render(
                &c,
                &state,
                StatusCode::OK,
                Feedback::at(Place::Top, notice),
                &CreateForm::default(),
                Some(&highlight),
            )
            .await
        }
        Err(e) => refused(&c, &state, e, Place::Create, &form).await,
    }
}

async fn add_certificate(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    WebPath(client_id): WebPath<String>,
    req: Request,
) -> Response {
    let c = match ctx(&state, &headers, raw.as_deref(), PATH).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let place = Place::Account(client_id.clone());
    let posted = match read_posted(req).await {
        Ok(p) => p,
        Err(e) => return unreadable(&c, &state, e, place).await,
    };
    if let Err(r) = check_csrf(&c, &state, &headers, &posted) {
        return r;
    }
    if posted.too_large {
        return unreadable(&c, &state, ReadError::TooLarge, place).await;
    }
    let Some(bytes) = posted.certificate() else {
        let e = FieldError::new("certificate", "required", "choose the certificate file or paste it as PEM");
        let html = explain(c.lang, &[e]);
        return render(
            &c,
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            Feedback::at(place, html),
            &CreateForm::default(),
            None,
        )
        .await;
    };
    let name = posted.get("certificateName");
    match state.service.add_certificate(&c.user.caller(), &client_id, name, &bytes).await {
        Ok(account) => {
            let text = t(c.lang, "ch.done.add")
                .replace("{name}", &esc(name.trim()))
                .replace("{id}", &format!("<code>{}</code>", esc(&account.client_id)));
            let html = ok_box(&format!("<p>{text}</p>"));
            render(&c, &state, StatusCode::OK, Feedback::at(place, html), &CreateForm::default(), Some(&client_id))
                .await
        }
        Err(e) => refused(&c, &state, e, place, &CreateForm::default()).await,
    }
}

/// What a simple account form does.
enum Change {
    Revoke,
    Disable,
    Enable,
    Permissions,
}

async fn change(
    state: AppState,
    headers: HeaderMap,
    raw: Option<String>,
    client_id: String,
    body: Bytes,
    what: Change,
) -> Response {
    let (c, form) = match crate::employer::posted(&state, &headers, raw.as_deref(), PATH, &body).await {
        Ok(posted) => posted,
        Err(r) => return r,
    };
    let lang = c.lang;
    let caller = c.user.caller();
    let place = Place::Account(client_id.clone());
    let id_html = format!("<code>{}</code>", esc(&client_id));
    let (result, text) = match what {
        Change::Revoke => {
            let name = form.get("name").unwrap_or_default();
            (
                state.service.revoke_certificate(&caller, &client_id, name).await,
                t(lang, "ch.done.revoke").replace("{name}", &esc(name)).replace("{id}", &id_html),
            )
        }
        Change::Disable => (
            state.service.disable_account(&caller, &client_id).await,
            t(lang, "ch.done.disable").replace("{id}", &id_html),
        ),
        Change::Enable => (
            state.service.enable_account(&caller, &client_id).await,
            t(lang, "ch.done.enable").replace("{id}", &id_html),
        ),
        Change::Permissions => {
            let chosen: Vec<String> =
                pairs(&body).into_iter().filter(|(k, _)| k == "permission").map(|(_, v)| v).collect();
            (
                state.service.set_permissions(&caller, &client_id, &chosen).await,
                t(lang, "ch.done.permissions").replace("{id}", &id_html),
            )
        }
    };
    match result {
        Ok(_) => {
            let html = ok_box(&format!("<p>{text}</p>"));
            render(&c, &state, StatusCode::OK, Feedback::at(place, html), &CreateForm::default(), Some(&client_id))
                .await
        }
        Err(e) => refused(&c, &state, e, place, &CreateForm::default()).await,
    }
}

async fn revoke(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    WebPath(client_id): WebPath<String>,
    WebForm(body): WebForm,
) -> Response {
    change(state, headers, raw, client_id, body, Change::Revoke).await
}

async fn disable(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    WebPath(client_id): WebPath<String>,
    WebForm(body): WebForm,
) -> Response {
    change(state, headers, raw, client_id, body, Change::Disable).await
}

async fn enable(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    WebPath(client_id): WebPath<String>,
    WebForm(body): WebForm,
) -> Response {
    change(state, headers, raw, client_id, body, Change::Enable).await
}

async fn permissions(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    WebPath(client_id): WebPath<String>,
    WebForm(body): WebForm,
) -> Response {
    change(state, headers, raw, client_id, body, Change::Permissions).await
}

// ---------------------------------------------------------------- texts

/// The texts of these pages: key, then NL, FR, DE, EN. They may hold
/// markup (`<code>`); they are inserted as they are.
pub const TEXTS: &[(&str, [&str; 4])] = &[
    (
        "ch.intro",
        [
            "Een registratiesysteem (badgelezer, app van een leverancier) roept de REST-API aan met een REST-account van uw onderneming. Het account krijgt een client-id en een of meer certificaten; het systeem vraagt toegangstokens aan met de private sleutel van een van die certificaten. Alleen de toegangsbeheerders en de technisch beheerders van de onderneming beheren deze accounts.",
            "Un système d'enregistrement (lecteur de badges, application d'un fournisseur) appelle l'API REST avec un compte REST de votre entreprise. Le compte reçoit un identifiant client et un ou plusieurs certificats ; le système obtient des jetons d'accès avec la clé privée de l'un de ces certificats. Seuls les gestionnaires d'accès et les administrateurs techniques de l'entreprise gèrent ces comptes.",
            "Ein Registrierungssystem (Ausweisleser, App eines Anbieters) ruft die REST-API mit einem REST-Konto Ihres Unternehmens auf. Das Konto erhält eine Client-ID und ein oder mehrere Zertifikate; das System holt Zugriffstoken mit dem privaten Schlüssel eines dieser Zertifikate. Nur die Zugriffsverwalter und die technischen Administratoren des Unternehmens verwalten diese Konten.",
            "A registration system (badge reader, a vendor's app) calls the REST API with a REST account of your enterprise. The account gets a client id and one or more certificates; the system obtains access tokens with the private key of one of those certificates. Only the enterprise's access managers and technical administrators manage these accounts.",
        ],
    ),
    ("ch.accounts", ["REST-accounts", "Comptes REST", "REST-Konten", "REST accounts"]),
    (
        "ch.no_accounts",
        [
            "Uw onderneming heeft nog geen REST-account. Maak er hieronder een aan.",
            "Votre entreprise n'a pas encore de compte REST. Créez-en un ci-dessous.",
            "Ihr Unternehmen hat noch kein REST-Konto. Legen Sie unten eines an.",
            "Your enterprise has no REST account yet. Create one below.",
        ],
    ),
    ("ch.client_id", ["Client-id", "Identifiant client (client id)", "Client-ID", "Client id"]),
    ("ch.permissions", ["Rechten", "Autorisations", "Berechtigungen", "Permissions"]),
    (
        "ch.permissions_of",
        ["Rechten van {id}", "Autorisations de {id}", "Berechtigungen von {id}", "Permissions of {id}"],
    ),
    ("ch.state", ["Status", "État", "Status", "State"]),
    ("ch.state.active", ["actief", "actif", "aktiv", "active"]),
    ("ch.state.disabled", ["uitgeschakeld", "désactivé", "deaktiviert", "disabled"]),
    (
        "ch.usable_certificates",
        ["Bruikbare certificaten", "Certificats utilisables", "Verwendbare Zertifikate", "Usable certificates"],
    ),
    (
        "ch.no_usable_certificate",
        [
            "geen geldig certificaat: dit account krijgt geen token",
            "aucun certificat valable : ce compte n'obtient pas de jeton",
            "kein gültiges Zertifikat: dieses Konto erhält kein Token",
            "no valid certificate: this account gets no token",
        ],
    ),
    ("ch.perm.register", ["registreren", "enregistrer", "registrieren", "register"]),
    (
        "ch.perm.register_hint",
        [
            "aanwezigheden registreren en de eigen registraties annuleren",
            "enregistrer des présences et annuler celles qu'il a envoyées",
            "Anwesenheiten registrieren und die eigenen Registrierungen stornieren",
            "register presences and cancel the ones it sent",
        ],
    ),
    ("ch.perm.consult", ["raadplegen", "consulter", "abfragen", "consult"]),
    (
        "ch.perm.consult_hint",
        [
            "registraties raadplegen en zoeken",
            "consulter et rechercher des enregistrements",
            "Registrierungen abfragen und suchen",
            "consult and search registrations",
        ],
    ),
    ("ch.certificate", ["Certificaat", "Certificat", "Zertifikat", "Certificate"]),
    (
        "ch.certificates_of",
        ["Certificaten van {id}", "Certificats de {id}", "Zertifikate von {id}", "Certificates of {id}"],
    ),
    ("ch.cert_name", ["Naam van het certificaat", "Nom du certificat", "Name des Zertifikats", "Certificate name"]),
    (
        "ch.cert_name_hint",
        [
            "Een naam naar keuze, bv. main of 2026. Het systeem mag hem als kid meesturen.",
            "Un nom de votre choix, p. ex. main ou 2026. Le système peut l'envoyer comme kid.",
            "Ein Name Ihrer Wahl, z. B. main oder 2026. Das System darf ihn als kid mitsenden.",
            "A name of your choice, e.g. main or 2026. The system may send it as kid.",
        ],
    ),
    ("ch.subject", ["Houder (subject)", "Titulaire (subject)", "Inhaber (Subject)", "Subject"]),
    ("ch.fingerprint", ["SHA-256-vingerafdruk", "Empreinte SHA-256", "SHA-256-Fingerabdruck", "SHA-256 fingerprint"]),
    ("ch.not_after", ["Geldig tot", "Valable jusqu'au", "Gültig bis", "Valid until"]),
    ("ch.cert_active", ["in gebruik", "en service", "in Gebrauch", "in use"]),
    ("ch.cert_expired", ["verlopen", "expiré", "abgelaufen", "expired"]),
    ("ch.revoked_on", ["ingetrokken op {date}", "révoqué le {date}", "widerrufen am {date}", "revoked on {date}"]),
    ("ch.revoke", ["Intrekken", "Révoquer", "Widerrufen", "Revoke"]),
    ("ch.disable", ["Uitschakelen", "Désactiver", "Deaktivieren", "Disable"]),
    ("ch.enable", ["Inschakelen", "Activer", "Aktivieren", "Enable"]),
    (
        "ch.disable_hint",
        [
            "Een uitgeschakeld account krijgt geen token meer, en de tokens die het heeft werken niet meer.",
            "Un compte désactivé n'obtient plus de jeton, et les jetons qu'il détient ne fonctionnent plus.",
            "Ein deaktiviertes Konto erhält kein Token mehr, und seine vorhandenen Token funktionieren nicht mehr.",
            "A disabled account gets no more tokens, and the tokens it holds stop working.",
        ],
    ),
    (
        "ch.enable_hint",
        [
            "Dit account is uitgeschakeld: het krijgt geen token.",
            "Ce compte est désactivé : il n'obtient pas de jeton.",
            "Dieses Konto ist deaktiviert: Es erhält kein Token.",
            "This account is disabled: it gets no token.",
        ],
    ),
    (
        "ch.save_permissions",
        ["Rechten opslaan", "Enregistrer les autorisations", "Berechtigungen speichern", "Save permissions"],
    ),
    (
        "ch.add_certificate",
        [
            "Een certificaat toevoegen (vervanging)",
            "Ajouter un certificat (rotation)",
            "Ein Zertifikat hinzufügen (Wechsel)",
            "Add a certificate (rotation)",
        ],
    ),
    (
        "ch.rotation_hint",
        [
            "Een certificaat vervangen zonder onderbreking: voeg het nieuwe toe, schakel het systeem over op de nieuwe sleutel en trek dan het oude in.",
            "Remplacer un certificat sans interruption : ajoutez le nouveau, passez le système à la nouvelle clé, puis révoquez l'ancien.",
            "Ein Zertifikat ohne Unterbrechung ersetzen: Fügen Sie das neue hinzu, stellen Sie das System auf den neuen Schlüssel um und widerrufen Sie dann das alte.",
            "To replace a certificate without interruption: add the new one, switch the system to the new key, then revoke the old one.",
        ],
    ),
    ("ch.add", ["Toevoegen", "Ajouter", "Hinzufügen", "Add"]),
    (
        "ch.create",
        ["Een REST-account aanmaken", "Créer un compte REST", "Ein REST-Konto anlegen", "Create a REST account"],
    ),
    ("ch.create_button", ["Account aanmaken", "Créer le compte", "Konto anlegen", "Create the account"]),
    ("ch.account_name", ["Naam van het account", "Nom du compte", "Name des Kontos", "Account name"]),
    (
        "ch.account_name_hint",
        [
            "Bv. het systeem of de leverancier: badgelezers werf Noord.",
            "P. ex. le système ou le fournisseur : lecteurs de badges chantier Nord.",
            "Z. B. das System oder der Anbieter: Ausweisleser Baustelle Nord.",
            "E.g. the system or the vendor: badge readers site North.",
        ],
    ),
    (
        "ch.file",
        [
            "Certificaatbestand (PEM of DER, hoogstens 64 KiB)",
            "Fichier du certificat (PEM ou DER, 64 Kio au plus)",
            "Zertifikatsdatei (PEM oder DER, höchstens 64 KiB)",
            "Certificate file (PEM or DER, at most 64 KiB)",
        ],
    ),
    (
        "ch.paste",
        [
            "Of plak het certificaat (PEM, van -----BEGIN CERTIFICATE----- tot -----END CERTIFICATE-----)",
            "Ou collez le certificat (PEM, de -----BEGIN CERTIFICATE----- à -----END CERTIFICATE-----)",
            "Oder fügen Sie das Zertifikat ein (PEM, von -----BEGIN CERTIFICATE----- bis -----END CERTIFICATE-----)",
            "Or paste the certificate (PEM, from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----)",
        ],
    ),
    (
        "ch.policy_title",
        ["Aanvaarde certificaten", "Certificats acceptés", "Akzeptierte Zertifikate", "Accepted certificates"],
    ),
    (
        "ch.policy.key",
        [
            "sleutel RSA 2048, 3072 of 4096 bits, of EC P-384 of P-521 (P-256 wordt geweigerd);",
            "clé RSA de 2048, 3072 ou 4096 bits, ou EC P-384 ou P-521 (P-256 est refusée) ;",
            "Schlüssel RSA 2048, 3072 oder 4096 Bit oder EC P-384 oder P-521 (P-256 wird abgelehnt);",
            "key RSA 2048, 3072 or 4096 bits, or EC P-384 or P-521 (P-256 is refused);",
        ],
    ),
    (
        "ch.policy.digest",
        [
            "ondertekend met SHA-256, SHA-384 of SHA-512 (niet SHA-1 of MD5);",
            "signé avec SHA-256, SHA-384 ou SHA-512 (pas SHA-1 ni MD5) ;",
            "signiert mit SHA-256, SHA-384 oder SHA-512 (nicht SHA-1 oder MD5);",
            "signed with SHA-256, SHA-384 or SHA-512 (not SHA-1 or MD5);",
        ],
    ),
    (
        "ch.policy.usage",
        [
            "een KeyUsage-extensie met digitalSignature;",
            "une extension KeyUsage avec digitalSignature ;",
            "eine KeyUsage-Erweiterung mit digitalSignature;",
            "a KeyUsage extension with digitalSignature;",
        ],
    ),
    (
        "ch.policy.validity",
        [
            "vandaag geldig. Zelfondertekend mag. Laad alleen het certificaat op, nooit de private sleutel.",
            "valable aujourd'hui. Un certificat autosigné convient. Chargez uniquement le certificat, jamais la clé privée.",
            "heute gültig. Selbstsigniert ist erlaubt. Laden Sie nur das Zertifikat hoch, nie den privaten Schlüssel.",
            "valid today. Self-signed is fine. Upload only the certificate, never the private key.",
        ],
    ),
    (
        "ch.created",
        [
            "Het REST-account {name} is aangemaakt. Zijn client-id:",
            "Le compte REST {name} a été créé. Son identifiant client :",
            "Das REST-Konto {name} wurde angelegt. Seine Client-ID:",
            "The REST account {name} has been created. Its client id:",
        ],
    ),
    (
        "ch.created_next",
        [
            "Geef de client-id en de token-URL (zie de handleiding hieronder) aan wie het registratiesysteem instelt; de private sleutel blijft bij hen.",
            "Donnez l'identifiant client et l'URL des jetons (voir le guide ci-dessous) à qui configure le système d'enregistrement ; la clé privée reste chez eux.",
            "Geben Sie die Client-ID und die Token-URL (siehe Leitfaden unten) an die Person, die das Registrierungssystem einrichtet; der private Schlüssel bleibt dort.",
            "Give the client id and the token URL (see the guide below) to whoever sets up the registration system; the private key stays with them.",
        ],
    ),
    (
        "ch.done.add",
        [
            "Certificaat {name} is toegevoegd aan {id}. Schakel het systeem over op de nieuwe sleutel en trek dan het oude certificaat in.",
            "Le certificat {name} a été ajouté à {id}. Passez le système à la nouvelle clé, puis révoquez l'ancien certificat.",
            "Zertifikat {name} wurde zu {id} hinzugefügt. Stellen Sie das System auf den neuen Schlüssel um und widerrufen Sie dann das alte Zertifikat.",
            "Certificate {name} was added to {id}. Switch the system to the new key, then revoke the old certificate.",
        ],
    ),
    (
        "ch.done.revoke",
        [
            "Certificaat {name} van {id} is ingetrokken: er wordt geen token meer mee uitgereikt.",
            "Le certificat {name} de {id} est révoqué : plus aucun jeton n'est délivré avec lui.",
            "Zertifikat {name} von {id} ist widerrufen: Damit wird kein Token mehr ausgegeben.",
            "Certificate {name} of {id} is revoked: no token is issued with it any more.",
        ],
    ),
    (
        "ch.done.disable",
        [
            "{id} is uitgeschakeld: het krijgt geen token meer.",
            "{id} est désactivé : il n'obtient plus de jeton.",
            "{id} ist deaktiviert: Es erhält kein Token mehr.",
            "{id} is disabled: it gets no more tokens.",
        ],
    ),
    (
        "ch.done.enable",
        [
            "{id} is weer ingeschakeld.",
            "{id} est à nouveau activé.",
            "{id} ist wieder aktiviert.",
            "{id} is enabled again.",
        ],
    ),
    (
        "ch.done.permissions",
        [
            "De rechten van {id} zijn opgeslagen; ze gelden voor de volgende tokens.",
            "Les autorisations de {id} sont enregistrées ; elles valent pour les prochains jetons.",
            "Die Berechtigungen von {id} sind gespeichert; sie gelten für die nächsten Token.",
            "The permissions of {id} are saved; they apply to the next tokens.",
        ],
    ),
    (
        "ch.policy_refused",
        [
            "Dit certificaat voldoet niet aan de regels: er is niets aangemaakt of gewijzigd.",
            "Ce certificat ne respecte pas les règles : rien n'a été créé ni modifié.",
            "Dieses Zertifikat erfüllt die Regeln nicht: Nichts wurde angelegt oder geändert.",
            "This certificate does not meet the policy: nothing was created or changed.",
        ],
    ),
    ("ch.rule", ["Regel die faalt:", "Règle non respectée :", "Nicht erfüllte Regel:", "Rule that failed:"]),
    ("ch.fix", ["Zo lost u het op:", "Comment corriger :", "So beheben Sie es:", "How to fix it:"]),
    (
        "ch.rule.unreadable",
        [
            "Het bestand is geen X.509-certificaat in PEM of DER.",
            "Le fichier n'est pas un certificat X.509 en PEM ou DER.",
            "Die Datei ist kein X.509-Zertifikat in PEM oder DER.",
            "The file is not an X.509 certificate in PEM or DER.",
        ],
    ),
    (
        "ch.fix.unreadable",
        [
            "Kies het certificaat zelf (cert.pem, dat begint met -----BEGIN CERTIFICATE-----), niet de private sleutel en geen PKCS#12-bestand (.p12/.pfx). Uit een .p12 haalt u het zo: <code>openssl pkcs12 -in bundle.p12 -clcerts -nokeys -out cert.pem</code>",
            "Choisissez le certificat lui-même (cert.pem, qui commence par -----BEGIN CERTIFICATE-----), pas la clé privée ni un fichier PKCS#12 (.p12/.pfx). Pour l'extraire d'un .p12 : <code>openssl pkcs12 -in bundle.p12 -clcerts -nokeys -out cert.pem</code>",
            "Wählen Sie das Zertifikat selbst (cert.pem, beginnt mit -----BEGIN CERTIFICATE-----), nicht den privaten Schlüssel und keine PKCS#12-Datei (.p12/.pfx). Aus einer .p12 holen Sie es so: <code>openssl pkcs12 -in bundle.p12 -clcerts -nokeys -out cert.pem</code>",
            "Choose the certificate itself (cert.pem, which starts with -----BEGIN CERTIFICATE-----), not the private key nor a PKCS#12 file (.p12/.pfx). To take it out of a .p12: <code>openssl pkcs12 -in bundle.p12 -clcerts -nokeys -out cert.pem</code>",
        ],
    ),
    (
        "ch.rule.keyAlgorithm",
        [
            "Het type sleutel wordt niet aanvaard: alleen RSA en EC (P-384, P-521).",
            "Le type de clé n'est pas accepté : seulement RSA et EC (P-384, P-521).",
            "Der Schlüsseltyp wird nicht akzeptiert: nur RSA und EC (P-384, P-521).",
            "The type of key is not accepted: only RSA and EC (P-384, P-521).",
        ],
    ),
    (
        "ch.fix.keyAlgorithm",
        [
            "Maak een nieuwe sleutel en een certificaat ervoor: <code>ciao client keygen --kind ec-p384 --out key.pem</code> (of <code>--kind rsa-3072</code>), dan <code>ciao client certificate</code> (zie de handleiding).",
            "Créez une nouvelle clé et un certificat pour elle : <code>ciao client keygen --kind ec-p384 --out key.pem</code> (ou <code>--kind rsa-3072</code>), puis <code>ciao client certificate</code> (voir le guide).",
            "Erzeugen Sie einen neuen Schlüssel und ein Zertifikat dazu: <code>ciao client keygen --kind ec-p384 --out key.pem</code> (oder <code>--kind rsa-3072</code>), dann <code>ciao client certificate</code> (siehe Leitfaden).",
            "Make a new key and a certificate for it: <code>ciao client keygen --kind ec-p384 --out key.pem</code> (or <code>--kind rsa-3072</code>), then <code>ciao client certificate</code> (see the guide).",
        ],
    ),
    (
        "ch.found.keyAlgorithm",
        [
            "Gevonden: een {found}-sleutel.",
            "Trouvé : une clé {found}.",
            "Gefunden: ein {found}-Schlüssel.",
            "Found: a {found} key.",
        ],
    ),
    (
        "ch.found.keySize",
        ["Gevonden: {found} bits.", "Trouvé : {found} bits.", "Gefunden: {found} Bit.", "Found: {found} bits."],
    ),
    ("ch.found.curve", ["Gevonden: {found}.", "Trouvé : {found}.", "Gefunden: {found}.", "Found: {found}."]),
    (
        "ch.found.signatureDigest",
        [
            "Gevonden: ondertekend met {found}.",
            "Trouvé : signé avec {found}.",
            "Gefunden: signiert mit {found}.",
            "Found: signed with {found}.",
        ],
    ),
    (
        "ch.found.keyUsageDigitalSignature",
        [
            "Gevonden: KeyUsage {found}.",
            "Trouvé : KeyUsage {found}.",
            "Gefunden: KeyUsage {found}.",
            "Found: KeyUsage {found}.",
        ],
    ),
    (
        "ch.found.notYetValid",
        [
            "Dit certificaat is pas geldig vanaf {found}.",
            "Ce certificat n'est valable qu'à partir du {found}.",
            "Dieses Zertifikat ist erst ab {found} gültig.",
            "This certificate is valid only from {found}.",
        ],
    ),
    (
        "ch.found.expired",
        [
            "Dit certificaat is verlopen op {found}.",
            "Ce certificat a expiré le {found}.",
            "Dieses Zertifikat ist am {found} abgelaufen.",
            "This certificate expired on {found}.",
        ],
    ),
    (
        "ch.rule.keySize",
        [
            "Een RSA-sleutel moet 2048, 3072 of 4096 bits hebben.",
            "Une clé RSA doit avoir 2048, 3072 ou 4096 bits.",
            "Ein RSA-Schlüssel muss 2048, 3072 oder 4096 Bit haben.",
            "An RSA key must have 2048, 3072 or 4096 bits.",
        ],
    ),
    (
        "ch.fix.keySize",
        [
            "Maak een nieuwe sleutel van RSA 3072 of 4096 bits, of EC P-384/P-521: <code>ciao client keygen --kind ec-p384 --out key.pem</code> of <code>openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out key.pem</code>, en een nieuw certificaat ervoor.",
            "Créez une nouvelle clé RSA de 3072 ou 4096 bits, ou EC P-384/P-521 : <code>ciao client keygen --kind ec-p384 --out key.pem</code> ou <code>openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out key.pem</code>, et un nouveau certificat pour elle.",
            "Erzeugen Sie einen neuen Schlüssel RSA 3072 oder 4096 Bit oder EC P-384/P-521: <code>ciao client keygen --kind ec-p384 --out key.pem</code> oder <code>openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out key.pem</code>, und ein neues Zertifikat dazu.",
            "Make a new key of RSA 3072 or 4096 bits, or EC P-384/P-521: <code>ciao client keygen --kind ec-p384 --out key.pem</code> or <code>openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out key.pem</code>, and a new certificate for it.",
        ],
    ),
    (
        "ch.rule.curve",
        [
            "Een EC-sleutel moet op de curve P-384 of P-521 liggen; P-256 en andere curves worden geweigerd.",
            "Une clé EC doit être sur la courbe P-384 ou P-521 ; P-256 et les autres courbes sont refusées.",
            "Ein EC-Schlüssel muss auf der Kurve P-384 oder P-521 liegen; P-256 und andere Kurven werden abgelehnt.",
            "An EC key must be on the curve P-384 or P-521; P-256 and other curves are refused.",
        ],
    ),
    (
        "ch.fix.curve",
        [
            "Maak een nieuwe sleutel op P-384: <code>ciao client keygen --kind ec-p384 --out key.pem</code>, of met OpenSSL <code>-pkeyopt ec_paramgen_curve:secp384r1</code>, en een nieuw certificaat ervoor.",
            "Créez une nouvelle clé sur P-384 : <code>ciao client keygen --kind ec-p384 --out key.pem</code>, ou avec OpenSSL <code>-pkeyopt ec_paramgen_curve:secp384r1</code>, et un nouveau certificat pour elle.",
            "Erzeugen Sie einen neuen Schlüssel auf P-384: <code>ciao client keygen --kind ec-p384 --out key.pem</code>, oder mit OpenSSL <code>-pkeyopt ec_paramgen_curve:secp384r1</code>, und ein neues Zertifikat dazu.",
            "Make a new key on P-384: <code>ciao client keygen --kind ec-p384 --out key.pem</code>, or with OpenSSL <code>-pkeyopt ec_paramgen_curve:secp384r1</code>, and a new certificate for it.",
        ],
    ),
    (
        "ch.rule.signatureDigest",
        [
            "Het certificaat moet ondertekend zijn met SHA-256, SHA-384 of SHA-512; SHA-1 en MD5 worden geweigerd.",
            "Le certificat doit être signé avec SHA-256, SHA-384 ou SHA-512 ; SHA-1 et MD5 sont refusés.",
            "Das Zertifikat muss mit SHA-256, SHA-384 oder SHA-512 signiert sein; SHA-1 und MD5 werden abgelehnt.",
            "The certificate must be signed with SHA-256, SHA-384 or SHA-512; SHA-1 and MD5 are refused.",
        ],
    ),
    (
        "ch.fix.signatureDigest",
        [
            "Maak het certificaat opnieuw met dezelfde sleutel: <code>ciao client certificate --key key.pem …</code>, of voeg <code>-sha256</code> toe aan <code>openssl req -x509</code>.",
            "Refaites le certificat avec la même clé : <code>ciao client certificate --key key.pem …</code>, ou ajoutez <code>-sha256</code> à <code>openssl req -x509</code>.",
            "Erstellen Sie das Zertifikat mit demselben Schlüssel neu: <code>ciao client certificate --key key.pem …</code>, oder fügen Sie <code>-sha256</code> zu <code>openssl req -x509</code> hinzu.",
            "Make the certificate again with the same key: <code>ciao client certificate --key key.pem …</code>, or add <code>-sha256</code> to <code>openssl req -x509</code>.",
        ],
    ),
    (
        "ch.rule.keyUsageMissing",
        [
            "Het certificaat heeft geen KeyUsage-extensie; die is verplicht, met digitalSignature.",
            "Le certificat n'a pas d'extension KeyUsage ; elle est obligatoire, avec digitalSignature.",
            "Das Zertifikat hat keine KeyUsage-Erweiterung; sie ist Pflicht, mit digitalSignature.",
            "The certificate has no KeyUsage extension; it is required, with digitalSignature.",
        ],
    ),
    (
        "ch.fix.keyUsageMissing",
        [
            "Maak het certificaat opnieuw met <code>ciao client certificate</code> (dat zet het goed), of voeg <code>-addext keyUsage=critical,digitalSignature</code> toe aan <code>openssl req -x509</code>.",
            "Refaites le certificat avec <code>ciao client certificate</code> (qui le règle correctement), ou ajoutez <code>-addext keyUsage=critical,digitalSignature</code> à <code>openssl req -x509</code>.",
            "Erstellen Sie das Zertifikat neu mit <code>ciao client certificate</code> (das setzt es richtig), oder fügen Sie <code>-addext keyUsage=critical,digitalSignature</code> zu <code>openssl req -x509</code> hinzu.",
            "Make the certificate again with <code>ciao client certificate</code> (which sets it right), or add <code>-addext keyUsage=critical,digitalSignature</code> to <code>openssl req -x509</code>.",
        ],
    ),
    (
        "ch.rule.keyUsageDigitalSignature",
        [
            "De KeyUsage van het certificaat bevat geen digitalSignature, die verplicht is.",
            "Le KeyUsage du certificat ne contient pas digitalSignature, qui est obligatoire.",
            "Die KeyUsage des Zertifikats enthält kein digitalSignature, das Pflicht ist.",
            "The certificate's KeyUsage lacks digitalSignature, which is required.",
        ],
    ),
    (
        "ch.fix.keyUsageDigitalSignature",
        [
            "Maak het certificaat opnieuw met <code>ciao client certificate</code>, of met OpenSSL en <code>-addext keyUsage=critical,digitalSignature</code>.",
            "Refaites le certificat avec <code>ciao client certificate</code>, ou avec OpenSSL et <code>-addext keyUsage=critical,digitalSignature</code>.",
            "Erstellen Sie das Zertifikat neu mit <code>ciao client certificate</code>, oder mit OpenSSL und <code>-addext keyUsage=critical,digitalSignature</code>.",
            "Make the certificate again with <code>ciao client certificate</code>, or with OpenSSL and <code>-addext keyUsage=critical,digitalSignature</code>.",
        ],
    ),
    (
        "ch.rule.notYetValid",
        [
            "Het certificaat is nog niet geldig: zijn geldigheid begint later.",
            "Le certificat n'est pas encore valable : sa validité commence plus tard.",
            "Das Zertifikat ist noch nicht gültig: Seine Gültigkeit beginnt später.",
            "The certificate is not valid yet: its validity starts later.",
        ],
    ),
    (
        "ch.fix.notYetValid",
        [
            "Controleer de klok van de machine die het maakte, of maak het opnieuw met een begin vanaf nu (<code>ciao client certificate</code> begint nu).",
            "Vérifiez l'horloge de la machine qui l'a créé, ou refaites-le avec un début à partir de maintenant (<code>ciao client certificate</code> commence maintenant).",
            "Prüfen Sie die Uhr des Rechners, der es erstellt hat, oder erstellen Sie es neu mit Beginn ab jetzt (<code>ciao client certificate</code> beginnt jetzt).",
            "Check the clock of the machine that made it, or make it again starting now (<code>ciao client certificate</code> starts now).",
        ],
    ),
    (
        "ch.rule.expired",
        [
            "Het certificaat is verlopen.",
            "Le certificat a expiré.",
            "Das Zertifikat ist abgelaufen.",
            "The certificate has expired.",
        ],
    ),
    (
        "ch.fix.expired",
        [
            "Maak een nieuw certificaat (<code>ciao client certificate --key key.pem --subject … --days 365 --out cert.pem</code>) en laad het op; voor een account in gebruik: voeg het toe als tweede certificaat voordat u het oude intrekt.",
            "Créez un nouveau certificat (<code>ciao client certificate --key key.pem --subject … --days 365 --out cert.pem</code>) et chargez-le ; pour un compte en service : ajoutez-le comme deuxième certificat avant de révoquer l'ancien.",
            "Erstellen Sie ein neues Zertifikat (<code>ciao client certificate --key key.pem --subject … --days 365 --out cert.pem</code>) und laden Sie es hoch; bei einem Konto in Gebrauch: als zweites Zertifikat hinzufügen, bevor Sie das alte widerrufen.",
            "Make a new certificate (<code>ciao client certificate --key key.pem --subject … --days 365 --out cert.pem</code>) and upload it; for an account in use: add it as a second certificate before revoking the old one.",
        ],
    ),
    (
        "ch.error.certificate_required",
        [
            "Kies het certificaatbestand (PEM of DER) of plak het certificaat als PEM.",
            "Choisissez le fichier du certificat (PEM ou DER) ou collez le certificat en PEM.",
            "Wählen Sie die Zertifikatsdatei (PEM oder DER) oder fügen Sie das Zertifikat als PEM ein.",
            "Choose the certificate file (PEM or DER) or paste the certificate as PEM.",
        ],
    ),
    (
        "ch.error.permission_required",
        [
            "Kies minstens één recht: registreren of raadplegen.",
            "Choisissez au moins une autorisation : enregistrer ou consulter.",
            "Wählen Sie mindestens eine Berechtigung: registrieren oder abfragen.",
            "Choose at least one permission: register or consult.",
        ],
    ),
    (
        "ch.error.permission_value",
        [
            "Onbekend recht: kies registreren of raadplegen.",
            "Autorisation inconnue : choisissez enregistrer ou consulter.",
            "Unbekannte Berechtigung: Wählen Sie registrieren oder abfragen.",
            "Unknown permission: choose register or consult.",
        ],
    ),
    (
        "ch.error.text.empty",
        ["Vul in: {field}.", "À remplir : {field}.", "Bitte ausfüllen: {field}.", "Fill in: {field}."],
    ),
    (
        "ch.error.text.tooLong",
        [
            "{field}: hoogstens 100 tekens.",
            "{field} : 100 caractères au plus.",
            "{field}: höchstens 100 Zeichen.",
            "{field}: at most 100 characters.",
        ],
    ),
    (
        "ch.error.text.control",
        [
            "{field} bevat tekens die niet zijn toegelaten.",
            "{field} contient des caractères non autorisés.",
            "{field} enthält nicht erlaubte Zeichen.",
            "{field} contains characters that are not allowed.",
        ],
    ),
    (
        "ch.error.enterprise_unknown",
        [
            "Uw onderneming staat nog niet in het ondernemingsregister van deze dienst; vraag het aan de beheerder.",
            "Votre entreprise n'est pas encore dans le registre des entreprises de ce service ; demandez-le à l'exploitant.",
            "Ihr Unternehmen ist noch nicht im Unternehmensregister dieses Dienstes; wenden Sie sich an den Betreiber.",
            "Your enterprise is not in this service's enterprise registry yet; ask the operator.",
        ],
    ),
    (
        "ch.error.taken",
        [
            "Dit certificaat hoort al bij een REST-account: een certificaat identificeert één account. Maak voor elk account een eigen sleutel en certificaat.",
            "Ce certificat appartient déjà à un compte REST : un certificat identifie un seul compte. Créez une clé et un certificat propres à chaque compte.",
            "Dieses Zertifikat gehört bereits zu einem REST-Konto: Ein Zertifikat identifiziert ein Konto. Erstellen Sie für jedes Konto einen eigenen Schlüssel und ein eigenes Zertifikat.",
            "This certificate already belongs to a REST account: a certificate identifies one account. Make a key and certificate of its own for each account.",
        ],
    ),
    (
        "ch.error.name_taken",
        [
            "Dit account heeft al een certificaat met die naam: kies een andere naam.",
            "Ce compte a déjà un certificat de ce nom : choisissez un autre nom.",
            "Dieses Konto hat bereits ein Zertifikat mit diesem Namen: Wählen Sie einen anderen Namen.",
            "This account already has a certificate with that name: choose another name.",
        ],
    ),
    (
        "ch.error.no_account",
        [
            "Dit REST-account bestaat niet bij uw onderneming.",
            "Ce compte REST n'existe pas dans votre entreprise.",
            "Dieses REST-Konto gibt es in Ihrem Unternehmen nicht.",
            "Your enterprise has no such REST account.",
        ],
    ),
    (
        "ch.error.no_certificate",
        [
            "Dit account heeft geen actief certificaat met die naam.",
            "Ce compte n'a pas de certificat actif de ce nom.",
            "Dieses Konto hat kein aktives Zertifikat mit diesem Namen.",
            "This account has no active certificate with that name.",
        ],
    ),
    (
        "ch.error.too_large",
        [
            "Het bestand is groter dan 64 KiB en werd niet gelezen. Een certificaat is 1 tot 3 KiB: kies het certificaat zelf (cert.pem), geen bundel, sleutelopslag of document.",
            "Le fichier dépasse 64 Kio et n'a pas été lu. Un certificat fait de 1 à 3 Kio : choisissez le certificat lui-même (cert.pem), pas un paquet, un magasin de clés ni un document.",
            "Die Datei ist größer als 64 KiB und wurde nicht gelesen. Ein Zertifikat hat 1 bis 3 KiB: Wählen Sie das Zertifikat selbst (cert.pem), kein Bündel, keinen Schlüsselspeicher und kein Dokument.",
            "The file is larger than 64 KiB and was not read. A certificate is 1 to 3 KiB: choose the certificate itself (cert.pem), not a bundle, a key store or a document.",
        ],
    ),
    (
        "ch.error.form",
        [
            "Het formulier kon niet gelezen worden: er is niets gewijzigd. Open de pagina opnieuw en probeer nog eens.",
            "Le formulaire n'a pas pu être lu : rien n'a été modifié. Rouvrez la page et réessayez.",
            "Das Formular konnte nicht gelesen werden: Nichts wurde geändert. Öffnen Sie die Seite erneut und versuchen Sie es noch einmal.",
            "The form could not be read: nothing was changed. Open the page again and try once more.",
        ],
    ),
    (
        "ch.guide",
        ["Handleiding voor de integrator", "Guide de l'intégrateur", "Leitfaden für Integratoren", "Integrator guide"],
    ),
    (
        "ch.guide.intro",
        [
            "Wat het registratiesysteem nodig heeft: een private sleutel, het certificaat ervan (hier opgeladen), de client-id en de token-URL. Er is geen client secret: het systeem bewijst wie het is met een ondertekende JWT (RFC 7523).",
            "Ce dont le système d'enregistrement a besoin : une clé privée, son certificat (chargé ici), l'identifiant client et l'URL des jetons. Il n'y a pas de secret client : le système prouve son identité par un JWT signé (RFC 7523).",
            "Was das Registrierungssystem braucht: einen privaten Schlüssel, sein Zertifikat (hier hochgeladen), die Client-ID und die Token-URL. Es gibt kein Client-Secret: Das System weist sich mit einem signierten JWT aus (RFC 7523).",
            "What the registration system needs: a private key, its certificate (uploaded here), the client id and the token URL. There is no client secret: the system proves who it is with a signed JWT (RFC 7523).",
        ],
    ),
    ("ch.guide.token_url", ["Token-URL", "URL des jetons", "Token-URL", "Token URL"]),
    ("ch.guide.api", ["REST-API", "API REST", "REST-API", "REST API"]),
    (
        "ch.guide.key",
        [
            "Maak een private sleutel op het registratiesysteem (hij verlaat het nooit); ook rsa-3072, rsa-4096 of ec-p521:",
            "Créez une clé privée sur le système d'enregistrement (elle ne le quitte jamais) ; aussi rsa-3072, rsa-4096 ou ec-p521 :",
            "Erzeugen Sie einen privaten Schlüssel auf dem Registrierungssystem (er verlässt es nie); auch rsa-3072, rsa-4096 oder ec-p521:",
            "Make a private key on the registration system (it never leaves it); rsa-3072, rsa-4096 or ec-p521 work too:",
        ],
    ),
    (
        "ch.guide.cert",
        [
            "Maak er een zelfondertekend certificaat voor dat aan de regels voldoet:",
            "Créez pour elle un certificat autosigné conforme aux règles :",
            "Erstellen Sie dazu ein selbstsigniertes Zertifikat, das die Regeln erfüllt:",
            "Make a self-signed certificate for it that meets the policy:",
        ],
    ),
    (
        "ch.guide.openssl",
        [
            "Of met OpenSSL (EC P-384):",
            "Ou avec OpenSSL (EC P-384) :",
            "Oder mit OpenSSL (EC P-384):",
            "Or with OpenSSL (EC P-384):",
        ],
    ),
    (
        "ch.guide.fingerprint",
        [
            "De SHA-256-vingerafdruk, om te vergelijken met de tabel hierboven:",
            "L'empreinte SHA-256, à comparer avec le tableau ci-dessus :",
            "Der SHA-256-Fingerabdruck, zum Vergleich mit der Tabelle oben:",
            "Its SHA-256 fingerprint, to compare with the table above:",
        ],
    ),
    (
        "ch.guide.upload",
        [
            "Laad cert.pem hier op (nooit key.pem) en noteer de client-id.",
            "Chargez cert.pem ici (jamais key.pem) et notez l'identifiant client.",
            "Laden Sie cert.pem hier hoch (nie key.pem) und notieren Sie die Client-ID.",
            "Upload cert.pem here (never key.pem) and note the client id.",
        ],
    ),
    (
        "ch.guide.token",
        [
            "Vraag een toegangstoken aan bij de token-URL, met de referentieclient:",
            "Demandez un jeton d'accès à l'URL des jetons, avec le client de référence :",
            "Holen Sie ein Zugriffstoken an der Token-URL, mit dem Referenz-Client:",
            "Get an access token at the token URL, with the reference client:",
        ],
    ),
    (
        "ch.guide.assertion",
        [
            "Of zelf: een JWT (client assertion) ondertekend met de private sleutel. Header: alg ES384 voor P-384, ES512 voor P-521, RS256 of PS256 voor RSA; kid (de naam van het certificaat) is facultatief. Claims: iss en sub = de client-id, aud = de token-URL, exp hoogstens 2 uur later, jti maar één keer gebruikt:",
            "Ou vous-même : un JWT (client assertion) signé avec la clé privée. En-tête : alg ES384 pour P-384, ES512 pour P-521, RS256 ou PS256 pour RSA ; kid (le nom du certificat) est facultatif. Claims : iss et sub = l'identifiant client, aud = l'URL des jetons, exp 2 heures plus tard au plus, jti utilisé une seule fois :",
            "Oder selbst: ein JWT (Client Assertion), signiert mit dem privaten Schlüssel. Header: alg ES384 für P-384, ES512 für P-521, RS256 oder PS256 für RSA; kid (der Name des Zertifikats) ist optional. Claims: iss und sub = die Client-ID, aud = die Token-URL, exp höchstens 2 Stunden später, jti nur einmal verwendet:",
            "Or yourself: a JWT (client assertion) signed with the private key. Header: alg ES384 for P-384, ES512 for P-521, RS256 or PS256 for RSA; kid (the certificate's name) is optional. Claims: iss and sub = the client id, aud = the token URL, exp at most 2 hours ahead, jti used only once:",
        ],
    ),
    (
        "ch.guide.request",
        [
            "en de aanvraag (OAuth 2.0 client credentials):",
            "et la demande (OAuth 2.0 client credentials) :",
            "und die Anfrage (OAuth 2.0 Client Credentials):",
            "and the request (OAuth 2.0 client credentials):",
        ],
    ),
    ("ch.guide.answer", ["Het antwoord:", "La réponse :", "Die Antwort:", "The answer:"]),
    (
        "ch.guide.call",
        [
            "Stuur het token mee bij elke oproep van de API:",
            "Envoyez le jeton à chaque appel de l'API :",
            "Senden Sie das Token bei jedem Aufruf der API mit:",
            "Send the token with every call of the API:",
        ],
    ),
    (
        "ch.guide.rotate",
        [
            "Voor het certificaat verloopt: maak een nieuwe sleutel en een nieuw certificaat, voeg het toe aan het account, schakel het systeem over en trek het oude in.",
            "Avant l'expiration du certificat : créez une nouvelle clé et un nouveau certificat, ajoutez-le au compte, basculez le système, puis révoquez l'ancien.",
            "Bevor das Zertifikat abläuft: Erzeugen Sie einen neuen Schlüssel und ein neues Zertifikat, fügen Sie es dem Konto hinzu, stellen Sie das System um und widerrufen Sie das alte.",
            "Before the certificate expires: make a new key and certificate, add it to the account, switch the system over, then revoke the old one.",
        ],
    ),
];
