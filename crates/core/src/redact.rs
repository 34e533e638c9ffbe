//! Masking credentials in text meant for logs.
//!
//! [`redact`] removes what a URL or a header line may carry: the value of query parameters that
//! hold credentials (`api_key=`, `access_token=`, `token=`, ...; the parameter becomes
//! `[api_key redacted]`, so not even `api_key=` is left), the password of
//! `scheme://user:password@host`, `Bearer` tokens and the value of `Cookie:` / `Set-Cookie:`
//! header lines. Use it where a URL or a transport message is logged; the service's logger also
//! runs every record through it, so a dependency logging a full URL (ureq does at trace level)
//! leaks nothing either.

use std::borrow::Cow;

/// Query parameter names whose values are credentials (compared case-insensitively).
pub const SECRET_PARAMS: [&str; 9] = [
    "api_key",
    "apikey",
    "access_token",
    "refresh_token",
    "token",
    "password",
    "passwd",
    "secret",
    "client_secret",
];

/// What a masked value reads as.
pub const MASK: &str = "[redacted]";

/// `text` with every credential the module doc lists masked; borrowed when there is none.
pub fn redact(text: &str) -> Cow<'_, str> {
    let lower = text.to_ascii_lowercase();
    if !SECRET_PARAMS.iter().any(|p| lower.contains(p))
        && !lower.contains("cookie")
        && !lower.contains("bearer ")
        && !lower.contains('@')
    {
        return Cow::Borrowed(text);
    }
    let mut out = redact_params(text);
    out = redact_userinfo(&out);
    out = redact_after(&out, "bearer ", is_token_end);
    out = redact_after(&out, "cookie: ", is_line_end);
    out = redact_after(&out, "cookie=", is_line_end);
    out = redact_after(&out, "cookie\": \"", is_line_end);
    if out == text {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(out)
    }
}

/// Whether `c` may stand right before a query parameter name.
fn starts_param(c: Option<char>) -> bool {
    c.is_none_or(|c| {
        matches!(
            c,
            '?' | '&' | ';' | ' ' | '"' | '\'' | '(' | '[' | '{' | ','
        )
    })
}

/// Whether `c` ends a parameter value or a token.
fn is_token_end(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '&' | '"' | '\'' | '#' | ',' | ')' | ']' | '}' | ';' | '>'
        )
}

/// Whether `c` ends a header line value.
fn is_line_end(c: char) -> bool {
    matches!(c, '\n' | '\r' | '"')
}

/// Replaces `name=value` of every [`SECRET_PARAMS`] name with `[name redacted]`.
fn redact_params(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    'scan: while i < text.len() {
        for name in SECRET_PARAMS {
            let key_end = i + name.len();
            if lower[i..].starts_with(name)
                && text[key_end..].starts_with('=')
                && starts_param(text[..i].chars().next_back())
            {
                let value_start = key_end + 1;
                let value_len = text[value_start..]
                    .find(is_token_end)
                    .unwrap_or(text.len() - value_start);
                out.push('[');
                out.push_str(&text[i..key_end]);
                out.push_str(" redacted]");
                i = value_start + value_len;
                continue 'scan;
            }
        }
        let c = text[i..].chars().next().expect("inside the text");
        out.push(c);
        i += c.len_utf8();
    }
    out
}

/// Masks the password of every `scheme://user:password@host`.
fn redact_userinfo(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let (head, tail) = rest.split_at(at + 3);
        out.push_str(head);
        let authority_len = tail
            .find(['/', '?', '#', ' ', '"', '\''])
            .unwrap_or(tail.len());
        let authority = &tail[..authority_len];
        match authority.rsplit_once('@') {
            Some((userinfo, host)) => match userinfo.split_once(':') {
                Some((user, _)) => {
                    out.push_str(user);
                    out.push(':');
                    out.push_str(MASK);
                    out.push('@');
                    out.push_str(host);
                }
                None => out.push_str(authority),
            },
            None => out.push_str(authority),
        }
        rest = &tail[authority_len..];
    }
    out.push_str(rest);
    out
}

/// Masks what follows each (case-insensitive) `marker` up to `end`.
fn redact_after(text: &str, marker: &str, end: fn(char) -> bool) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while let Some(found) = lower[i..].find(marker) {
        let value_start = i + found + marker.len();
        out.push_str(&text[i..value_start]);
        let value_len = text[value_start..]
            .find(end)
            .unwrap_or(text.len() - value_start);
        if value_len > 0 {
            out.push_str(MASK);
        }
        i = value_start + value_len;
    }
    out.push_str(&text[i..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: &str) {
        assert_eq!(redact(input), expected, "{input}");
    }

    #[test]
    fn credentials_are_masked_and_the_rest_is_kept() {
        check(
            "GET https://api.themoviedb.org/3/search/tv?query=Frieren&api_key=0123abcd",
            "GET https://api.themoviedb.org/3/search/tv?query=Frieren&[api_key redacted]",
        );
        check(
            "uri: http://127.0.0.1:9/3/tv/1?API_KEY=k&language=de-DE, version: HTTP/1.1",
            "uri: http://127.0.0.1:9/3/tv/1?[API_KEY redacted]&language=de-DE, version: HTTP/1.1",
        );
        check(
            "/ws/connect?token=eyJ.a.b rid=1",
            "/ws/connect?[token redacted] rid=1",
        );
        check(
            "proxy socks5://me:hunter2@proxy:1080/x failed",
            "proxy socks5://me:[redacted]@proxy:1080/x failed",
        );
        check(
            "Authorization: Bearer eyJhbGci.x.y sent",
            "Authorization: Bearer [redacted] sent",
        );
        check(
            "{\"cookie\": \"cf_clearance=abc; session=xyz\", \"accept\": \"*/*\"}",
            "{\"cookie\": \"[redacted]\", \"accept\": \"*/*\"}",
        );
        check("Cookie: a=b; c=d\nnext", "Cookie: [redacted]\nnext");
        // Nothing to mask: the text is borrowed as it is.
        for plain in [
            "listening on http://127.0.0.1:8000",
            "search for tokenizer?q=x",
            "keys=1 monkey=2 mykey=3",
            "an api_key is needed",
            "ünïcödé api_key",
        ] {
            assert!(matches!(redact(plain), Cow::Borrowed(_)), "{plain}");
        }
        check("mytoken=abc&token=def", "mytoken=abc&[token redacted]");
        check("ü?api_key=ü&x=1", "ü?[api_key redacted]&x=1");
    }
}
