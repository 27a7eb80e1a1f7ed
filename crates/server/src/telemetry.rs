//! Logging set-up: `tracing` to stderr, pretty or JSON, filtered by `log_level`
//! (overridden by `RUST_LOG` when set).

use tracing_subscriber::{
    filter::Targets, fmt, layer::SubscriberExt, util::SubscriberInitExt, EnvFilter, Layer, Registry,
};

use crate::config::LogFormat;

pub mod writer;

/// The log writer's thread; dropping it writes every line still waiting. Keep it until the
/// process ends.
#[must_use = "dropping the guard stops the log writer"]
pub struct LogGuard {
    writer: Option<(writer::Writer, std::thread::JoinHandle<()>)>,
}

impl Drop for LogGuard {
    fn drop(&mut self) {
        if let Some((writer, thread)) = self.writer.take() {
            writer.stop(thread);
        }
    }
}

/// Installs the global subscriber; a second call (tests) is a no-op.
///
/// Lines are formatted on the thread that logs them and written to stderr in batches by one
/// writer thread ([`writer`]): a request pays for formatting its line and appending it to a
/// buffer, not for a `write(2)` or a wake-up of its own. Lines still waiting when the process
/// is killed with SIGKILL are lost (at most [`writer::GATHER`]'s worth); [`LogGuard`] writes
/// them on a normal exit.
pub fn init(format: LogFormat, level: &str) -> LogGuard {
    let filter = Filter::parse(std::env::var("RUST_LOG").ok().as_deref(), level);
    // Colours only on a terminal (and never with NO_COLOR): a file, a pipe or a container log
    // gets plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr())
        && std::env::var_os("NO_COLOR").is_none();
    let Ok((writer, thread)) = writer::Writer::start(Box::new(std::io::stderr())) else {
        // No thread to be had: every line is written by the thread that logs it.
        install(format, filter, ansi, std::io::stderr);
        return LogGuard { writer: None };
    };
    if install(format, filter, ansi, writer.clone()) {
        LogGuard {
            writer: Some((writer, thread)),
        }
    } else {
        writer.stop(thread);
        LogGuard { writer: None }
    }
}

/// The log filter: [`Targets`] when the directives are only targets and levels (the usual
/// `info` or `opending_server=debug,warn`), [`EnvFilter`] when they filter on spans or fields.
/// `Targets` decides from the callsite alone; `EnvFilter` also takes a lock on every span
/// entered and exited, for the span directives it might have (measured: a tenth of the CPU
/// time of a cheap route).
#[allow(clippy::large_enum_variant)] // made once, at start-up
enum Filter {
    Targets(Targets),
    Env(EnvFilter),
}

impl Filter {
    /// `RUST_LOG` when set and valid, else `level`, else `info`.
    fn parse(rust_log: Option<&str>, level: &str) -> Self {
        let directives = rust_log
            .filter(|d| EnvFilter::try_new(d).is_ok())
            .unwrap_or(level);
        // `Targets` would read `target[span{field}]` as an odd target name: span and field
        // directives go to `EnvFilter`.
        if !directives.contains('[') {
            if let Ok(t) = directives.parse::<Targets>() {
                return Filter::Targets(t);
            }
        }
        match EnvFilter::try_new(directives) {
            Ok(f) => Filter::Env(f),
            Err(_) => Filter::Targets(Targets::new().with_default(tracing::Level::INFO)),
        }
    }
}

/// Installs the global subscriber writing to `writer`; false when one was installed before.
fn install<W>(format: LogFormat, filter: Filter, ansi: bool, writer: W) -> bool
where
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    let lines = fmt::layer().with_writer(writer).with_ansi(ansi);
    let lines: Box<dyn Layer<Registry> + Send + Sync> = match format {
        LogFormat::Json => lines
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .boxed(),
        LogFormat::Pretty => lines.compact().boxed(),
    };
    let (targets, env) = match filter {
        Filter::Targets(t) => (Some(t), None),
        Filter::Env(e) => (None, Some(e)),
    };
    tracing_subscriber::registry()
        .with(lines)
        .with(targets)
        .with(env)
        .try_init()
        .is_ok()
}

/// Longest caller-chosen string put in a log line or a counter label, in bytes.
pub const MAX_LOGGED: usize = 256;

/// `s` cut to at most `max` bytes on a character boundary, with `…` appended when cut: how a
/// caller-chosen string (a path, a login, a clientId) is logged or kept, so nobody can make a
/// log line or an in-memory record as large as they like.
pub fn cut(s: &str, max: usize) -> std::borrow::Cow<'_, str> {
    if s.len() <= max {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    std::borrow::Cow::Owned(format!("{}…", &s[..end]))
}

#[cfg(test)]
mod tests {
    #[test]
    fn cut_keeps_short_strings_and_cuts_on_a_char_boundary() {
        assert_eq!(super::cut("abc", 3), "abc");
        assert_eq!(super::cut("abcd", 3), "abc…");
        assert_eq!(super::cut("钉钉", 4), "钉…");
    }

    #[test]
    fn plain_levels_use_targets_and_span_directives_use_env_filter() {
        use super::Filter;
        assert!(matches!(Filter::parse(None, "info"), Filter::Targets(_)));
        assert!(matches!(
            Filter::parse(None, "opending_server=debug,warn"),
            Filter::Targets(_)
        ));
        assert!(matches!(
            Filter::parse(Some("debug"), "info"),
            Filter::Targets(t) if t.would_enable("x", &tracing::Level::DEBUG)
        ));
        assert!(matches!(
            Filter::parse(Some("[request]=debug"), "info"),
            Filter::Env(_)
        ));
        // An invalid RUST_LOG is ignored, an invalid level falls back to info.
        assert!(matches!(
            Filter::parse(Some("=[=bad"), "warn"),
            Filter::Targets(t) if !t.would_enable("x", &tracing::Level::INFO)
                && t.would_enable("x", &tracing::Level::WARN)
        ));
        assert!(matches!(
            Filter::parse(None, "=[=bad"),
            Filter::Targets(t) if t.would_enable("x", &tracing::Level::INFO)
        ));
    }
}
