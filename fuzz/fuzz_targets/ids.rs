//! The id newtypes: whatever parses re-parses to itself from its text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use opending_domain::{user::UnionId, ClientId, CorpId};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(id) = ClientId::parse(s) {
        assert_eq!(ClientId::parse(id.as_str()).as_ref(), Ok(&id));
    }
    if let Ok(id) = CorpId::parse(s) {
        assert_eq!(CorpId::parse(id.as_str()).as_ref(), Ok(&id));
    }
    if let Ok(id) = UnionId::parse(s) {
        assert_eq!(UnionId::parse(id.as_str()).as_ref(), Ok(&id));
    }
});
