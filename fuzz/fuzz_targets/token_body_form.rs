//! Form-encoded introspection bodies (RFC 7662), through the `JsonOrForm` extractor's form
//! parser.
#![no_main]

use libfuzzer_sys::fuzz_target;
use opending_server::http::{body::parse_form, oauth2::IntrospectBody};

fuzz_target!(|data: &[u8]| {
    let _ = parse_form::<IntrospectBody>(data);
});
