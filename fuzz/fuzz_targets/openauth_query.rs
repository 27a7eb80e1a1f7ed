//! The openAuth consent page's query string, decoded as the page decodes it
//! (`axum::extract::Query<PageQuery>`), then shape-checked by the domain rules.
#![no_main]

use axum::{extract::Query, http::Uri};
use libfuzzer_sys::fuzz_target;
use opending_server::http::pages::openauth::PageQuery;

fuzz_target!(|data: &[u8]| {
    let Ok(q) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(uri) = format!("/openauth?{q}").parse::<Uri>() else {
        return;
    };
    if let Ok(Query(page)) = Query::<PageQuery>::try_from_uri(&uri) {
        let _ = opending_domain::openauth::shape(&page.params);
    }
});
