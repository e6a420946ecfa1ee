//! The HTTP server's accept loop: axum's router on hyper's HTTP/1.1
//! connections, with the time limits a public service needs. `axum::serve`
//! sets none, so a client that sends half a request line, or announces a
//! body it never sends, held its connection and task for ever.
//!
//! The limits are kept by one watchdog per connection that looks, every few
//! seconds, at counters the connection moves (bytes read and written,
//! requests begun and finished), not by a timer per request: hyper's
//! `header_read_timeout` or a `tokio::time::timeout` around each request
//! halved the requests per second of a trivial route on a 2-core machine
//! (`ciao bench registrations`' HTTP ceiling: 60,000 against 30,000–35,000).

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tower::ServiceExt;

/// The server's time limits.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// How long a client may take, after connecting or after its previous
    /// answer, to send a whole request line and headers (so also how long an
    /// idle keep-alive connection is kept): 30 s.
    pub header_read: Duration,
    /// How long a request may take from its headers to the start of its
    /// answer (reading a body that trickles in, or never arrives in full,
    /// included): 60 s.
    pub request: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self { header_read: Duration::from_secs(30), request: Duration::from_secs(60) }
    }
}

/// What a connection has done, counted as it goes (relaxed atomics: the
/// watchdog only needs to see that they move).
#[derive(Default)]
struct Activity {
    written: AtomicU64,
    begun: AtomicU64,
    finished: AtomicU64,
}

/// Counts a request finished when its handling ends, answered or dropped.
struct Finished(Arc<Activity>);

impl Drop for Finished {
    fn drop(&mut self) {
        self.0.finished.fetch_add(1, Ordering::Relaxed);
    }
}

/// The socket, counting the bytes the server writes.
struct Watched {
    stream: tokio::net::TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Watched {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        let written = Pin::new(&mut self.stream).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = written {
            self.activity.written.fetch_add(n as u64, Ordering::Relaxed);
        }
        written
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let written = Pin::new(&mut self.stream).poll_write_vectored(cx, bufs);
        if let Poll::Ready(Ok(n)) = written {
            self.activity.written.fetch_add(n as u64, Ordering::Relaxed);
        }
        written
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// The watchdog's view of a connection between two looks.
struct Watchdog {
    activity: Arc<Activity>,
    timeouts: Timeouts,
    seen: (u64, u64, u64),
    /// Since when the connection has been waiting for a request (no request
    /// in hand, and nothing written since).
    waiting_since: Instant,
    /// When the request in hand began, if nothing was written since.
    unanswered_since: Option<Instant>,
}

impl Watchdog {
    fn new(activity: Arc<Activity>, timeouts: Timeouts) -> Self {
        Self { activity, timeouts, seen: (0, 0, 0), waiting_since: Instant::now(), unanswered_since: None }
    }

    /// Whether the connection is stalled: no request line and headers within
    /// the header limit after the previous answer, or a request begun and
    /// not answered within the request limit.
    fn stalled(&mut self, now: Instant) -> bool {
        let a = &self.activity;
        let now_seen =
            (a.written.load(Ordering::Relaxed), a.begun.load(Ordering::Relaxed), a.finished.load(Ordering::Relaxed));
        let (written, begun, finished) = now_seen;
        if begun != self.seen.1 {
            // A new request since the last look: it is what is waited for now.
            self.unanswered_since = Some(now);
        }
        if written != self.seen.0 {
            // Something was answered: the client is not kept waiting.
            self.unanswered_since = None;
            self.waiting_since = now;
        }
        if begun > finished {
            self.waiting_since = now;
        } else if begun != self.seen.1 || finished != self.seen.2 {
            self.waiting_since = now;
            self.unanswered_since = None;
        }
        self.seen = now_seen;
        let in_hand = begun > finished;
        (in_hand && self.unanswered_since.is_some_and(|t| now - t >= self.timeouts.request))
            || (!in_hand && now - self.waiting_since >= self.timeouts.header_read)
    }
}

/// Responses hold personal data (SSINs, presences), so none is stored by a
/// browser or a proxy unless its route says otherwise.
async fn no_store_by_default(mut response: axum::response::Response) -> axum::response::Response {
    let too_large = response.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE;
    let headers = response.headers_mut();
    if !headers.contains_key(axum::http::header::CACHE_CONTROL) {
        headers.insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    }
    // A body refused for its size is left unread: the connection cannot
    // carry another request, and the client must not reuse it.
    if too_large {
        headers.insert(axum::http::header::CONNECTION, axum::http::HeaderValue::from_static("close"));
    }
    response
}

/// The longest request target (path and query) served, in bytes. The
/// longest addresses ciao builds itself, the employer's registrations
/// filtered and paged, are about 1 KiB (`employer::registrations_filter`
/// refuses a filter whose address would not fit). hyper itself answers an
/// empty 414 above 65,534.
pub const MAX_TARGET_BYTES: usize = 8 * 1024;
/// The most header fields a request may have: under hyper's own limit of
/// 100, above which it answers an empty 431 (a higher limit in hyper costs
/// two allocations per request).
pub const MAX_HEADER_FIELDS: usize = 64;
/// The most bytes a request's header fields may take (names, values and
/// their separators). hyper itself answers an empty 431 when a request's
/// head does not fit its read buffer (about 400 KiB).
pub const MAX_HEADER_BYTES: usize = 32 * 1024;

/// Refuses a request whose target or header fields are over the limits
/// above, before its handler: 414 or 431 with a problem (a page in the
/// web areas) naming the limit, and the connection closed (what else the
/// client sent is not read). A layer of [`crate::router`], so that the
/// refusal is counted, marked in the simulation and not stored by caches
/// like any other answer.
pub async fn refuse_oversized_head(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::StatusCode;
    use axum::response::IntoResponse;
    let target = request.uri().path_and_query().map_or(0, |p| p.as_str().len());
    let fields = request.headers().len();
    let (status, code, key, max, detail) = if target > MAX_TARGET_BYTES {
        let detail = format!("the request target (path and query) takes {target} bytes; at most {MAX_TARGET_BYTES}");
        (StatusCode::URI_TOO_LONG, "request.targetTooLong", "web.target_too_long", MAX_TARGET_BYTES, detail)
    } else if fields > MAX_HEADER_FIELDS {
        let detail = format!("the request has {fields} header fields; at most {MAX_HEADER_FIELDS}");
        let status = StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE;
        (status, "request.tooManyHeaderFields", "web.too_many_header_fields", MAX_HEADER_FIELDS, detail)
    } else {
        // (Counted here, not by a closure over the request: a reference to
        // it held across the handler's await would make the future !Send.)
        let bytes: usize = request.headers().iter().map(|(n, v)| n.as_str().len() + v.len() + 4).sum();
        if bytes <= MAX_HEADER_BYTES {
            return next.run(request).await;
        }
        let detail = format!("the request's header fields take {bytes} bytes; at most {MAX_HEADER_BYTES}");
        let status = StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE;
        (status, "request.headerFieldsTooLarge", "web.header_fields_too_large", MAX_HEADER_BYTES, detail)
    };
    // The problem's type and title, and the page's title, by status.
    let (kind, title, page_title) = if status == StatusCode::URI_TOO_LONG {
        ("ciao:uriTooLong", "URI Too Long", "web.target_too_long_title")
    } else {
        ("ciao:requestHeaderFieldsTooLarge", "Request Header Fields Too Large", "web.header_fields_title")
    };
    let mut response = if crate::workplace::is_page_path(request.uri().path()) {
        crate::workplace::too_large_page(request.headers(), request.uri(), status, (page_title, key), max)
    } else {
        crate::problem::Problem::new(status, kind, title, detail).with_code(code).into_response()
    };
    response.headers_mut().insert(axum::http::header::CONNECTION, axum::http::HeaderValue::from_static("close"));
    response
}

/// Whether reading a body failed on its length limit (and not because the
/// body was malformed or the client went away).
pub(crate) fn is_length_limit(e: &axum::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if c.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        cause = c.source();
    }
    false
}

/// Serves until `shutdown` completes, then lets the open connections finish
/// the requests they are in.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: crate::AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, state, shutdown, Timeouts::default()).await
}

