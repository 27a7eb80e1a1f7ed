//! The introspection endpoint's `Authorization` header (Basic with form-encoded halves, or
//! Bearer), through the handler's own `caller` function.
#![no_main]

use axum::http::{header, HeaderMap, HeaderValue};
use libfuzzer_sys::fuzz_target;
use opending_server::http::{
    body::parse_json,
    oauth2::{caller, IntrospectBody},
};

fuzz_target!(|data: &[u8]| {
    let Ok(value) = HeaderValue::from_bytes(data) else {
        return;
    };
    let mut headers = HeaderMap::new();
    headers.insert(header::AUTHORIZATION, value);
    let mut body: IntrospectBody = match parse_json(b"{}") {
        Ok(b) => b,
        Err(_) => return,
    };
    let _ = caller(&headers, &mut body);
});
