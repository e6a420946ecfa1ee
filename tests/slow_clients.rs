//! Clients that send too slowly, or announce more than they send, are not
//! waited for: the server answers or closes within its time limits and
//! keeps serving the others. (The HTTP layer's limits do not depend on the
//! database, so SQLite alone.)

mod common;

use std::time::{Duration, Instant};

use ciao_http::{AppState, Timeouts};
use common::{Backend, TestApp, seed};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const REGISTER: &str = "/REST/presenceRegistration/v1/presenceRegistrations/registerInBulk";

/// Sends `request` as it is, then reads until the server answers and
/// closes, or `patience` runs out; returns what was read and when the
/// connection ended (None: still open).
async fn exchange(addr: &str, request: &[u8], patience: Duration) -> (String, Option<Duration>) {
    let started = Instant::now();
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(patience.saturating_sub(started.elapsed()), stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (String::from_utf8_lossy(&answer).into_owned(), Some(started.elapsed())),
            Ok(Ok(n)) => answer.extend_from_slice(&buf[..n]),
            Err(_) => return (String::from_utf8_lossy(&answer).into_owned(), None),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_and_lying_clients_are_not_waited_for() {
    let Some(app) = TestApp::spawn(Backend::Sqlite).await else { return };
    let w = seed(&app).await;
    let token = app.bearer(&w.e1).await;
    // A second server on the same service, with short limits.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let timeouts = Timeouts { header_read: Duration::from_secs(1), request: Duration::from_secs(2) };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(ciao_http::serve_with(
        listener,
        AppState::new(app.service.clone()),
        async move {
            let _ = stopped.await;
        },
        timeouts,
    ));

    // Half a request line and headers, never finished: the connection is
    // closed after the header limit.
    let (_, closed) =
        exchange(&addr, format!("POST {REGISTER} HTTP/1.1\r\nHost: x\r\nAuthori").as_bytes(), Duration::from_secs(10))
            .await;
    let closed = closed.expect("the server closed the connection");
    assert!(closed >= Duration::from_millis(900) && closed < Duration::from_secs(5), "{closed:?}");

    // A body shorter than announced: closed after the request limit.
    let partial = format!(
        "POST {REGISTER} HTTP/1.1\r\nHost: x\r\nAuthorization: {token}\r\nContent-Type: application/json\r\n\
         Content-Length: 100\r\n\r\n{{\"items\":"
    );
    let (answer, closed) = exchange(&addr, partial.as_bytes(), Duration::from_secs(10)).await;
    assert!(answer.is_empty(), "{answer}");
    assert!(closed.is_some_and(|t| t >= Duration::from_millis(1900) && t < Duration::from_secs(4)), "{closed:?}");

    // An idle keep-alive connection is closed after the header limit; one
    // that keeps asking is served as long as it asks.
    let ping = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
    let mut stream = TcpStream::connect(&addr).await.unwrap();
    let started = Instant::now();
    let mut buf = [0u8; 4096];
    let mut idle = Instant::now();
    for i in 0..6 {
        if i > 0 {
            tokio::time::sleep(Duration::from_millis(400)).await;
        }
        stream.write_all(ping.as_bytes()).await.unwrap();
        let n = stream.read(&mut buf).await.unwrap();
        idle = Instant::now();
        assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    }
    assert!(started.elapsed() > Duration::from_secs(2), "served past the limits while it asked");
    let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf)).await.expect("closed").unwrap_or(0);
    assert_eq!(n, 0);
    assert!(idle.elapsed() >= Duration::from_millis(900), "{:?}", idle.elapsed());

    // A body announced larger than the limit: refused at once, unread.
    let huge = format!(
        "POST {REGISTER} HTTP/1.1\r\nHost: x\r\nAuthorization: {token}\r\nContent-Type: application/json\r\n\
         Content-Length: 99999999999\r\n\r\n{{}}"
    );
    let (answer, closed) = exchange(&addr, huge.as_bytes(), Duration::from_secs(10)).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    // The rest of the body is not read: the connection is closed, and the
    // client told so, so that it does not send its next request on it.
    assert!(answer.to_lowercase().contains("connection: close"), "{answer}");
    assert!(closed.is_some_and(|t| t < Duration::from_millis(900)), "{closed:?}");

    // A malformed chunked body is a bad request, not a large one.
    let chunked = format!(
        "POST {REGISTER} HTTP/1.1\r\nHost: x\r\nAuthorization: {token}\r\nContent-Type: application/json\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n"
    );
    let (answer, _) = exchange(&addr, chunked.as_bytes(), Duration::from_secs(10)).await;
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("the body could not be read"), "{answer}");

    // Meanwhile the server serves the others.
    let health = app.client.get(format!("http://{addr}/health")).send().await.unwrap();
    assert_eq!(health.status().as_u16(), 200);
    let _ = stop.send(());
    tokio::time::timeout(Duration::from_secs(10), server).await.expect("stops").unwrap().unwrap();
    app.finish().await;
}

