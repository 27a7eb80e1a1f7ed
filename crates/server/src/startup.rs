//! Start-up: open storage, apply the seed and demo world, bind, serve until told to stop.
//!
//! [`Application::build`] binds before it returns, so a caller (a test with `127.0.0.1:0`)
//! learns the real address from [`Application::local_addr`] before serving starts.

use std::{future::Future, net::SocketAddr, sync::Arc};

use anyhow::Context;
use tokio::net::TcpListener;

use crate::{
    config::Config,
    service::{demo, seed},
    Core,
};

/// A bound, ready-to-serve server.
pub struct Application {
    listener: TcpListener,
    core: Arc<Core>,
    router: axum::Router,
    demo: Option<demo::DemoWorld>,
    base_url: String,
    metrics_listener: Option<TcpListener>,
    connections: crate::config::ConnectionsConfig,
}

impl Application {
    /// Opens storage, migrates, applies the seed file and the demo world, and binds.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let core = Arc::new(Core::open(&config).await?);
        if let Some(path) = &config.seed {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading seed file {}", path.display()))?;
            let doc = seed::parse(&text)
                .map_err(|e| anyhow::anyhow!("seed file {}: {e}", path.display()))?;
            let report = seed::apply(&core, &crate::Origin::operator(), &doc)
                .await
                .map_err(|e| anyhow::anyhow!("applying seed file {}: {e}", path.display()))?;
            tracing::info!(
                created = report.created.len(),
                updated = report.updated.len(),
                unchanged = report.unchanged,
                "seed file applied"
            );
            if let Some(emu) = &core.emulator {
                let _ = emu.start_seed.set(text.clone());
            }
            // Secrets generated for apps declared without one exist nowhere else: show them once.
            for (client_id, secret) in &report.generated_secrets {
                println!("seed: generated clientSecret for {client_id}: {secret}");
            }
        }
        let listener = TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("binding {}", config.listen))?;
        // After binding: the demo's internal app registers the origins pages are served from.
        let demo = if config.demo {
            let origins = demo::page_origins(config.public_url.as_deref(), listener.local_addr()?);
            if let Some(emu) = &core.emulator {
                let _ = emu.demo_origins.set(origins.clone());
            }
            Some(
                demo::ensure(&core, &crate::Origin::operator(), &origins)
                    .await
                    .map_err(|e| anyhow::anyhow!("demo world: {e}"))?,
            )
        } else {
            None
        };
        let router = crate::http::router(core.clone());
        let metrics_listener = match config.metrics_listen {
            Some(addr) => Some(
                TcpListener::bind(addr)
                    .await
                    .with_context(|| format!("binding metrics_listen {addr}"))?,
            ),
            None => None,
        };
        tracing::info!(
            addr = %listener.local_addr()?,
            backend = core.store.backend(),
            admin_api = core.admin_key_hash.is_some(),
            "opending listening"
        );
        warn_about_exposure(&config);
        let base_url = match &config.public_url {
            Some(u) => u.clone(),
            None => demo::page_origins(None, listener.local_addr()?).swap_remove(0),
        };
        Ok(Self {
            listener,
            core,
            router,
            demo,
            base_url,
            metrics_listener,
            connections: config.connections.clone(),
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("bound listener has an address")
    }

    /// The address of the separate metrics listener, when `metrics_listen` is set.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_listener
            .as_ref()
            .and_then(|l| l.local_addr().ok())
    }

    /// The shared state (tests use it to reach the clock and storage).
    pub fn core(&self) -> Arc<Core> {
        self.core.clone()
    }

    /// Where a browser on this machine reaches the server: the public URL when configured, else
    /// the bound address (`127.0.0.1` for a wildcard one).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The demo world, when `--demo` was given.
    pub fn demo(&self) -> Option<&demo::DemoWorld> {
        self.demo.as_ref()
    }

    /// Serves until `shutdown` completes, then lets in-flight requests finish.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let limits = self.connections.clone();
        let dispatcher = crate::delivery::start(self.core.clone());
        if let Some(listener) = self.metrics_listener {
            let router = crate::http::metrics_router(self.core.clone());
            let limits = limits.clone();
            // Lives as long as the runtime; it holds no request state worth draining.
            tokio::spawn(serve(listener, router, limits, std::future::pending()));
        }
        let served = serve(self.listener, self.router, limits, shutdown).await;
        // Deliveries stop with the server; unacknowledged events stay in the outbox, leased
        // until their lease runs out, and Stream clients are told to go (they reconnect to
        // another instance, or to this one when it is back).
        dispatcher.abort();
        for conn in self.core.stream.all() {
            conn.close();
        }
        // Queued audit events (token issuance) are written before the process ends.
        self.core.audit.flush().await;
        served
    }
}

