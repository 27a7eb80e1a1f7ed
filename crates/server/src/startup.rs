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
    metrics_listener: Option<TcpListener>,
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
            let report = seed::apply(&core, &doc)
                .await
                .map_err(|e| anyhow::anyhow!("applying seed file {}: {e}", path.display()))?;
            tracing::info!(
                created = report.created.len(),
                updated = report.updated.len(),
                unchanged = report.unchanged,
                "seed file applied"
            );
            if let Some(emu) = &core.emulator {
                let _ = emu.start_seed.set(doc.clone());
            }
            // Secrets generated for apps declared without one exist nowhere else: show them once.
            for (client_id, secret) in &report.generated_secrets {
                println!("seed: generated clientSecret for {client_id}: {secret}");
            }
        }
        let demo = if config.demo {
            Some(
                demo::ensure(&core)
                    .await
                    .map_err(|e| anyhow::anyhow!("demo world: {e}"))?,
            )
        } else {
            None
        };
        let listener = TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("binding {}", config.listen))?;
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
        Ok(Self {
            listener,
            core,
            router,
            demo,
            metrics_listener,
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

    /// The demo world, when `--demo` was given.
    pub fn demo(&self) -> Option<&demo::DemoWorld> {
        self.demo.as_ref()
    }

    /// Serves until `shutdown` completes, then lets in-flight requests finish.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        if let Some(listener) = self.metrics_listener {
            let router = crate::http::metrics_router(self.core.clone());
            // Lives as long as the runtime; it holds no request state worth draining.
            tokio::spawn(async move {
                if let Err(e) = axum::serve(listener, router).await {
                    tracing::error!(error = %e, "metrics listener failed");
                }
            });
        }
        let served = axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await;
        // Queued audit events (token issuance) are written before the process ends.
        self.core.audit.flush().await;
        served
    }
}

/// Completes on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutdown requested; finishing in-flight requests");
}
