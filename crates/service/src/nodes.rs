//! The nodes serving a database: each says every few seconds that it is
//! alive (the store's `serving_nodes`), so that an operation that must not
//! run beside a serving node (the secrets key's rotation) can tell.

use time::{Duration, OffsetDateTime};

use crate::{Result, Service, ServiceError};

/// How often a serving node says it is alive.
pub const HEARTBEAT: std::time::Duration = std::time::Duration::from_secs(5);

/// A node not heard of for this long counts as stopped (killed without
/// removing its row, or cut off from the database).
pub const ALIVE_WITHIN: Duration = Duration::seconds(20);

/// A node's name among the nodes: host, process id, start, and which
/// server of this process (tests run several in one).
pub fn node_name(started_at: OffsetDateTime) -> String {
    static SERVERS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = SERVERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".into());
    let pid = std::process::id();
    let started = started_at.unix_timestamp();
    if n == 0 { format!("{host}:{pid}:{started}") } else { format!("{host}:{pid}:{started}:{n}") }
}

impl Service {
    /// Says that this node serves the database (before it returns, so that
    /// the node is known as soon as it answers), then again every
    /// [`HEARTBEAT`] until aborted; [`Service::node_stopped`] removes its row.
    pub async fn start_node_heartbeat(&self, node: String) -> Result<tokio::task::JoinHandle<()>> {
        let started_at = self.now();
        self.store().node_seen(&node, started_at, started_at).await?;
        let service = self.clone();
        Ok(tokio::spawn(async move {
            let mut tick = tokio::time::interval(HEARTBEAT);
            tick.tick().await; // the first tick is now: just written
            loop {
                tick.tick().await;
                if let Err(e) = service.store().node_seen(&node, started_at, service.now()).await {
                    tracing::warn!(error = %e, "the node's heartbeat was not written");
                }
            }
        }))
    }

    /// This node stops serving: its row goes.
    pub async fn node_stopped(&self, node: &str) -> Result<()> {
        Ok(self.store().node_gone(node).await?)
    }

    /// The nodes heard of within [`ALIVE_WITHIN`], with when.
    pub async fn live_nodes(&self) -> Result<Vec<(String, OffsetDateTime)>> {
        Ok(self.store().live_nodes(self.now() - ALIVE_WITHIN).await?)
    }

    /// Refuses `what` while a node serves the database (unless `force`),
    /// naming the nodes.
    pub async fn require_no_serving_node(&self, what: &str, force: bool) -> Result<()> {
        if force {
            return Ok(());
        }
        let live = self.live_nodes().await?;
        if live.is_empty() {
            return Ok(());
        }
        let names: Vec<String> = live
            .iter()
            .map(|(n, at)| format!("{n} (last heard of {})", ciao_domain::clock::format_brussels(*at)))
            .collect();
        Err(ServiceError::conflict(
            "denied.nodesServing",
            format!(
                "{what} needs every node stopped, and {} still serve{} this database: {}; stop {}, or wait {} s after a \
             node was killed (give --force only if you are sure none runs)",
                live.len(),
                if live.len() == 1 { "s" } else { "" },
                names.join(", "),
                if live.len() == 1 { "it" } else { "them" },
                ALIVE_WITHIN.whole_seconds()
            ),
        ))
    }
}
