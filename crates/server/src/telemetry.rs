//! Logging set-up: `tracing` to stderr, pretty or JSON, filtered by `log_level`
//! (overridden by `RUST_LOG` when set).

use tracing_subscriber::{fmt, EnvFilter};

use crate::config::LogFormat;

/// Installs the global subscriber; a second call (tests) is a no-op.
pub fn init(format: LogFormat, level: &str) {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    // Colours only on a terminal (and never with NO_COLOR): a file, a pipe or a container log
    // gets plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr())
        && std::env::var_os("NO_COLOR").is_none();
    let builder = fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi);
    let _ = match format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
        LogFormat::Pretty => builder.compact().try_init(),
    };
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
