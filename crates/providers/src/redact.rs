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

/// Shortest run of the secret's leading characters that is masked wherever it appears.
const MIN_MASKED_RUN: usize = 8;
/// Shortest leading part of the secret that is masked when a text ends with it (a cut-off
/// echo).
const MIN_MASKED_TAIL: usize = 4;

/// Replace `secret` in `text` with [`REDACTED`], together with the partial echoes a cut can
/// leave behind: any run of the secret's first 8 or more characters (extended for as long as
/// the text keeps following the secret), and a leading part of 4 or more characters at the
/// very end of the text.
///
/// Apply it before cutting upstream text to length; it also cleans text that was cut already.
pub fn mask_secret(text: &str, secret: &str) -> String {
    if secret.is_empty() {
        return text.to_owned();
    }
    let mut out = text.replace(secret, REDACTED);
    // ends[k - 1] = byte length of the first k characters of the secret.
    let ends: Vec<usize> = secret
        .char_indices()
        .skip(1)
        .map(|(i, _)| i)
        .chain(std::iter::once(secret.len()))
        .collect();
    if ends.len() >= MIN_MASKED_RUN {
        let head = &secret[..ends[MIN_MASKED_RUN - 1]];
        let mut masked = String::with_capacity(out.len());
        let mut rest = out.as_str();
        while let Some(pos) = rest.find(head) {
            masked.push_str(&rest[..pos]);
            masked.push_str(REDACTED);
            let run = &rest[pos..];
            rest = &run[common_prefix_len(run, secret)..];
        }
        masked.push_str(rest);
        out = masked;
    }
    for k in (MIN_MASKED_TAIL..ends.len()).rev() {
        let prefix = &secret[..ends[k - 1]];
        if out.ends_with(prefix) {
            out.truncate(out.len() - prefix.len());
            out.push_str(REDACTED);
            break;
        }
    }
    out
}

/// Byte length of the longest common leading part of `a` and `b`, on a character boundary.
fn common_prefix_len(a: &str, b: &str) -> usize {
    a.chars()
        .zip(b.chars())
        .take_while(|(x, y)| x == y)
        .map(|(x, _)| x.len_utf8())
        .sum()
}

/// Upstream text made fit for an error: `secret` masked ([`mask_secret`]), credential pairs
/// scrubbed ([`scrub`]), then cut to `max_chars` characters. Masking comes first so that a
/// cut through an echoed secret cannot keep a piece of it.
pub fn clean_upstream_text(text: &str, secret: &str, max_chars: usize) -> String {
    let cut: String = scrub(&mask_secret(text, secret))
        .chars()
        .take(max_chars)
        .collect();
    // A cut can still end inside a credential that `scrub` did not know as one.
    mask_secret(&cut, secret)
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

    #[test]
    fn mask_secret_removes_whole_runs_and_cut_off_prefixes() {
        let secret = "echo-key:Zq8Wv3Lm5Tx1Rp7K";
        // The whole secret.
        assert_eq!(
            mask_secret(&format!("a {secret} b"), secret),
            "a [REDACTED] b"
        );
        // A cut at the end leaves its first 10 characters, or only 4.
        assert_eq!(mask_secret("sent: echo-key:Z", secret), "sent: [REDACTED]");
        assert_eq!(mask_secret("sent: echo", secret), "sent: [REDACTED]");
        // The first 8+ characters anywhere, extended while the text follows the secret.
        assert_eq!(
            mask_secret("x echo-key:Zq8W… y echo-key z", secret),
            "x [REDACTED]… y [REDACTED] z"
        );
        // Unrelated text and short coincidences stay.
        assert_eq!(mask_secret("the key is bad", secret), "the key is bad");
        assert_eq!(mask_secret("ech", secret), "ech");
        assert_eq!(mask_secret("anything", ""), "anything");
        // Multi-byte secrets are cut on character boundaries.
        assert_eq!(mask_secret("… khóa-bí", "khóa-bí-mật-123"), "… [REDACTED]");
    }

    #[test]
    fn upstream_text_is_masked_before_it_is_cut() {
        let secret = "echo-key:Zq8Wv3Lm5Tx1Rp7K";
        let text = format!("{}{secret} rest", "x".repeat(290));
        let cleaned = clean_upstream_text(&text, secret, 300);
        assert_eq!(cleaned, format!("{}[REDACTED]", "x".repeat(290)));
        // Cutting first, as the old code did, keeps `echo-key:Z`.
        let old: String = scrub(&text).chars().take(300).collect();
        assert!(old.ends_with("echo-key:Z"));
        // A credential pair is still scrubbed, and the cut is in characters.
        assert_eq!(
            clean_upstream_text("token=abc ờ ờ ờ", secret, 18),
            "token=[REDACTED] ờ"
        );
    }
}
