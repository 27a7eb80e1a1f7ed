//! The load loop: a fixed number of keep-alive connections send requests back to back for an
//! unmeasured warm-up and then a fixed measured duration; every latency goes into an
//! HdrHistogram (µs, 3 significant digits).

use std::{
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

use anyhow::Result;
use hdrhistogram::Histogram;

use crate::{
    client::{self, Sender},
    report::Report,
    scenario::{Plan, Worker},
    server::rss_kb,
};

/// Load settings of one measurement.
#[derive(Clone, Copy, Debug)]
pub struct Load {
    /// Keep-alive connections, one request in flight on each.
    pub connections: usize,
    /// Unmeasured seconds first.
    pub warmup: f64,
    /// Measured seconds.
    pub duration: f64,
}

struct Shared {
    measuring: AtomicBool,
    stop: AtomicBool,
    counter: AtomicU64,
    /// When the first connection found its pool used up (the measured window ends there).
    exhausted: Mutex<Option<Instant>>,
}

struct ConnResult {
    hist: Histogram<u64>,
    requests: u64,
    errors: u64,
    first_error: Option<String>,
}

fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000, 3).expect("histogram bounds")
}

async fn run_connection(plan: Arc<Plan>, conn: usize, shared: Arc<Shared>) -> ConnResult {
    let mut r = ConnResult {
        hist: histogram(),
        requests: 0,
        errors: 0,
        first_error: None,
    };
    let mut worker = Worker::new(plan.clone(), conn);
    let mut sender: Option<Sender> = None;
    let expected = plan.scenario.expected_status();
    while !shared.stop.load(Ordering::Relaxed) {
        let n = shared.counter.fetch_add(1, Ordering::Relaxed);
        let req = match worker.next(n).await {
            Ok(Some(req)) => req,
            Ok(None) => {
                shared
                    .exhausted
                    .lock()
                    .expect("lock")
                    .get_or_insert_with(Instant::now);
                shared.stop.store(true, Ordering::Relaxed);
                break;
            }
            Err(e) => {
                r.errors += 1;
                r.first_error
                    .get_or_insert(format!("preparing a request: {e:#}"));
                break;
            }
        };
        let started = Instant::now();
        let outcome = async {
            if sender.is_none() {
                sender = Some(client::connect(&plan.addr).await?);
            }
            client::send(sender.as_mut().expect("connected"), req).await
        }
        .await;
        let micros = started.elapsed().as_micros() as u64;
        let error = match outcome {
            Ok((status, body)) if status == expected => worker.check(&body),
            Ok((status, body)) => Some(format!(
                "status {status}, expected {expected}: {}",
                String::from_utf8_lossy(&body)
            )),
            Err(e) => {
                sender = None;
                Some(format!("{e:#}"))
            }
        };
        if !shared.measuring.load(Ordering::Relaxed) {
            continue;
        }
        r.requests += 1;
        r.hist.saturating_record(micros.max(1));
        if let Some(e) = error {
            r.errors += 1;
            r.first_error.get_or_insert(e);
        }
    }
    r
}

/// Runs one scenario under `load`; `pid` is the server whose RSS is read before and after.
pub async fn run(plan: Plan, load: Load, pid: Option<u32>) -> Result<Report> {
    let scenario = plan.scenario;
    let plan = Arc::new(plan);
    let shared = Arc::new(Shared {
        measuring: AtomicBool::new(false),
        stop: AtomicBool::new(false),
        counter: AtomicU64::new(0),
        exhausted: Mutex::new(None),
    });
    let rss_before_kb = rss_kb(pid);
    let tasks: Vec<_> = (0..load.connections)
        .map(|conn| tokio::spawn(run_connection(plan.clone(), conn, shared.clone())))
        .collect();
    // Sleep in small steps so a pool that runs out ends the run at once.
    let until = |secs: f64| {
        let shared = shared.clone();
        async move {
            let end = Instant::now() + Duration::from_secs_f64(secs);
            while Instant::now() < end && !shared.stop.load(Ordering::Relaxed) {
                tokio::time::sleep(Duration::from_millis(10).min(end - Instant::now())).await;
            }
        }
    };
    until(load.warmup).await;
    let warm_exhausted = shared.stop.load(Ordering::Relaxed);
    shared.measuring.store(true, Ordering::Relaxed);
    let started = Instant::now();
    until(load.duration).await;
    // Requests still in flight when the time is up finish and are counted.
    shared.stop.store(true, Ordering::Relaxed);
    let mut hist = histogram();
    let (mut requests, mut errors, mut first_error) = (0, 0, None);
    for t in tasks {
        let r = t.await?;
        hist.add(&r.hist)?;
        requests += r.requests;
        errors += r.errors;
        if first_error.is_none() {
            first_error = r.first_error;
        }
    }
    let exhausted = *shared.exhausted.lock().expect("lock");
    let seconds = match exhausted {
        Some(at) if at > started => (at - started).as_secs_f64(),
        _ => started.elapsed().as_secs_f64(),
    };
    let note = match exhausted {
        Some(_) if warm_exhausted => {
            Some("the prepared pool ran out during the warm-up".to_owned())
        }
        Some(_) => Some(format!(
            "the prepared pool ran out after {seconds:.1} s of the {} s",
            load.duration
        )),
        None => None,
    };
    let ms = |q: f64| hist.value_at_quantile(q) as f64 / 1000.0;
    Ok(Report {
        id: scenario.id(),
        scenario: scenario.name(),
        connections: load.connections,
        seconds,
        requests,
        errors,
        first_error,
        note,
        rps: if seconds > 0.0 {
            requests as f64 / seconds
        } else {
            0.0
        },
        p50_ms: ms(0.50),
        p90_ms: ms(0.90),
        p99_ms: ms(0.99),
        max_ms: hist.max() as f64 / 1000.0,
        rss_before_kb,
        rss_after_kb: rss_kb(pid),
        ratio_to_baseline: None,
        ratio_to_bare: None,
        wrk: None,
        runs_rps: Vec::new(),
    })
}
