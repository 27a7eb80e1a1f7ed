//! The JSON bodies of the token, userAccessToken and introspection endpoints, through the
//! `JsonBody` extractor's parser and the required-field check. Any input must decode or give a
//! 400 error; never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use opending_server::http::{
    body::{parse_json, required},
    oauth2::{IntrospectBody, LegacyBody, TokenBody, UserTokenBody},
};

fuzz_target!(|data: &[u8]| {
    let _ = parse_json::<TokenBody>(data);
    let _ = parse_json::<LegacyBody>(data);
    let _ = parse_json::<UserTokenBody>(data);
    let _ = parse_json::<IntrospectBody>(data);
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = required("client_id", Some(s.to_owned()));
    }
});