/// Serves HTTP/1.1 on `listener` until `shutdown` completes, then waits for the open
/// connections' in-flight requests (what `axum::serve` does, plus the `[connections]` limits):
///
/// * at most `limits.max` connections at once: the next is accepted only when one closes, so
///   a crowd of slow clients queues in the kernel instead of taking memory and tasks;
/// * a client must send a request's headers within `limits.header_read_timeout_ms` of the
///   server waiting for them (hyper's timer), on the first request and between kept-alive
///   requests alike, so a connection that trickles one byte at a time or sits idle is closed.
///
/// Every request carries the peer address as `ConnectInfo<SocketAddr>`, as before.
async fn serve(
    listener: TcpListener,
    router: axum::Router,
    limits: crate::config::ConnectionsConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tower::ServiceExt as _;

    let slots = Arc::new(tokio::sync::Semaphore::new(limits.max));
    // Graceful shutdown by hand (hyper-util's helper does not take upgradeable connections):
    // `stopping` tells each connection to finish its request and close; every connection task
    // holds a clone of `alive`, so `drained` ends when the last one has.
    let (stopping, _) = tokio::sync::watch::channel(false);
    let (alive, mut drained) = tokio::sync::mpsc::channel::<()>(1);
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(std::time::Duration::from_millis(
            limits.header_read_timeout_ms,
        ))
        .keep_alive(true);
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            () = &mut shutdown => break,
            slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
        };
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait a moment, as axum::serve does.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let service =
            hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
                req.extensions_mut()
                    .insert(axum::extract::ConnectInfo(peer));
                router.clone().oneshot(req.map(axum::body::Body::new))
            });
        // Upgrades: Stream mode's WebSocket (`/connect`). An upgraded connection leaves this
        // accept loop's slot and header timeout; `[events]` bounds those.
        let conn = http
            .serve_connection(TokioIo::new(stream), service)
            .with_upgrades();
        let mut stop = stopping.subscribe();
        let alive = alive.clone();
        tokio::spawn(async move {
            tokio::pin!(conn);
            // A client that goes away or times out is the normal end of a connection.
            let stopped = tokio::select! {
                _ = conn.as_mut() => false,
                r = stop.wait_for(|s| *s) => r.is_ok(),
            };
            if stopped {
                conn.as_mut().graceful_shutdown();
                let _ = conn.await;
            }
            drop(slot);
            drop(alive);
        });
    }
    drop(listener);
    let _ = stopping.send(true);
    drop(alive);
    let _ = drained.recv().await;
    Ok(())
}

/// The warnings every start prints about how the server is exposed: an emulator's open
/// control API, and a hash key kept only in the database it protects.
fn warn_about_exposure(config: &Config) {
    if config.emulator.enabled {
        tracing::warn!(
            listen = %config.listen,
            remote_allowed = config.emulator.allow_remote,
            "emulator mode: the control API under /_opending/ has no authentication; anyone who \
             can reach this address can mint tokens and rewrite data"
        );
    }
    let persistent = !config.memory && !config.emulator.enabled;
    if persistent && config.hash_key.is_none() {
        tracing::warn!(
            "no hash_key configured: the key that protects every stored secret and token hash \
             is kept in the database beside them, so a copy of the database is enough to check \
             guesses against them. Set hash_key (OPENDING_HASH_KEY, 64 hex digits; see \
             docs/security.md, \"Secrets at rest\"): a new one (`openssl rand -hex 32`) before a \
             database's first start, or the one this database holds (its `meta` row `hash_key`)"
        );
    }
}

/// A future that completes on SIGINT or SIGTERM. The handlers are installed when this is
/// called, not when the future is first polled, so a signal that arrives between start-up
/// announcing its address and the server running is still a clean shutdown (call it before
/// announcing).
pub fn shutdown_signal() -> impl std::future::Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    let term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    #[cfg(unix)]
    let interrupt = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()).ok();
    async move {
        #[cfg(unix)]
        {
            let wait = |s: Option<tokio::signal::unix::Signal>| async move {
                match s {
                    Some(mut s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                () = wait(term) => {},
                () = wait(interrupt) => {},
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
        tracing::info!("shutdown requested; finishing in-flight requests");
    }
}
