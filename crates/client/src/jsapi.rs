//! The `dd.config` signature a page needs to call DingTalk's JSAPI (docs/dingtalk/
//! dingtalk-wire-2.md §E4): SHA-256 over `jsapi_ticket=…&noncestr=…&timestamp=…&url=…`, the URL
//! normalized as DingTalk's official sample does.

use sha2::{Digest, Sha256};

use crate::Secret;

/// The signature of a page at `url` for `dd.config({timeStamp, nonceStr, signature, …})`:
/// lowercase hex of SHA-256 over `jsapi_ticket=<ticket>&noncestr=<nonce_str>&timestamp=
/// <timestamp>&url=<url>`, with the URL's `#fragment` dropped and its query percent-decoded
/// (`+` read as a space), as DingTalk's official sample normalizes it. `url` is the page's
/// `location.href` as the browser has it; `timestamp` is used as given (DingTalk's samples use
/// milliseconds).
pub fn jsapi_signature(ticket: &Secret, nonce_str: &str, timestamp: &str, url: &str) -> String {
    let plain = format!(
        "jsapi_ticket={}&noncestr={nonce_str}&timestamp={timestamp}&url={}",
        ticket.expose(),
        normalize_url(url)
    );
    hex(&Sha256::digest(plain.as_bytes()))
}

/// The page URL as signed: without its fragment, the query percent-decoded (`+` as a space,
/// as Java's `URLDecoder`), everything else (scheme, host, an explicit port, path) unchanged.
pub fn normalize_url(url: &str) -> String {
    let url = url.split_once('#').map_or(url, |(before, _)| before);
    match url.split_once('?') {
        None => url.to_owned(),
        Some((base, query)) => {
            let spaced = query.replace('+', " ");
            let decoded = percent_encoding::percent_decode_str(&spaced).decode_utf8_lossy();
            format!("{base}?{decoded}")
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The computed vectors of docs/dingtalk/dingtalk-wire-2.md §E4.
    #[test]
    fn matches_the_spec_vectors() {
        let ticket = Secret::new("dWk81eLxxxx");
        let url = "https://example.com/app/index.html?a=1&b=%E4%B8%AD";
        assert_eq!(
            normalize_url(url),
            "https://example.com/app/index.html?a=1&b=中"
        );
        assert_eq!(
            jsapi_signature(&ticket, "abcdefg", "1700000000000", url),
            "00780f4909ee90a949a297f5483ad911638d573ef1b63e39841930ec2e11c422"
        );
        // The fragment never counts; an explicit port does.
        assert_eq!(
            jsapi_signature(
                &ticket,
                "abcdefg",
                "1700000000000",
                &format!("{url}#/route")
            ),
            jsapi_signature(&ticket, "abcdefg", "1700000000000", url)
        );
        assert_ne!(
            normalize_url("https://example.com:443/app"),
            normalize_url("https://example.com/app")
        );
        assert_eq!(
            normalize_url("https://e.com/?q=a+b%2B"),
            "https://e.com/?q=a b+"
        );
    }
}
