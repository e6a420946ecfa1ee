//! A small W3C WebDriver client for browser tests: it starts its own
//! chromedriver on a free port, which drives a headless Chromium with a fresh
//! profile and a phone-sized window.
//!
//! Include it with `#[path = "common/webdriver.rs"] mod webdriver;`. Every
//! method panics with a clear message on a WebDriver error (this is test
//! code). The chromedriver process, the browser session and the temporary
//! profile are cleaned up when the [`Browser`] is dropped, also when a test
//! panics.
//!
//! Without Chromium the tests are skipped, except in CI (the `CI` variable is
//! set), where they are mandatory. The accessibility check needs axe-core:
//! `npm install --prefix target/axe-core axe-core@4`, or `CIAO_AXE_CORE`
//! pointing at an `axe.min.js`.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};

/// The Chromium binary the tests drive.
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// The default window: a phone (CSS pixels).
pub const PHONE: (u32, u32) = (412, 915);
/// How long `find`, `wait_for_text` and chromedriver's start-up may take.
pub const WAIT: Duration = Duration::from_secs(10);
/// The timeout of each HTTP call to chromedriver.
const HTTP_TIMEOUT: Duration = Duration::from_secs(60);
const POLL: Duration = Duration::from_millis(100);
/// The W3C key of an element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";
/// The WCAG rule sets the accessibility check runs.
pub const AXE_TAGS: [&str; 5] = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

static PROFILES: AtomicU64 = AtomicU64::new(0);

fn in_ci() -> bool {
    std::env::var_os("CI").is_some()
}

/// chromedriver in PATH, else in /usr/bin.
fn find_chromedriver() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/bin")])
        .map(|dir| dir.join("chromedriver"))
        .find(|p| p.is_file())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("no free local port").port()
}

/// A WebDriver error response.
#[derive(Debug)]
pub struct WebDriverError {
    pub status: u16,
    pub error: String,
    pub message: String,
}

impl std::fmt::Display for WebDriverError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HTTP {} {}: {}", self.status, self.error, self.message)
    }
}

/// Owns what must go away even when a test panics: the session (deleted with
/// a blocking request, which also quits Chromium), the chromedriver process
/// and the temporary profile.
struct Guard {
    child: Child,
    port: u16,
    session: Mutex<Option<String>>,
    profile: PathBuf,
}

