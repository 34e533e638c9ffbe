//! An unpacker for Dean Edwards' JavaScript packer (`eval(function(p,a,c,k,e,d){...}(...))`),
//! used by Filemoon, LoadX and others to hide their player set-up.
//!
//! The packed call carries a payload `p` in which every word was replaced by its index in the
//! word list `k`, written in base `a` (digits `0-9`, `a-z`, then `A-Z` for 36..61). Unpacking
//! puts the words back; entries of `k` that are empty mean "the token stands for itself".

use std::sync::LazyLock;

use regex::Regex;

use super::util::read_js_string;

static START: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"eval\(\s*function\s*\(\s*p\s*,\s*a\s*,\s*c\s*,\s*k\s*,\s*e\s*,\s*[dr]\s*\)")
        .unwrap()
});
static ARGS_OPEN: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#"\}\s*\(\s*['"]"#).unwrap());
static NUMS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"^\s*,\s*(\d+)\s*,\s*(\d+)\s*,\s*['"]"#).unwrap());
static SPLIT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"^\s*\.split\(\s*['"]\|['"]\s*\)"#).unwrap());
static WORD: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\b\w+\b").unwrap());

/// Whether `src` contains a packed script.
pub fn is_packed(src: &str) -> bool {
    START.is_match(src)
}

/// Unpacks every packed script in `src`, in page order; scripts that are malformed are skipped.
pub fn unpack_all(src: &str) -> Vec<String> {
    START
        .find_iter(src)
        .filter_map(|m| unpack_at(src, m.end()))
        .collect()
}

/// Unpacks the packed call whose `function(p,a,c,k,e,d)` header ends at byte `from`.
fn unpack_at(src: &str, from: usize) -> Option<String> {
    let open = ARGS_OPEN.find(&src[from..])?;
    let p_start = from + open.end() - 1;
    let (payload, after_p) = read_js_string(src, p_start)?;
    let nums = NUMS.captures(&src[after_p..])?;
    let radix: u32 = nums[1].parse().ok()?;
    let count: usize = nums[2].parse().ok()?;
    let k_start = after_p + nums.get(0)?.end() - 1;
    let (words, after_k) = read_js_string(src, k_start)?;
    if !SPLIT.is_match(&src[after_k..]) || !(2..=62).contains(&radix) {
        return None;
    }
    let words: Vec<&str> = words.split('|').collect();
    Some(unpack(&payload, radix, count.min(words.len()), &words))
}

/// Replaces every token of `payload` by its word.
fn unpack(payload: &str, radix: u32, count: usize, words: &[&str]) -> String {
    WORD.replace_all(payload, |c: &regex::Captures<'_>| {
        let token = &c[0];
        match decode_token(token, radix) {
            Some(i) if i < count && !words[i].is_empty() => words[i].to_string(),
            _ => token.to_string(),
        }
    })
    .into_owned()
}

/// The value of a packer token in base `radix`, or None if it is not one.
fn decode_token(token: &str, radix: u32) -> Option<usize> {
    let mut value: usize = 0;
    for c in token.chars() {
        let d = match c {
            '0'..='9' => c as u32 - '0' as u32,
            'a'..='z' => c as u32 - 'a' as u32 + 10,
            'A'..='Z' if radix > 36 => c as u32 - 'A' as u32 + 36,
            // below base 37 the packer writes tokens with JavaScript's toString, lower-case only
            'A'..='Z' => c.to_ascii_lowercase() as u32 - 'a' as u32 + 10,
            _ => return None,
        };
        if d >= radix {
            return None;
        }
        value = value.checked_mul(radix as usize)?.checked_add(d as usize)?;
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packed_sample() -> String {
        let mut words: Vec<&str> =
            "var|player|jwplayer|vplayer|setup|sources|file|https|cdn|example|master|m3u8|width"
                .split('|')
                .collect();
        words.resize(36, "");
        words.push("height");
        format!(
            r#"<script>eval(function(p,a,c,k,e,d){{e=function(c){{return c.toString(36)}};while(c--){{if(k[c]){{p=p.replace(new RegExp('\\b'+e(c)+'\\b','g'),k[c])}}}}return p}}('0 1=2(\'3\');1.4({{5:[{{6:"7://8.9/a.b"}}],c:\'A\',z:Z}});',62,{},'{}'.split('|'),0,{{}}))</script>"#,
            words.len(),
            words.join("|")
        )
    }

    #[test]
    fn unpacks_a_packed_player() {
        let packed = packed_sample();
        assert!(is_packed(&packed));
        let out = unpack_all(&packed);
        assert_eq!(out.len(), 1, "{packed}");
        assert_eq!(
            out[0],
            r#"var player=jwplayer('vplayer');player.setup({sources:[{file:"https://cdn.example/master.m3u8"}],width:'height',z:Z});"#
        );
    }

    #[test]
    fn tokens() {
        let check =
            |t: &str, r: u32, want: Option<usize>| assert_eq!(decode_token(t, r), want, "{t}");
        check("0", 62, Some(0));
        check("z", 62, Some(35));
        check("A", 62, Some(36));
        check("Z", 62, Some(61));
        check("10", 62, Some(62));
        check("a", 10, None);
        check("A", 36, Some(10));
        check("x_y", 62, None);
        check("zzzzzzzzzzzzzzzzzzzzzzzzzz", 62, None);
    }

    #[test]
    fn malformed_scripts_are_skipped() {
        for src in [
            "eval(function(p,a,c,k,e,d){return p}('unterminated",
            "eval(function(p,a,c,k,e,d){return p}('0',99,1,'x'.split('|'),0,{}))",
            "eval(function(p,a,c,k,e,d){return p}('0',62,1,'x'.split(','),0,{}))",
            "no script at all",
        ] {
            assert!(unpack_all(src).is_empty(), "{src}");
        }
    }
}
