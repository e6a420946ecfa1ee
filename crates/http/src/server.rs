//! The HTTP server's accept loop: axum's router on hyper's HTTP/1.1
//! connections, with the time limits a public service needs. `axum::serve`
//! sets none, so a client that sends half a request line, or announces a
//! body it never sends, held its connection and task for ever.

use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::response::IntoResponse;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tower::ServiceExt;

/// The server's time limits.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// How long a client may take to send a request's line and headers
    /// (also how long an idle keep-alive connection waits for its next
    /// request): 30 s.
    pub header_read: Duration,
    /// How long a request may take from its headers to its answer: reading
    /// a body that trickles in, or never arrives in full, included: 60 s.
    pub request: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self { header_read: Duration::from_secs(30), request: Duration::from_secs(60) }
    }
}

/// Answers 408 to a request not read and handled within `limit`.
async fn request_deadline(
    limit: Duration,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => crate::problem::Problem::new(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            "belgif:requestTimeout",
            "Request Timeout",
            format!("the request was not received and answered within {} seconds", limit.as_secs()),
        )
        .into_response(),
    }
}

/// Responses hold personal data (SSINs, presences), so none is stored by a
/// browser or a proxy unless its route says otherwise.
async fn no_store_by_default(mut response: axum::response::Response) -> axum::response::Response {
    let headers = response.headers_mut();
    if !headers.contains_key(axum::http::header::CACHE_CONTROL) {
        headers.insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    }
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
    let limit = timeouts.request;
    let app = router
        .layer(axum::middleware::from_fn(move |request, next| request_deadline(limit, request, next)))
        .layer(axum::middleware::map_response(no_store_by_default));
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
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
            app.clone().oneshot(request.map(axum::body::Body::new))
        });
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(timeouts.header_read)
            .serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}