impl Guard {
    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.profile.join("chromedriver.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    /// The live processes (Linux) of this browser: those whose command line
    /// holds its profile, and all their descendants.
    fn browser_processes(&self) -> Vec<u32> {
        let marker = format!("--user-data-dir={}", self.profile.join("user-data").display());
        let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
        // (pid, parent, has the marker) of every live process.
        let processes: Vec<(u32, u32, bool)> = entries
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
            .filter_map(|pid| {
                let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
                // "pid (comm) state ppid ...", comm may hold spaces and parentheses.
                let mut fields = stat[stat.rfind(')')? + 1..].split_whitespace();
                let state = fields.next()?;
                let parent = fields.next()?.parse().ok()?;
                let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
                let marked = cmdline.split(|&b| b == 0).any(|arg| arg == marker.as_bytes());
                (state != "Z" && state != "X").then_some((pid, parent, marked))
            })
            .collect();
        let mut tree: Vec<u32> = processes.iter().filter(|p| p.2).map(|p| p.0).collect();
        let mut i = 0;
        while i < tree.len() {
            let parent = tree[i];
            for &(pid, ppid, _) in &processes {
                if ppid == parent && !tree.contains(&pid) {
                    tree.push(pid);
                }
            }
            i += 1;
        }
        tree
    }

    /// `DELETE /session/{id}` without an async runtime (used from Drop).
    fn delete_session_blocking(&self, id: &str) {
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_secs(2)) else { return };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
        let _ = stream.set_write_timeout(Some(Duration::from_secs(2)));
        let request = format!(
            "DELETE /session/{id} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.port
        );
        // chromedriver answers once the browser has quit (and may keep the
        // connection open): the first bytes of the answer are enough.
        if stream.write_all(request.as_bytes()).is_ok() {
            let mut answer = [0u8; 512];
            let _ = stream.read(&mut answer);
        }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        let session = self.session.lock().ok().and_then(|mut s| s.take());
        if let Some(id) = session
            && matches!(self.child.try_wait(), Ok(None))
        {
            self.delete_session_blocking(&id);
        }
        // Killing chromedriver leaves Chromium running: end what is left of
        // it (when the session could not be deleted, or is still quitting).
        let _ = self.child.kill();
        let _ = self.child.wait();
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let pids = self.browser_processes();
            if pids.is_empty() || Instant::now() > deadline {
                break;
            }
            let _ =
                Command::new("kill").arg("-KILL").args(pids.iter().map(u32::to_string)).stderr(Stdio::null()).status();
            std::thread::sleep(Duration::from_millis(20));
        }
        // A dying process may still write into its profile: retry (blocking: this is Drop).
        let deadline = Instant::now() + Duration::from_secs(2);
        while std::fs::remove_dir_all(&self.profile).is_err() && self.profile.exists() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// A headless Chromium driven through chromedriver.
pub struct Browser {
    http: reqwest::Client,
    /// `http://127.0.0.1:PORT/session/ID`
    session_url: String,
    session_id: String,
    test_name: String,
    screenshots: AtomicU32,
    guard: Guard,
}

impl Browser {
    /// Starts chromedriver and a browser session. None (after printing
    /// "SKIPPED: <test>: chromium/chromedriver not installed") when Chromium or
    /// chromedriver is missing, unless `CI` is set: then it panics, since
    /// browser tests are mandatory in CI.
    pub async fn start(test_name: &str) -> Option<Browser> {
        let driver = find_chromedriver();
        if driver.is_none() || !Path::new(CHROMIUM).is_file() {
            assert!(
                !in_ci(),
                "CI is set but {CHROMIUM} or chromedriver is missing: the browser tests are mandatory in CI \
                 (apt-get install chromium chromium-driver)"
            );
            println!("SKIPPED: {test_name}: chromium/chromedriver not installed");
            return None;
        }
        let driver = driver.unwrap_or_default();
        let http = reqwest::Client::builder().timeout(HTTP_TIMEOUT).build().expect("an HTTP client");
        // The free port may be taken between picking and binding: try a few.
        let mut failures = Vec::new();
        for _ in 0..3 {
            match Self::spawn_driver(&driver, &http).await {
                Ok(guard) => return Some(Self::new_session(test_name, http, guard).await),
                Err(e) => failures.push(e),
            }
        }
        panic!("chromedriver ({}) did not start:\n{}", driver.display(), failures.join("\n---\n"));
    }

