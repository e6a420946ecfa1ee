//! The load generator: `concurrency` clients, each with its own keep-alive
//! HTTP/1.1 connection (hyper, no pool between them), sending one request
//! after the other for a warm-up and then a measured window. A request
//! counts when its answer arrived inside the window; its latency (send to
//! last byte of the body) goes to the client's histogram.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1;
use hyper::{Method, Request, header};
use hyper_util::rt::TokioIo;

use super::hist::Histogram;
use super::server::{busiest_threads, cpu_seconds, disk_written_bytes, thread_cpu_seconds};

/// One request to send.
pub struct Req {
    pub method: Method,
    pub path: String,
    pub authorization: Option<Arc<str>>,
    pub content_type: Option<&'static str>,
    pub body: Bytes,
}

/// Builds the `seq`-th request of client `client`.
pub type MakeRequest = Arc<dyn Fn(usize, u64) -> Req + Send + Sync>;
/// Checks an answer (status, body): the items it carried, or what is wrong.
pub type CheckAnswer = Arc<dyn Fn(u16, &[u8]) -> Result<u64, String> + Send + Sync>;

#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub concurrency: usize,
    pub seconds: f64,
    pub requests: u64,
    pub items: u64,
    pub errors: u64,
    pub first_error: Option<String>,
    pub latency: Histogram,
    /// CPU seconds used during the window by this process (server and
    /// load generator) and by the whole machine.
    pub cpu_process: f64,
    pub cpu_machine: f64,
    /// Bytes written to the machine's disks during the window.
    pub disk_written: u64,
    /// The threads of this process that used the most CPU during the
    /// window: (name, cores), busiest first.
    pub busiest_threads: Vec<(String, f64)>,
}

impl Outcome {
    /// CPU time per item, in µs, of a thread (or the process) that used
    /// `cores` over the window.
    pub fn cpu_us_per_item(&self, cores: f64) -> f64 {
        cores * 1e6 / self.items_per_second().max(1e-9)
    }

    pub fn requests_per_second(&self) -> f64 {
        self.requests as f64 / self.seconds.max(1e-9)
    }

    pub fn items_per_second(&self) -> f64 {
        self.items as f64 / self.seconds.max(1e-9)
    }
}

struct ClientResult {
    requests: u64,
    items: u64,
    errors: u64,
    first_error: Option<String>,
    latency: Histogram,
}

pub async fn connect(addr: SocketAddr) -> anyhow::Result<http1::SendRequest<Full<Bytes>>> {
    let stream = tokio::net::TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (sender, conn) = http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(sender)
}

async fn one(
    sender: &mut http1::SendRequest<Full<Bytes>>,
    host: &str,
    r: Req,
    check: &CheckAnswer,
) -> Result<Result<u64, String>, anyhow::Error> {
    let mut b = Request::builder().method(r.method).uri(r.path).header(header::HOST, host);
    if let Some(a) = &r.authorization {
        b = b.header(header::AUTHORIZATION, a.as_ref());
    }
    if let Some(ct) = r.content_type {
        b = b.header(header::CONTENT_TYPE, ct);
    }
    let req = b.body(Full::new(r.body))?;
    sender.ready().await?;
    let res = sender.send_request(req).await?;
    let status = res.status().as_u16();
    let body = res.into_body().collect().await?.to_bytes();
    Ok(check(status, &body))
}

