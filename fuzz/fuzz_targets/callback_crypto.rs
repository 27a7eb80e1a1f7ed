//! What an app's callback endpoint answers, and what a Stream client sends back: DingTalk's
//! callback crypto (`opending_wire::callback`) opening arbitrary answers, and the ACK frame
//! parser. Neither may panic; whatever opens must round-trip through encryption.
#![no_main]

use libfuzzer_sys::fuzz_target;
use opending_wire::{
    callback::{CallbackCrypto, EncryptedAnswer},
    stream::AckFrame,
};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let c = CallbackCrypto::new("cbtoken123", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "dingapp")
        .expect("valid test crypto");
    if let Ok(answer) = serde_json::from_str::<EncryptedAnswer>(s) {
        let _ = c.open_answer(&answer);
    }
    if let Ok(plain) = c.decrypt(s) {
        assert_eq!(c.decrypt(&c.encrypt([0; 16], &plain)).as_deref(), Ok(plain.as_str()));
    }
    let _ = serde_json::from_str::<AckFrame>(s);
});
