//! Streamtape: the link assembled by string arithmetic in a script line.
//!
//! The page writes the real link into an element with a script line such as
//! `document.getElementById('robotlink').innerHTML = '<prefix>' + ('<inner>').substring(N);`,
//! next to decoy lines for other elements (`ideoolink`, `botlink`, `norobotlink`) that carry
//! wrong tokens. Pages of 2026 use other element names (`captchalink`, `ideoooolink`, or
//! `norobotlink` as the only line) and mix `.substring()`, `.slice()` and `.substr()` calls, on
//! parts or on parenthesised sums.
//!
//! Every `getElementById('<id>').innerHTML = <expr>;` line is evaluated with a small evaluator of
//! string literals, `+`, parentheses and those three methods (JavaScript semantics, negative
//! arguments included); older pages without any call drop the first 3 characters of an `xcd`
//! inner part. Of the lines giving a `get_video` link, the link is the line of
//!
//! 1. an element the page's own script reads back (`getElementById('<id>').innerHTML` outside
//!    an assignment, `$('#<id>').text()`), else
//! 2. `robotlink`, else
//! 3. the last element that is not a known decoy, else
//! 4. the last line at all (a page whose only line writes into a name older pages used as a
//!    decoy).
//!
//! `&stream=1` makes `get_video` redirect to the MP4.

use std::sync::LazyLock;

use aniworld_core::ports::MediaKind;
use regex::Regex;

use super::util::read_js_string;
use super::util::{ACCEPT_HTML, BROWSER_UA, get_embed_page, join, missing, origin};
use super::{Extracted, Fetch, HosterError};

const NAME: &str = "Streamtape";

/// Element ids whose lines carried wrong links on older pages: they lose to any other line.
const DECOYS: [&str; 3] = ["ideoolink", "botlink", "norobotlink"];

/// `getElementById('<id>').innerHTML`, assigned or read.
static ELEMENT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"getElementById\(\s*['"]([\w-]+)['"]\s*\)\.innerHTML"#).unwrap());

/// jQuery reading an element's text: `$('#<id>').text()` or `.html()`.
static JQUERY_READ: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"\$\(\s*['"]#([\w-]+)['"]\s*\)\.(?:text|html)\(\s*\)"#).unwrap());

/// Extracts the media source behind a Streamtape embed URL.
pub(super) fn extract(fetch: &dyn Fetch, embed_url: &str) -> Result<Extracted, HosterError> {
    let page = get_embed_page(
        fetch,
        NAME,
        embed_url,
        &[("User-Agent", BROWSER_UA), ("Accept", ACCEPT_HTML)],
    )?;
    let page_url = if page.final_url.is_empty() {
        embed_url
    } else {
        &page.final_url
    };
    let Some(link) = find_link(&page.body) else {
        return Err(missing(
            NAME,
            page_url,
            &page.body,
            "no script line writing a get_video link into an element",
        ));
    };
    let url = join(NAME, page_url, &format!("{link}&stream=1"))?;
    let o = origin(NAME, page_url)?;
    Ok(Extracted {
        url,
        kind: MediaKind::Direct,
        headers: vec![
            ("User-Agent".into(), BROWSER_UA.into()),
            ("Referer".into(), format!("{o}/")),
        ],
    })
}

/// The link of the page, chosen among its `get_video` lines as the module documentation says.
fn find_link(body: &str) -> Option<String> {
    let mut lines: Vec<(&str, String)> = Vec::new();
    let mut read: Vec<&str> = JQUERY_READ
        .captures_iter(body)
        .filter_map(|c| c.get(1).map(|m| m.as_str()))
        .collect();
    for c in ELEMENT.captures_iter(body) {
        let (Some(id), Some(whole)) = (c.get(1), c.get(0)) else {
            continue;
        };
        let rest = &body[whole.end()..];
        let after = rest.trim_start();
        if after.starts_with("+=") {
            continue;
        }
        if !after.starts_with('=') || after.starts_with("==") {
            read.push(id.as_str());
            continue;
        }
        let mut p = Parser {
            src: body,
            pos: whole.end() + (rest.len() - after.len()) + 1,
            calls: 0,
        };
        let Some(mut value) = p.expr() else {
            continue;
        };
        // Pages before 2024 wrote `'<prefix>' + ('xcd<rest>')` and cut the `xcd` in the player.
        if p.calls == 0
            && let Some(i) = value.find("xcd")
            && value[..i].contains("get_")
        {
            value.replace_range(i..i + 3, "");
        }
        if value.contains("get_video") {
            lines.push((id.as_str(), value));
        }
    }
    let last = |keep: &dyn Fn(&str) -> bool| {
        lines
            .iter()
            .rev()
            .find(|(id, _)| keep(id))
            .map(|(_, v)| v.clone())
    };
    last(&|id| read.contains(&id))
        .or_else(|| last(&|id| id == "robotlink"))
        .or_else(|| last(&|id| !DECOYS.contains(&id)))
        .or_else(|| last(&|_| true))
}