async fn client(
    i: usize,
    addr: SocketAddr,
    measure_from: Instant,
    end: Instant,
    make: MakeRequest,
    check: CheckAnswer,
) -> ClientResult {
    let host = addr.to_string();
    let mut out = ClientResult { requests: 0, items: 0, errors: 0, first_error: None, latency: Histogram::default() };
    let mut sender = None;
    let mut seq = 0u64;
    let fail = |out: &mut ClientResult, counted: bool, e: String| {
        if counted {
            out.errors += 1;
        }
        if out.first_error.is_none() {
            out.first_error = Some(e);
        }
    };
    while Instant::now() < end {
        if sender.is_none() {
            match connect(addr).await {
                Ok(s) => sender = Some(s),
                Err(e) => {
                    fail(&mut out, Instant::now() >= measure_from, format!("connect: {e}"));
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            }
        }
        let Some(s) = sender.as_mut() else { continue };
        let req = make(i, seq);
        seq += 1;
        let t = Instant::now();
        let result = one(s, &host, req, &check).await;
        let done = Instant::now();
        let counted = done >= measure_from && done < end;
        match result {
            Ok(Ok(items)) => {
                if counted {
                    out.requests += 1;
                    out.items += items;
                    out.latency.record(done.duration_since(t).as_micros() as u64);
                }
            }
            Ok(Err(e)) => {
                if counted {
                    out.requests += 1;
                    out.latency.record(done.duration_since(t).as_micros() as u64);
                }
                fail(&mut out, counted, e);
            }
            Err(e) => {
                sender = None;
                fail(&mut out, counted, format!("request: {e}"));
            }
        }
    }
    out
}

/// Drives the load and gathers what the clients saw.
pub async fn drive(
    addr: SocketAddr,
    concurrency: usize,
    warmup: f64,
    seconds: f64,
    make: MakeRequest,
    check: CheckAnswer,
) -> Outcome {
    let concurrency = concurrency.max(1);
    let start = Instant::now();
    let measure_from = start + Duration::from_secs_f64(warmup.max(0.0));
    let end = measure_from + Duration::from_secs_f64(seconds.max(0.01));
    let tasks: Vec<_> = (0..concurrency)
        .map(|i| tokio::spawn(client(i, addr, measure_from, end, make.clone(), check.clone())))
        .collect();
    // CPU over the measured window.
    tokio::time::sleep_until(measure_from.into()).await;
    let cpu0 = cpu_seconds();
    let (threads0, read0) = (thread_cpu_seconds(), Instant::now());
    let disk0 = disk_written_bytes();
    tokio::time::sleep_until(end.into()).await;
    let cpu1 = cpu_seconds();
    let (threads1, read1) = (thread_cpu_seconds(), Instant::now());
    let disk1 = disk_written_bytes();
    let mut out =
        Outcome { concurrency, seconds: end.duration_since(measure_from).as_secs_f64(), ..Outcome::default() };
    out.cpu_process = cpu1.0 - cpu0.0;
    out.cpu_machine = cpu1.1 - cpu0.1;
    out.disk_written = disk1.saturating_sub(disk0);
    // Over the time between the two readings (the waking task may be late).
    out.busiest_threads = busiest_threads(&threads0, &threads1, (read1 - read0).as_secs_f64(), 4);
    for t in tasks {
        match t.await {
            Ok(r) => {
                out.requests += r.requests;
                out.items += r.items;
                out.errors += r.errors;
                out.latency.add(&r.latency);
                if out.first_error.is_none() {
                    out.first_error = r.first_error;
                }
            }
            Err(e) => {
                out.errors += 1;
                out.first_error.get_or_insert_with(|| format!("client task: {e}"));
            }
        }
    }
    out
}

/// How often `needle` occurs in `haystack` (not overlapping). With SIMD
/// (`memchr`): the load generator shares the cores with the server, and
/// a byte-by-byte scan of each 50-row search answer was 3 % of the
/// benchmark process's samples (`perf`).
pub fn occurrences(haystack: &[u8], needle: &[u8]) -> u64 {
    if needle.is_empty() {
        return 0;
    }
    memchr::memmem::find_iter(haystack, needle).count() as u64
}

/// Times a closure that runs for a window: a rate (per second) measured like
/// the HTTP runs, for the ceilings that need no HTTP.
pub struct Window {
    pub start: Instant,
    pub cpu0: (f64, f64),
    pub disk0: u64,
}

impl Window {
    pub fn open() -> Self {
        Self { start: Instant::now(), cpu0: cpu_seconds(), disk0: disk_written_bytes() }
    }

    /// Bytes written to the machine's disks since opened.
    pub fn disk_written(&self) -> u64 {
        disk_written_bytes().saturating_sub(self.disk0)
    }

    /// (seconds, process CPU seconds, machine CPU seconds) since opened.
    pub fn close(&self) -> (f64, f64, f64) {
        let cpu1 = cpu_seconds();
        (self.start.elapsed().as_secs_f64(), cpu1.0 - self.cpu0.0, cpu1.1 - self.cpu0.1)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_occurrences() {
        assert_eq!(super::occurrences(b"abcabcab", b"abc"), 2);
        assert_eq!(super::occurrences(b"aaaa", b"aa"), 2);
        assert_eq!(super::occurrences(b"", b"a"), 0);
    }
}
