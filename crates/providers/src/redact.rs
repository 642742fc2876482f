//! Redaction of credentials in URLs and free text.
//!
//! Pancake POS takes its API key in the query string, so any URL we log or put in an error must
//! go through [`redact_url`]; any upstream text goes through [`scrub`]. Both are cheap and safe
//! to call on text that holds no secret.

use url::Url;

/// What a redacted value is replaced with.
pub const REDACTED: &str = "[REDACTED]";

/// Query parameter names whose values are credentials.
const SENSITIVE_PARAMS: &[&str] = &[
    "api_key",
    "apikey",
    "access_token",
    "token",
    "client_secret",
    "appsecret_proof",
    "fb_exchange_token",
    "key",
];

fn is_sensitive(name: &str) -> bool {
    SENSITIVE_PARAMS
        .iter()
        .any(|p| p.eq_ignore_ascii_case(name))
}

/// The URL as a string with credential query values, user info and fragment replaced.
pub fn redact_url(url: &Url) -> String {
    let mut u = url.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    u.set_fragment(None);
    if u.query().is_some() {
        let pairs: Vec<(String, String)> = u
            .query_pairs()
            .map(|(k, v)| {
                let v = if is_sensitive(&k) {
                    REDACTED.to_owned()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        u.query_pairs_mut().clear().extend_pairs(pairs);
    }
    u.to_string()
}

/// Redact `name=value` credential pairs and `Bearer <token>` in arbitrary text.
pub fn scrub(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < text.len() {
        // `Bearer <token>`
        if starts_with_ci(&text[i..], "bearer ") {
            out.push_str(&text[i..i + 7]);
            i += 7;
            let end = value_end(text, i);
            if end > i {
                out.push_str(REDACTED);
            }
            i = end;
            continue;
        }
        // `<sensitive>=<value>` at a word boundary
        let boundary = i == 0 || !is_name_byte(bytes[i - 1]);
        if boundary {
            if let Some(name) = SENSITIVE_PARAMS
                .iter()
                .find(|p| starts_with_ci(&text[i..], &format!("{p}=")))
            {
                let start = i + name.len() + 1;
                out.push_str(&text[i..start]);
                let end = value_end(text, start);
                if end > start {
                    out.push_str(REDACTED);
                }
                i = end;
                continue;
            }
        }
        let ch = text[i..].chars().next().unwrap_or(' ');
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn starts_with_ci(hay: &str, needle: &str) -> bool {
    hay.len() >= needle.len()
        && hay.as_bytes()[..needle.len()].eq_ignore_ascii_case(needle.as_bytes())
}

fn value_end(text: &str, from: usize) -> usize {
    text[from..]
        .char_indices()
        .find(|(_, c)| c.is_whitespace() || matches!(c, '&' | '"' | '\'' | '#' | ')' | '>' | ','))
        .map(|(j, _)| from + j)
        .unwrap_or(text.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacted_urls_keep_everything_but_the_key() {
        let u =
            Url::parse("https://pos.pages.fm/api/v1/shops?api_key=abc123&page_number=2").unwrap();
        let r = redact_url(&u);
        assert!(!r.contains("abc123"));
        assert!(r.contains("page_number=2"));
        assert!(r.contains("api_key=%5BREDACTED%5D") || r.contains("api_key=[REDACTED]"));
    }

    #[test]
    fn scrub_removes_keys_tokens_and_bearer_values_from_text() {
        let t = "GET https://x/y?API_KEY=s3cr3t&x=1 failed; Authorization: Bearer EAAB.tok \
                 access_token=zzz";
        let s = scrub(t);
        for secret in ["s3cr3t", "EAAB.tok", "zzz"] {
            assert!(!s.contains(secret), "{s}");
        }
        assert!(s.contains("x=1"));
        assert_eq!(scrub("Shop thời trang"), "Shop thời trang");
        assert_eq!(scrub("monkey=1"), "monkey=1");
    }
}