/// A request target or header fields over the server's limits: 414 or 431
/// with a body that names the limit (a problem for the API, a page in the
/// request's language in the web areas), the connection closed; just under
/// the limits, the request is served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_heads_are_refused_naming_the_limit() {
    use ciao_http::{MAX_HEADER_BYTES, MAX_HEADER_FIELDS, MAX_TARGET_BYTES};
    let Some(app) = TestApp::spawn(Backend::Sqlite).await else { return };
    let addr = app.root.trim_start_matches("http://").to_string();
    let patience = Duration::from_secs(10);
    let get = |target: &str, headers: &str| format!("GET {target} HTTP/1.1\r\nHost: x\r\n{headers}\r\n");

    // The API: a target one byte over the limit.
    let path = "/REST/presenceRegistration/v1/presenceRegistrations?";
    let over = format!("{path}{}", "a".repeat(MAX_TARGET_BYTES + 1 - path.len()));
    let (answer, closed) = exchange(&addr, get(&over, "").as_bytes(), patience).await;
    assert!(answer.starts_with("HTTP/1.1 414"), "{answer}");
    assert!(answer.contains("application/problem+json"), "{answer}");
    assert!(answer.contains("\"code\":\"request.targetTooLong\""), "{answer}");
    assert!(answer.contains(&format!("takes {} bytes; at most {MAX_TARGET_BYTES}", MAX_TARGET_BYTES + 1)), "{answer}");
    assert!(answer.to_lowercase().contains("connection: close"), "{answer}");
    assert!(answer.to_lowercase().contains("cache-control: no-store"), "{answer}");
    assert!(closed.is_some_and(|t| t < Duration::from_secs(5)), "{closed:?}");
    // At the limit it reaches the router (401: no token).
    let at = format!("{path}{}", "a".repeat(MAX_TARGET_BYTES - path.len()));
    let (answer, _) = exchange(&addr, get(&at, "Connection: close\r\n").as_bytes(), patience).await;
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");

    // Too many header fields (Host and these; hyper alone would answer an
    // empty 431 above 100).
    let many: String = (0..MAX_HEADER_FIELDS).map(|i| format!("X-Field-{i}: x\r\n")).collect();
    let (answer, _) = exchange(&addr, get("/health", &many).as_bytes(), patience).await;
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer}");
    assert!(answer.contains("\"code\":\"request.tooManyHeaderFields\""), "{answer}");
    let fields = MAX_HEADER_FIELDS + 1;
    assert!(answer.contains(&format!("has {fields} header fields; at most {MAX_HEADER_FIELDS}")), "{answer}");
    // Header fields too large together.
    let big = format!("Cookie: {}\r\n", "c".repeat(MAX_HEADER_BYTES));
    let (answer, _) = exchange(&addr, get("/health", &big).as_bytes(), patience).await;
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer}");
    assert!(answer.contains("\"code\":\"request.headerFieldsTooLarge\""), "{answer}");
    // Under both limits: served.
    let (answer, _) = exchange(&addr, get("/health", "X-Small: x\r\nConnection: close\r\n").as_bytes(), patience).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    // A page: the refusal is a page in the language asked for.
    let page = format!("/w?lang=fr&q={}", "a".repeat(MAX_TARGET_BYTES));
    let (answer, _) = exchange(&addr, get(&page, "").as_bytes(), patience).await;
    assert!(answer.starts_with("HTTP/1.1 414"), "{answer}");
    assert!(answer.contains("text/html"), "{answer}");
    assert!(
        answer.contains(&format!("L'adresse de cette page est trop longue : {MAX_TARGET_BYTES} octets au plus")),
        "{answer}"
    );
    let (answer, _) = exchange(&addr, get("/w", &format!("Accept-Language: de\r\n{big}")).as_bytes(), patience).await;
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer}");
    assert!(answer.contains(&format!("höchstens {MAX_HEADER_BYTES} Bytes")), "{answer}");
    app.finish().await;
}