    async fn spawn_driver(driver: &Path, http: &reqwest::Client) -> Result<Guard, String> {
        let profile = std::env::temp_dir().join(format!(
            "ciao-chromium-{}-{}-{}",
            std::process::id(),
            PROFILES.fetch_add(1, Ordering::Relaxed),
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().subsec_nanos()
        ));
        std::fs::create_dir_all(profile.join("user-data")).map_err(|e| format!("{}: {e}", profile.display()))?;
        let port = free_port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", profile.join("chromedriver.log").display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let child = match child {
            Ok(c) => c,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&profile);
                return Err(format!("cannot run {}: {e}", driver.display()));
            }
        };
        let mut guard = Guard { child, port, session: Mutex::new(None), profile };
        let status_url = format!("http://127.0.0.1:{port}/status");
        let deadline = Instant::now() + WAIT;
        loop {
            if let Ok(Some(exit)) = guard.child.try_wait() {
                return Err(format!("chromedriver exited ({exit}) on port {port}:\n{}", guard.log_tail()));
            }
            let status = http.get(&status_url).timeout(Duration::from_secs(2)).send().await;
            if let Ok(r) = status
                && let Ok(v) = r.json::<Value>().await
                && v["value"]["ready"] == json!(true)
            {
                return Ok(guard);
            }
            if Instant::now() > deadline {
                return Err(format!("chromedriver on port {port} not ready after {WAIT:?}:\n{}", guard.log_tail()));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn new_session(test_name: &str, http: reqwest::Client, guard: Guard) -> Browser {
        let (width, height) = PHONE;
        let args = [
            "--headless".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--disable-dev-shm-usage".into(),
            format!("--user-data-dir={}", guard.profile.join("user-data").display()),
            format!("--window-size={width},{height}"),
        ];
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "acceptInsecureCerts": true,
            "timeouts": {"implicit": 0, "pageLoad": 30_000, "script": 30_000},
            "goog:chromeOptions": {"binary": CHROMIUM, "args": args},
        }}});
        let base = format!("http://127.0.0.1:{}", guard.port);
        let response = http.post(format!("{base}/session")).json(&capabilities).send().await;
        let value = match response {
            Ok(r) => match Self::decode(r).await {
                Ok(v) => v,
                Err(e) => panic!("cannot start Chromium: {e}\nchromedriver log:\n{}", guard.log_tail()),
            },
            Err(e) => panic!("cannot start Chromium: {e}\nchromedriver log:\n{}", guard.log_tail()),
        };
        let session_id = value["sessionId"].as_str().unwrap_or_else(|| panic!("no sessionId in {value}")).to_string();
        if let Ok(mut s) = guard.session.lock() {
            *s = Some(session_id.clone());
        }
        let browser = Browser {
            http,
            session_url: format!("{base}/session/{session_id}"),
            session_id,
            test_name: test_name.to_string(),
            screenshots: AtomicU32::new(0),
            guard,
        };
        browser.set_window_size(width, height).await;
        browser
    }

    /// The `value` of a WebDriver answer, or its error.
    async fn decode(response: reqwest::Response) -> Result<Value, WebDriverError> {
        let status = response.status().as_u16();
        let text = response.text().await.map_err(|e| WebDriverError {
            status,
            error: "unreadable response".into(),
            message: e.to_string(),
        })?;
        let body: Value = serde_json::from_str(&text).map_err(|_| WebDriverError {
            status,
            error: "not JSON".into(),
            message: text.chars().take(500).collect(),
        })?;
        let value = body.get("value").cloned().unwrap_or(Value::Null);
        if status == 200 {
            Ok(value)
        } else {
            Err(WebDriverError {
                status,
                error: value["error"].as_str().unwrap_or("unknown error").to_string(),
                message: value["message"].as_str().unwrap_or_default().to_string(),
            })
        }
    }

    /// One WebDriver command on this session (`path` relative to it).
    pub async fn try_command(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, WebDriverError> {
        let url = format!("{}{path}", self.session_url);
        let mut request = self.http.request(method.clone(), &url);
        if let Some(b) = body {
            request = request.json(&b);
        } else if method == reqwest::Method::POST {
            request = request.json(&json!({}));
        }
        match request.send().await {
            Ok(r) => Self::decode(r).await,
            Err(e) => {
                Err(WebDriverError { status: 0, error: "no answer from chromedriver".into(), message: e.to_string() })
            }
        }
    }

    /// Like `try_command`, panicking on an error.
    pub async fn command(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let what = format!("{method} {path}");
        self.try_command(method, path, body).await.unwrap_or_else(|e| panic!("WebDriver {what} failed: {e}"))
    }

    async fn get(&self, path: &str) -> Value {
        self.command(reqwest::Method::GET, path, None).await
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        self.command(reqwest::Method::POST, path, Some(body)).await
    }

    pub fn session_id(&self) -> &str {
        &self.session_id
    }

    /// The process id of this browser's chromedriver.
    pub fn driver_pid(&self) -> u32 {
        self.guard.child.id()
    }

    /// The temporary directory of this browser (profile, chromedriver.log);
    /// removed on drop.
    pub fn profile_dir(&self) -> &Path {
        &self.guard.profile
    }

    /// The process ids (Linux) of this browser's Chromium processes.
    pub fn chromium_pids(&self) -> Vec<u32> {
        self.guard.browser_processes()
    }

    pub async fn goto(&self, url: &str) {
        self.post("/url", json!({"url": url})).await;
    }

    pub async fn current_url(&self) -> String {
        self.get("/url").await.as_str().unwrap_or_default().to_string()
    }

    pub async fn title(&self) -> String {
        self.get("/title").await.as_str().unwrap_or_default().to_string()
    }

    pub async fn page_source(&self) -> String {
        self.get("/source").await.as_str().unwrap_or_default().to_string()
    }

    fn element_id(value: &Value) -> String {
        value[ELEMENT].as_str().unwrap_or_else(|| panic!("not an element reference: {value}")).to_string()
    }

    async fn try_find(&self, css: &str) -> Result<String, WebDriverError> {
        let value = self
            .try_command(reqwest::Method::POST, "/element", Some(json!({"using": "css selector", "value": css})))
            .await?;
        Ok(Self::element_id(&value))
    }

    /// Waits (polling, up to 10 s) until an element matches the CSS selector;
    /// returns its element id.
    pub async fn find(&self, css: &str) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            match self.try_find(css).await {
                Ok(id) => return id,
                Err(e) if e.error == "no such element" && Instant::now() < deadline => tokio::time::sleep(POLL).await,
                Err(e) => panic!("no element matches {css:?} after {WAIT:?} on {}: {e}", self.current_url().await),
            }
        }
    }

    /// The elements matching the CSS selector now (no waiting).
    pub async fn find_all(&self, css: &str) -> Vec<String> {
        let value = self.post("/elements", json!({"using": "css selector", "value": css})).await;
        value.as_array().map(|a| a.iter().map(Self::element_id).collect()).unwrap_or_default()
    }

    /// Runs an element command on the first match of `css`, finding it again
    /// while it is stale or not yet interactable (up to 10 s).
    async fn on_element(&self, css: &str, method: reqwest::Method, what: &str, body: Option<Value>) -> Value {
        let deadline = Instant::now() + WAIT;
        loop {
            let id = self.find(css).await;
            match self.try_command(method.clone(), &format!("/element/{id}{what}"), body.clone()).await {
                Ok(v) => return v,
                Err(e)
                    if matches!(
                        e.error.as_str(),
                        "stale element reference" | "element not interactable" | "element click intercepted"
                    ) && Instant::now() < deadline =>
                {
                    tokio::time::sleep(POLL).await
                }
                Err(e) => panic!("WebDriver {method} {what} on {css:?} failed: {e}"),
            }
        }
    }

    pub async fn click(&self, css: &str) {
        self.on_element(css, reqwest::Method::POST, "/click", None).await;
    }

    /// Clears the field, then types `text` into it.
    pub async fn type_into(&self, css: &str, text: &str) {
        self.on_element(css, reqwest::Method::POST, "/clear", None).await;
        self.on_element(css, reqwest::Method::POST, "/value", Some(json!({"text": text}))).await;
    }

    /// The visible text of the first match.
    pub async fn text(&self, css: &str) -> String {
        self.on_element(css, reqwest::Method::GET, "/text", None).await.as_str().unwrap_or_default().to_string()
    }

    pub async fn attribute(&self, css: &str, name: &str) -> Option<String> {
        let value = self.on_element(css, reqwest::Method::GET, &format!("/attribute/{name}"), None).await;
        value.as_str().map(str::to_string)
    }

    /// Polls (up to 10 s) until the first match's visible text contains
    /// `needle`; panics with the last text seen.
    pub async fn wait_for_text(&self, css: &str, needle: &str) {
        let deadline = Instant::now() + WAIT;
        let mut last = None;
        loop {
            if let Ok(id) = self.try_find(css).await
                && let Ok(v) = self.try_command(reqwest::Method::GET, &format!("/element/{id}/text"), None).await
            {
                let text = v.as_str().unwrap_or_default().to_string();
                if text.contains(needle) {
                    return;
                }
                last = Some(text);
            }
            if Instant::now() > deadline {
                match last {
                    Some(t) => panic!("{css:?} does not contain {needle:?} after {WAIT:?}; its text: {t:?}"),
                    None => panic!("no element matches {css:?} after {WAIT:?} (waiting for {needle:?})"),
                }
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Runs a script (a function body; `arguments` holds `args`) and returns
    /// its result.
    pub async fn execute(&self, script: &str, args: Vec<Value>) -> Value {
        self.post("/execute/sync", json!({"script": script, "args": args})).await
    }

    /// Runs an asynchronous script: it ends by calling the last argument with
    /// its result.
    pub async fn execute_async(&self, script: &str, args: Vec<Value>) -> Value {
        self.post("/execute/async", json!({"script": script, "args": args})).await
    }

    /// Saves a PNG of the viewport to target/screenshots/<test>/<NN>-<step>.png
    /// and returns its path.
    pub async fn screenshot(&self, step: &str) -> PathBuf {
        let value = self.get("/screenshot").await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(value.as_str().unwrap_or_default())
            .unwrap_or_else(|e| panic!("screenshot {step}: not base64: {e}"));
        let n = self.screenshots.fetch_add(1, Ordering::Relaxed) + 1;
        let clean = |s: &str| -> String {
            s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '-' }).collect()
        };
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots").join(clean(&self.test_name));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let path = dir.join(format!("{n:02}-{}.png", clean(step)));
        std::fs::write(&path, png).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        path
    }

    /// Sets the viewport to `width` x `height` CSS pixels (device pixel ratio
    /// 1). Below 600 pixels wide the page is shown as on a phone: a mobile
    /// viewport (`<meta name="viewport">` applies) with touch input. Chromium
    /// keeps its window at least 500 pixels wide, so this emulates the size
    /// (Emulation.setDeviceMetricsOverride) rather than resizing the window;
    /// it lasts across navigations.
    pub async fn set_window_size(&self, width: u32, height: u32) {
        let mobile = width < 600;
        self.post("/window/rect", json!({"width": width.max(500), "height": height})).await;
        self.cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile}),
        )
        .await;
        self.cdp("Emulation.setTouchEmulationEnabled", json!({"enabled": mobile, "maxTouchPoints": 5})).await;
    }

    /// Sends a Chrome DevTools Protocol command (chromedriver's
    /// `goog/cdp/execute`) and returns its result.
    pub async fn cdp(&self, command: &str, params: Value) -> Value {
        self.post("/goog/cdp/execute", json!({"cmd": command, "params": params})).await
    }

    /// Adds a CTAP2 virtual authenticator (internal, resident keys, user
    /// verification that succeeds, presence simulated); returns its id.
    pub async fn add_virtual_authenticator(&self) -> String {
        let value = self
            .post(
                "/webauthn/authenticator",
                json!({
                    "protocol": "ctap2",
                    "transport": "internal",
                    "hasResidentKey": true,
                    "hasUserVerification": true,
                    "isUserVerified": true,
                    "automaticPresenceSimulation": true,
                }),
            )
            .await;
        value.as_str().unwrap_or_else(|| panic!("no authenticator id in {value}")).to_string()
    }

    /// The number of credentials stored in a virtual authenticator.
    pub async fn authenticator_credentials(&self, authenticator_id: &str) -> usize {
        let value = self.get(&format!("/webauthn/authenticator/{authenticator_id}/credentials")).await;
        value.as_array().unwrap_or_else(|| panic!("not a list of credentials: {value}")).len()
    }

    /// Runs axe-core's WCAG 2.0/2.1/2.2 A and AA rules on the current page;
    /// returns the violations (each with id, impact, help, helpUrl and nodes
    /// with target, html and failureSummary). Empty, after a notice, when
    /// axe-core is not installed outside CI.
    pub async fn axe(&self) -> Vec<Value> {
        let path = axe_core_path();
        let Ok(source) = std::fs::read_to_string(&path) else {
            assert!(
                !in_ci(),
                "CI is set but axe-core is missing at {}: the accessibility checks are mandatory in CI \
                 (npm install --prefix target/axe-core axe-core@4)",
                path.display()
            );
            static NOTICE: std::sync::Once = std::sync::Once::new();
            NOTICE.call_once(|| {
                println!("SKIPPED axe check: axe-core not installed (npm install --prefix target/axe-core axe-core@4)")
            });
            return Vec::new();
        };
        let loaded = self.execute(&format!("{source}\n;return typeof window.axe;"), vec![]).await;
        assert_eq!(loaded, json!("object"), "axe-core did not load from {}", path.display());
        let result = self
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 window.axe
                   .run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations']})
                   .then(r => done({violations: r.violations.map(v => ({
                       id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                       nodes: v.nodes.map(n => ({target: n.target, html: n.html, failureSummary: n.failureSummary})),
                   }))}))
                   .catch(e => done({error: String(e)}));",
                vec![json!(AXE_TAGS)],
            )
            .await;
        match result["violations"].as_array() {
            Some(v) => v.clone(),
            None => panic!("axe-core failed: {result}"),
        }
    }

    /// Panics listing each violation (id, impact, help, targets) when axe-core
    /// finds any on the current page; `page` names it in the message.
    pub async fn assert_accessible(&self, page: &str) {
        let violations = self.axe().await;
        assert!(
            violations.is_empty(),
            "{page} ({}) has {} accessibility violation(s):\n{}",
            self.current_url().await,
            violations.len(),
            format_violations(&violations)
        );
    }

    /// The cookies of the current page.
    pub async fn cookies(&self) -> Vec<Value> {
        self.get("/cookie").await.as_array().cloned().unwrap_or_default()
    }

    pub async fn back(&self) {
        self.post("/back", json!({})).await;
    }

    pub async fn refresh(&self) {
        self.post("/refresh", json!({})).await;
    }

    /// Ends the session (Chromium quits); chromedriver is stopped on drop.
    pub async fn close(self) {
        let session = self.guard.session.lock().ok().and_then(|mut s| s.take());
        if session.is_some() {
            self.command(reqwest::Method::DELETE, "", None).await;
        }
    }
}