/// [`serve`] with other time limits.
pub async fn serve_with(
    listener: tokio::net::TcpListener,
    state: crate::AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    timeouts: Timeouts,
) -> std::io::Result<()> {
    serve_router(listener, crate::router(state), shutdown, timeouts).await
}

/// [`serve_with`] for a router built by the caller from [`crate::router`]
/// (the benchmark adds a route of its own): the same accept loop and limits.
pub async fn serve_router(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    timeouts: Timeouts,
) -> std::io::Result<()> {
    let app = router.layer(axum::middleware::map_response(no_store_by_default));
    // The watchdog looks four times per shortest limit, at most every 5 s.
    let look_every = (timeouts.header_read.min(timeouts.request) / 4).min(Duration::from_secs(5));
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, a connection reset before it
                    // was accepted: wait a moment rather than spin.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let activity = Arc::new(Activity::default());
        let app = app.clone();
        let counted = activity.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
            counted.begun.fetch_add(1, Ordering::Relaxed);
            let finished = Finished(counted.clone());
            let handled = app.clone().oneshot(request.map(axum::body::Body::new));
            async move {
                let _finished = finished;
                handled.await
            }
        });
        let connection = hyper::server::conn::http1::Builder::new()
            .serve_connection(TokioIo::new(Watched { stream, activity: activity.clone() }), service);
        let connection = graceful.watch(connection);
        let mut watchdog = Watchdog::new(activity, timeouts);
        tokio::spawn(async move {
            let mut connection = std::pin::pin!(connection);
            let mut looks = tokio::time::interval(look_every);
            looks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    ended = connection.as_mut() => {
                        if let Err(e) = ended {
                            tracing::debug!(error = %e, "connection ended with an error");
                        }
                        break;
                    }
                    now = looks.tick() => if watchdog.stalled(now.into_std()) {
                        // Dropping the connection closes it.
                        tracing::debug!(%peer, "closing a stalled connection");
                        break;
                    }
                }
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}
