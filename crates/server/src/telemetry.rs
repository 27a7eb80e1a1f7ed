//! Logging set-up: `tracing` to stderr, pretty or JSON, filtered by `log_level`
//! (overridden by `RUST_LOG` when set).

use tracing_subscriber::{fmt, EnvFilter};

use crate::config::LogFormat;

/// The log writer's thread; dropping it writes every line still queued. Keep it until the
/// process ends.
#[must_use = "dropping the guard stops the log writer"]
pub struct LogGuard {
    _writer: Option<tracing_appender::non_blocking::WorkerGuard>,
}

/// Most lines queued for the writer thread; a request that would go past it waits (no line is
/// ever dropped: the access log stays complete).
const QUEUED_LINES: usize = 65_536;

/// Installs the global subscriber; a second call (tests) is a no-op.
///
/// Lines are formatted on the thread that logs them and written by one writer thread through a
/// 64 KiB buffer, flushed whenever the queue runs empty: a request pays for formatting its
/// line, not for a `write(2)` of its own (measured: a tenth of the throughput of a cheap route
/// when stderr is a file). Lines still queued when the process is killed with SIGKILL are lost;
/// [`LogGuard`] writes them on a normal exit.
pub fn init(format: LogFormat, level: &str) -> LogGuard {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    // Colours only on a terminal (and never with NO_COLOR): a file, a pipe or a container log
    // gets plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr())
        && std::env::var_os("NO_COLOR").is_none();
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        .buffered_lines_limit(QUEUED_LINES)
        .thread_name("opending-log")
        .finish(std::io::BufWriter::with_capacity(
            64 * 1024,
            std::io::stderr(),
        ));
    let builder = fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(ansi);
    let installed = match format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
        LogFormat::Pretty => builder.compact().try_init(),
    };
    LogGuard {
        _writer: installed.is_ok().then_some(guard),
    }
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
}