/// A tiny evaluator of JavaScript string expressions: literals, `+`, parentheses and the
/// methods `substring`, `slice` and `substr` with integer arguments.
struct Parser<'a> {
    src: &'a str,
    pos: usize,
    /// Method calls evaluated.
    calls: usize,
}

impl Parser<'_> {
    fn skip_ws(&mut self) {
        while let Some(c) = self.src[self.pos..].chars().next() {
            if c.is_whitespace() {
                self.pos += c.len_utf8();
            } else {
                break;
            }
        }
    }

    fn peek(&mut self) -> Option<char> {
        self.skip_ws();
        self.src[self.pos..].chars().next()
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    /// expr := term ('+' term)*
    fn expr(&mut self) -> Option<String> {
        let mut out = self.term()?;
        while self.eat('+') {
            out.push_str(&self.term()?);
        }
        Some(out)
    }

    /// term := (string | '(' expr ')') ('.' method '(' args ')')*
    fn term(&mut self) -> Option<String> {
        let mut value = match self.peek()? {
            '(' => {
                self.pos += 1;
                let v = self.expr()?;
                self.eat(')').then_some(v)?
            }
            '\'' | '"' | '`' => {
                let (s, end) = read_js_string(self.src, self.pos)?;
                self.pos = end;
                s
            }
            _ => return None,
        };
        while self.eat('.') {
            let start = self.pos;
            let len = self.src[start..]
                .find(|c: char| !c.is_ascii_alphanumeric())
                .unwrap_or(self.src.len() - start);
            let method = self.src[start..start + len].to_string();
            self.pos += len;
            if !self.eat('(') {
                return None;
            }
            let mut args = Vec::new();
            if !self.eat(')') {
                loop {
                    args.push(self.int()?);
                    if self.eat(')') {
                        break;
                    }
                    if !self.eat(',') {
                        return None;
                    }
                }
            }
            value = apply(&value, &method, &args)?;
            self.calls += 1;
        }
        Some(value)
    }

    /// An integer sum such as `3`, `-2` or `1+2`.
    fn int(&mut self) -> Option<i64> {
        let mut total = self.one_int()?;
        loop {
            match self.peek() {
                Some('+') => {
                    self.pos += 1;
                    total = total.saturating_add(self.one_int()?);
                }
                Some('-') => {
                    self.pos += 1;
                    total = total.saturating_sub(self.one_int()?);
                }
                _ => return Some(total),
            }
        }
    }

    fn one_int(&mut self) -> Option<i64> {
        let negative = self.eat('-');
        self.skip_ws();
        let digits = self.src[self.pos..]
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(self.src.len() - self.pos);
        if digits == 0 || digits > 9 {
            return None;
        }
        let n: i64 = self.src[self.pos..self.pos + digits].parse().ok()?;
        self.pos += digits;
        Some(if negative { -n } else { n })
    }
}

