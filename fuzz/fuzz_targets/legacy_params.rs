//! The legacy (oapi) parameters: a query string merged with a JSON or form body
//! (`LegacyParams::parse`), and the signed-call checks run on what they yield.
#![no_main]

use libfuzzer_sys::fuzz_target;
use opending_server::http::body::LegacyParams;

fuzz_target!(|data: &[u8]| {
    // The first line is the query, the rest the body.
    let split = data.iter().position(|b| *b == b'\n').unwrap_or(data.len());
    let query = String::from_utf8_lossy(&data[..split]);
    let body = data.get(split + 1..).unwrap_or_default();
    if let Ok(p) = LegacyParams::parse(&query, body) {
        assert!(p.0.len() <= opending_server::http::body::MAX_LEGACY_PARAMS);
        let ts = p.get("timestamp").unwrap_or("");
        let _ = opending_domain::isv::check_timestamp(ts, 1_700_000_000_000);
        let _ = opending_domain::isv::signature_matches(
            "secret",
            ts,
            p.get("suiteTicket").unwrap_or(""),
            p.get("signature").unwrap_or(""),
        );
    }
});
