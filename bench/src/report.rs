//! The figures of a scenario, the median of several runs, and the Markdown table.

use serde::Serialize;

/// The measured figures of one scenario (one run, or the median run of several).
#[derive(Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// Scenario letter.
    pub id: &'static str,
    /// What it measures.
    pub scenario: &'static str,
    /// Connections.
    pub connections: usize,
    /// Measured seconds.
    pub seconds: f64,
    /// Requests completed in the measured window.
    pub requests: u64,
    /// Transport errors and answers other than the expected one.
    pub errors: u64,
    /// The first error seen.
    pub first_error: Option<String>,
    /// Anything the reader must know (a pool that ran out).
    pub note: Option<String>,
    /// Requests per second.
    pub rps: f64,
    /// Latency percentiles and maximum, ms.
    pub p50_ms: f64,
    /// p90, ms.
    pub p90_ms: f64,
    /// p99, ms.
    pub p99_ms: f64,
    /// max, ms.
    pub max_ms: f64,
    /// The server's (or the peer's) RSS before, kB.
    pub rss_before_kb: Option<u64>,
    /// And after.
    pub rss_after_kb: Option<u64>,
    /// req/s over the baseline z's of the same run.
    pub ratio_to_baseline: Option<f64>,
    /// req/s over bare axum's of the same run: x for a GET, y for a POST.
    pub ratio_to_bare: Option<f64>,
    /// The same request replayed by wrk in the same run: req/s and p99 (ms).
    pub wrk: Option<WrkFigures>,
    /// req/s of every run when this is the median of several.
    pub runs_rps: Vec<f64>,
}

/// What wrk measured for a scenario.
#[derive(Serialize, Debug, Clone, Copy)]
#[serde(rename_all = "camelCase")]
pub struct WrkFigures {
    /// Requests per second (wrk's `Requests/sec`).
    pub rps: f64,
    /// wrk's 99th percentile latency, ms.
    pub p99_ms: f64,
    /// Its `Non-2xx or 3xx responses` and socket errors.
    pub errors: u64,
}

/// The run with the median req/s (the lower middle for an even count), carrying every run's
/// req/s; errors are summed over all runs so none is hidden by the choice.
pub fn median(mut runs: Vec<Report>) -> Report {
    runs.sort_by(|a, b| a.rps.total_cmp(&b.rps));
    let all: Vec<f64> = runs.iter().map(|r| r.rps).collect();
    let errors: u64 = runs.iter().map(|r| r.errors).sum();
    let first_error = runs.iter().find_map(|r| r.first_error.clone());
    let note = runs.iter().find_map(|r| r.note.clone());
    let mut m = runs.swap_remove((runs.len() - 1) / 2);
    m.runs_rps = all;
    m.errors = errors;
    m.first_error = first_error;
    m.note = note;
    m
}

/// Sets every report's ratios: to the baseline z and to its bare-axum ceiling (x or y) among
/// them.
pub fn set_ratios(reports: &mut [Report], ceiling: impl Fn(&str) -> &'static str) {
    let rps = |id: &str| {
        reports
            .iter()
            .find(|r| r.id == id)
            .map(|r| r.rps)
            .filter(|v| *v > 0.0)
    };
    let baseline = rps("z");
    let ceilings: Vec<Option<f64>> = reports.iter().map(|r| rps(ceiling(r.id))).collect();
    for (r, c) in reports.iter_mut().zip(ceilings) {
        r.ratio_to_baseline = baseline.map(|b| r.rps / b);
        r.ratio_to_bare = c.map(|b| r.rps / b);
    }
}

fn mb(v: Option<u64>) -> String {
    v.map_or("–".to_owned(), |k| format!("{:.1} MB", k as f64 / 1024.0))
}

/// The Markdown table of `reports`.
pub fn table(reports: &[Report]) -> String {
    let mut md = String::from(
        "| | Scenario | req/s | × bare axum | × z | p50 ms | p90 ms | p99 ms | max ms | errors | wrk req/s | wrk p99 ms | RSS before → after | runs (req/s) |\n\
         |---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|\n",
    );
    for r in reports {
        let runs = r
            .runs_rps
            .iter()
            .map(|x| format!("{x:.0}"))
            .collect::<Vec<_>>()
            .join(", ");
        md += &format!(
            "| {} | {} | {:.0} | {} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {} | {} | {} | {} → {} | {} |\n",
            r.id,
            r.scenario,
            r.rps,
            r.ratio_to_bare.map_or("–".to_owned(), |x| format!("{x:.2}")),
            r.ratio_to_baseline
                .map_or("–".to_owned(), |x| format!("{x:.2}")),
            r.p50_ms,
            r.p90_ms,
            r.p99_ms,
            r.max_ms,
            r.errors,
            r.wrk.map_or("–".to_owned(), |w| format!("{:.0}", w.rps)),
            r.wrk.map_or("–".to_owned(), |w| format!("{:.2}", w.p99_ms)),
            mb(r.rss_before_kb),
            mb(r.rss_after_kb),
            runs,
        );
    }
    let notes: Vec<String> = reports
        .iter()
        .filter_map(|r| r.note.as_ref().map(|n| format!("- {}: {n}", r.id)))
        .collect();
    if !notes.is_empty() {
        md += "\n";
        md += &notes.join("\n");
        md += "\n";
    }
    md
}