/// `s.<method>(args)` with JavaScript's rules for out-of-range and negative arguments.
fn apply(s: &str, method: &str, args: &[i64]) -> Option<String> {
    let chars: Vec<char> = s.chars().collect();
    let len = chars.len() as i64;
    let clamp = |x: i64| x.clamp(0, len);
    let from_end = |x: i64| if x < 0 { (len + x).max(0) } else { x.min(len) };
    let (start, end) = match (method, args) {
        ("substring", [a]) => (clamp(*a), len),
        ("substring", [a, b]) => {
            let (a, b) = (clamp(*a), clamp(*b));
            (a.min(b), a.max(b))
        }
        ("slice", [a]) => (from_end(*a), len),
        ("slice", [a, b]) => (from_end(*a), from_end(*b)),
        ("substr", [a]) => (from_end(*a), len),
        ("substr", [a, n]) => {
            let a = from_end(*a);
            (a, a.saturating_add((*n).max(0)).min(len))
        }
        _ => return None,
    };
    if start >= end {
        return Some(String::new());
    }
    Some(chars[start as usize..end as usize].iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(body: &str, want: Option<&str>) {
        assert_eq!(find_link(body).as_deref(), want, "{body}");
    }

    #[test]
    fn robotlink_substring_arithmetic() {
        check(
            "document.getElementById('robotlink').innerHTML = '//streamtape.com/get_v'+ ('xyzideo?id=1&token=t').substring(1).substring(2);",
            Some("//streamtape.com/get_video?id=1&token=t"),
        );
        check(
            "document.getElementById('robotlink').innerHTML = '//s.t/get_video?id=' + ('xcd9&expires=1');",
            Some("//s.t/get_video?id=9&expires=1"),
        );
        check(
            "document.getElementById('robotlink').innerHTML = '//s/get_video' + ('ab').substring(9);",
            Some("//s/get_video"),
        );
        check(
            "document.getElementById('robotlink').innerHTML = '//s/ad' + ('x');",
            None,
        );
    }

    #[test]
    fn norobotlink_and_ideoooolink_pages_of_2026() {
        // The only line writes into `norobotlink`.
        check(
            "document.getElementById('norobotlink').innerHTML = '//streamtape.com/get_video?id=abc&expires=1&ip=x&token=' + ('xyzTOKENREST').substring(2).substring(1);",
            Some("//streamtape.com/get_video?id=abc&expires=1&ip=x&token=TOKENREST"),
        );
        // A new name wins over the known decoys, whatever the order.
        check(
            "document.getElementById('ideoooolink').innerHTML = '//s/get_video?id=1&token=' + ('abGOOD').substr(2, 4);
             document.getElementById('botlink').innerHTML = '//s/get_video?id=1&token=' + ('BAD');",
            Some("//s/get_video?id=1&token=GOOD"),
        );
        // Among decoy names only, the last line.
        check(
            "document.getElementById('botlink').innerHTML = '//s/get_video?id=1&token=' + ('BAD');
             document.getElementById('norobotlink').innerHTML = '//s/get_video?id=1&token=' + ('__OK').slice(2);",
            Some("//s/get_video?id=1&token=OK"),
        );
    }

    #[test]
    fn the_element_the_page_reads_back_wins() {
        let page = "
            document.getElementById('robotlink').innerHTML = '//s/get_video?id=1&token=' + ('BAD');
            document.getElementById('norobotlink').innerHTML = '//s/get_video?id=1&token=' + ('xGOOD').substring(1);
            if (document.getElementById('norobotlink').innerHTML == '') {}
            var src = 'https:' + document.getElementById('norobotlink').innerHTML;";
        check(page, Some("//s/get_video?id=1&token=GOOD"));
        let jquery = "
            document.getElementById('captchalink').innerHTML = '//s/get_video?id=1&token=' + ('BAD');
            document.getElementById('ideoolink').innerHTML = '//s/get_video?id=1&token=' + ('GOOD');
            player.source = 'https:' + $('#ideoolink').text() + '&stream=1';";
        check(jquery, Some("//s/get_video?id=1&token=GOOD"));
    }

    #[test]
    fn captchalink_with_slice_and_substr_among_decoys() {
        let page = r#"
            document.getElementById('ideoolink').innerHTML = "/streamtape.com/get_" + ('xyzvideo?id=9&token=bad').substring(3);
            document.getElementById('captchalink').innerHTML = ("//streamtape.com/get_vi" + 'QQdeo?id=9&expires=5&ip=x').slice(0, 23) + ("ZZdeo?id=9&expires=5&token=good").substr(2, 40).slice(-29);
            document.getElementById('norobotlink').innerHTML = '//streamtape.com/get_video?id=9&token=' + ('bad2').substr(-3);
        "#;
        check(
            page,
            Some("//streamtape.com/get_video?id=9&expires=5&token=good"),
        );
    }

    #[test]
    fn javascript_semantics_of_the_three_methods() {
        let t = |m: &str, args: &[i64], want: &str| {
            assert_eq!(apply("abcdef", m, args).unwrap(), want, "{m}{args:?}");
        };
        t("substring", &[4, 1], "bcd");
        t("substring", &[-3], "abcdef");
        t("substring", &[2, 99], "cdef");
        t("slice", &[-2], "ef");
        t("slice", &[1, -1], "bcde");
        t("slice", &[4, 1], "");
        t("substr", &[-4, 2], "cd");
        t("substr", &[1], "bcdef");
        t("substr", &[2, -1], "");
        assert!(apply("x", "replace", &[1]).is_none());
    }

    #[test]
    fn unparsable_lines_are_skipped() {
        check(
            "document.getElementById('robotlink').innerHTML = someVar + ('x');",
            None,
        );
        check(
            "document.getElementById('captchalink').innerHTML = '//s/get_video?id=' + ('123').slice(1 + 1);",
            Some("//s/get_video?id=3"),
        );
    }
}
