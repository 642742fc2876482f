//! The last line of defence for the log file: whatever a log line says, values that look like
//! secrets are masked before it is written. The core already never logs secrets; this catches
//! a future mistake (or a dependency's debug output) instead of writing it to disk.

use std::sync::LazyLock;

use regex::Regex;

static PATTERNS: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        // Query parameters and JSON/form fields that carry secrets.
        (
            r#"(?i)((?:api_key|apikey|access_token|refresh_token|password|secret|master_?key)["']?\s*[=:]\s*["']?)[^&\s"',}]+"#,
            "${1}[REDACTED]",
        ),
        (r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+", "${1}[REDACTED]"),
        // Passwords inside connection URLs.
        (r"(?i)(postgres(?:ql)?://[^:/@\s]+:)[^@\s]+@", "${1}[REDACTED]@"),
        // JWTs.
        (r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*", "[REDACTED-JWT]"),
    ]
    .into_iter()
    .map(|(pattern, replacement)| (Regex::new(pattern).expect("valid pattern"), replacement))
    .collect()
});

pub fn redact(line: &str) -> String {
    PATTERNS
        .iter()
        .fold(line.to_owned(), |text, (pattern, replacement)| {
            pattern.replace_all(&text, *replacement).into_owned()
        })
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn secrets_in_log_lines_are_masked() {
        let cases = [
            "GET https://pos.pages.fm/api/v1/shops?api_key=0123abcdSECRET&page=1",
            r#"body {"access_token":"EAABsecretTOKEN"}"#,
            "Authorization: Bearer EAABsecretTOKEN",
            "connecting to postgres://app:s3cretPW@db.shop.vn/integrations",
            "token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
            "password=hunter2hunter2",
        ];
        for line in cases {
            let masked = redact(line);
            for secret in [
                "0123abcdSECRET",
                "EAABsecretTOKEN",
                "s3cretPW",
                "c2lnbmF0dXJl",
                "hunter2",
            ] {
                assert!(!masked.contains(secret), "{line} -> {masked}");
            }
            assert!(masked.contains("REDACTED"), "{masked}");
        }
    }

    #[test]
    fn ordinary_lines_are_left_alone() {
        let line = "integration 3f0c created for Shop thời trang (shop 6036602)";
        assert_eq!(redact(line), line);
    }
}
