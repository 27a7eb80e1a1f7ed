//! Seed documents (YAML or JSON), through the parser and checks used by `serve --seed`,
//! `POST /admin/v1/apply` and `POST /_opending/seed`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = opending_server::service::seed::parse(text);
    }
});