/// Where axe-core is read from: `CIAO_AXE_CORE`, else
/// target/axe-core/node_modules/axe-core/axe.min.js.
pub fn axe_core_path() -> PathBuf {
    match std::env::var_os("CIAO_AXE_CORE") {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("target/axe-core/node_modules/axe-core/axe.min.js"),
    }
}

/// One line per violation (`id (impact): help <url>`), then one per
/// element: its CSS selector, its HTML (shortened) and what to fix.
pub fn format_violations(violations: &[Value]) -> String {
    let mut out = String::new();
    for v in violations {
        out.push_str(&format!(
            "- {} ({}): {} <{}>\n",
            v["id"].as_str().unwrap_or("?"),
            v["impact"].as_str().unwrap_or("?"),
            v["help"].as_str().unwrap_or("?"),
            v["helpUrl"].as_str().unwrap_or_default()
        ));
        for node in v["nodes"].as_array().into_iter().flatten() {
            // A selector per frame or shadow root on the way to the element.
            let target: Vec<String> = node["target"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|t| t.as_str().map(str::to_string).unwrap_or_else(|| t.to_string()))
                .collect();
            let html: String = node["html"].as_str().unwrap_or_default().chars().take(120).collect();
            let summary: Vec<&str> = node["failureSummary"]
                .as_str()
                .unwrap_or_default()
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect();
            out.push_str(&format!("    {}  {html}\n      {}\n", target.join(" >> "), summary.join("; ")));
        }
    }
    out
}
