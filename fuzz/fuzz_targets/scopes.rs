//! Scope lists and permission codes: the stored space-separated form and single codes.
//! Splitting is idempotent through joining.
#![no_main]

use libfuzzer_sys::fuzz_target;
use opending_domain::{
    grant::{join_codes, split_codes},
    PermissionCode,
};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let codes = split_codes(s);
    assert_eq!(split_codes(&join_codes(&codes)), codes);
    if let Ok(code) = PermissionCode::parse(s) {
        assert_eq!(PermissionCode::parse(code.as_str()).as_ref(), Ok(&code));
    }
});
