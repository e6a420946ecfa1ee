//! A browser without JavaScript for the page tests: forms, cookies kept by
//! hand, redirects not followed (so a test sees each 303 and its cookie).

use super::TestApp;

pub struct WebClient {
    pub http: reqwest::Client,
    pub root: String,
    pub cookies: Vec<(String, String)>,
}

pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub content_type: String,
    pub bytes: Vec<u8>,
    /// The body as text (lossy UTF-8).
    pub body: String,
}

impl Page {
    pub fn body(&self) -> String {
        self.body.clone()
    }
}

pub const BOUNDARY: &str = "----ciao-test-boundary-5f1c9a";

/// A `multipart/form-data` body: text fields, then optionally a file in the
/// field `certificate`.
pub fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    if let Some((filename, bytes)) = file {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"certificate\"; filename=\"{filename}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

impl WebClient {
    pub fn new(app: &TestApp) -> Self {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Self { http, root: app.root.clone(), cookies: Vec::new() }
    }

    pub fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    pub fn has_cookie(&self, name: &str) -> bool {
        self.cookies.iter().any(|(k, _)| k == name)
    }

    pub async fn page(&mut self, r: reqwest::Response) -> Page {
        for v in r.headers().get_all("set-cookie") {
            let v = v.to_str().unwrap();
            let (k, val) = v.split(';').next().unwrap().split_once('=').unwrap();
            self.cookies.retain(|(n, _)| n != k);
            if !val.is_empty() && !v.contains("Max-Age=0") {
                self.cookies.push((k.to_string(), val.to_string()));
            }
        }
        let status = r.status().as_u16();
        let location = r.headers().get("location").map(|v| v.to_str().unwrap().to_string());
        let content_type = r.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
        let bytes = r.bytes().await.unwrap().to_vec();
        let body = String::from_utf8_lossy(&bytes).into_owned();
        Page { status, location, content_type, bytes, body }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let r =
            self.http.get(format!("{}{path}", self.root)).header("cookie", self.cookie_header()).send().await.unwrap();
        self.page(r).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let r = self
            .http
            .post(format!("{}{path}", self.root))
            .header("cookie", self.cookie_header())
            .form(form)
            .send()
            .await
            .unwrap();
        self.page(r).await
    }

    /// A multipart form, as a browser sends the forms with a file.
    pub async fn post_multipart(&mut self, path: &str, fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> Page {
        self.post_raw(path, &format!("multipart/form-data; boundary={BOUNDARY}"), multipart(fields, file)).await
    }

    pub async fn post_raw(&mut self, path: &str, content_type: &str, body: Vec<u8>) -> Page {
        let r = self
            .http
            .post(format!("{}{path}", self.root))
            .header("cookie", self.cookie_header())
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        self.page(r).await
    }
}

/// The value of the first `name="…" value="…"` input of a page (as written).
pub fn input(body: &str, name: &str) -> String {
    let needle = format!("name=\"{name}\" value=\"");
    let start = body.find(&needle).unwrap_or_else(|| panic!("no input {name} in {body}")) + needle.len();
    body[start..start + body[start..].find('"').unwrap()].to_string()
}

pub fn unescape(s: &str) -> String {
    s.replace("&amp;", "&").replace("&quot;", "\"").replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">")
}

/// The anti-CSRF token of a signed-in employer page.
pub fn csrf(body: &str) -> String {
    input(body, "csrf")
}

/// The authenticator app's code now (+ `ahead` steps of 30 s).
pub fn code_now(secret_base32: &str, ahead: i64) -> String {
    let secret = ciao_auth::totp::base32_decode(secret_base32).unwrap();
    ciao_auth::totp::code_at_step(
        &secret,
        ciao_auth::totp::step_of(time::OffsetDateTime::now_utc().unix_timestamp()) + ahead,
    )
}

/// The employer users' session cookie.
pub const EMPLOYER_COOKIE: &str = "ciao_employer";

/// Enrols `person` (invited by the operator) in browser `b` with `password`
/// and the authenticator app's code; signed in afterwards. Returns the
/// app's secret (base32), for later codes.
pub async fn enrol_employer(
    service: &ciao_service::Service,
    b: &mut WebClient,
    person: &str,
    password: &str,
) -> String {
    let code = service.issue_employer_invitation(&super::operator(), person).await.unwrap();
    let page = b.post("/e/activate", &[("code", &code.code)]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let ticket = unescape(&input(&page.body, "ticket"));
    let secret = input(&page.body, "secret");
    let totp = code_now(&secret, 0);
    let page = b
        .post(
            "/e/activate/finish",
            &[("ticket", &ticket), ("password", password), ("password2", password), ("totp", &totp)],
        )
        .await;
    assert_eq!((page.status, page.location.as_deref()), (303, Some("/e")), "{}", page.body);
    assert!(b.has_cookie(EMPLOYER_COOKIE));
    secret
}
