//! `${env:NAME}` substitution in the config text, as the Collector's env provider does.
//!
//! Done on the text before YAML parsing so error lines stay right: a value is
//! inserted raw when it is a plain YAML scalar, as a quoted string when it is
//! the whole of an unquoted value, escaped inside quotes. Also `${NAME}` (the
//! Collector's default provider is env), `${env:NAME:-default}`, and `$$` for a
//! literal `$`. Comments are left alone. An unset variable becomes empty, as in
//! the Collector, and is reported so it can be logged.

use std::fmt::Write;

/// The substituted text and the names of unset variables that became empty.
#[derive(Debug, PartialEq, Eq)]
pub struct Expanded {
    pub text: String,
    pub unset: Vec<String>,
}

/// A `${...}` that cannot be expanded; `line` is 1-based.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct EnvError {
    pub line: usize,
    pub message: String,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Quote {
    None,
    Single,
    Double,
}

/// Expands every reference in `text`, reading variables through `lookup`.
pub fn expand(text: &str, lookup: impl Fn(&str) -> Option<String>) -> Result<Expanded, EnvError> {
    let mut out = String::with_capacity(text.len());
    let mut unset = Vec::new();
    for (index, line) in text.split_inclusive('\n').enumerate() {
        expand_line(line, index + 1, &lookup, &mut out, &mut unset)?;
    }
    Ok(Expanded { text: out, unset })
}

fn expand_line(
    line: &str,
    number: usize,
    lookup: &impl Fn(&str) -> Option<String>,
    out: &mut String,
    unset: &mut Vec<String>,
) -> Result<(), EnvError> {
    let err = |message: String| EnvError {
        line: number,
        message,
    };
    let bytes = line.as_bytes();
    let mut quote = Quote::None;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        match (quote, c) {
            (Quote::None, b'#') if i == 0 || bytes[i - 1].is_ascii_whitespace() => {
                out.push_str(&line[i..]);
                return Ok(());
            }
            (Quote::None, b'"') if starts_scalar(bytes, i) => quote = Quote::Double,
            (Quote::None, b'\'') if starts_scalar(bytes, i) => quote = Quote::Single,
            // An escaped ASCII character (`\"`) cannot end the string; others
            // need no care (and may be several bytes long).
            (Quote::Double, b'\\') if bytes.get(i + 1).is_some_and(u8::is_ascii) => {
                out.push_str(&line[i..i + 2]);
                i += 2;
                continue;
            }
            (Quote::Double, b'"') | (Quote::Single, b'\'') => quote = Quote::None,
            (_, b'$') if bytes.get(i + 1) == Some(&b'$') => {
                out.push('$');
                i += 2;
                continue;
            }
            (_, b'$') if bytes.get(i + 1) == Some(&b'{') => {
                let close = line[i..]
                    .find('}')
                    .ok_or_else(|| err("`${` without a closing `}`".into()))?;
                let inner = &line[i + 2..i + close];
                let end = i + close + 1;
                let (name, default) = parse_reference(inner).map_err(err)?;
                let value = match lookup(name) {
                    Some(v) => v,
                    None => {
                        if default.is_none() && !unset.iter().any(|u| u == name) {
                            unset.push(name.to_owned());
                        }
                        default.unwrap_or("").to_owned()
                    }
                };
                let whole = quote == Quote::None && whole_scalar(bytes, i, end);
                insert(out, &value, quote, whole).map_err(|m| err(format!("${{{inner}}}: {m}")))?;
                i = end;
                continue;
            }
            _ => {}
        }
        let ch = line[i..].chars().next().expect("i is on a char boundary");
        out.push(ch);
        i += ch.len_utf8();
    }
    Ok(())
}

/// `env:NAME`, `env:NAME:-default` or `NAME` → (name, default).
fn parse_reference(inner: &str) -> Result<(&str, Option<&str>), String> {
    let body = match inner.split_once(':') {
        Some(("env", rest)) => rest,
        Some((scheme, _)) if !scheme.contains('-') => {
            return Err(format!(
                "`${{{inner}}}`: only the `env` provider is supported, not `{scheme}`; use ${{env:NAME}}"
            ))
        }
        _ => inner,
    };
    let (name, default) = match body.split_once(":-") {
        Some((n, d)) => (n, Some(d)),
        None => (body, None),
    };
    let valid = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Err(format!(
            "`${{{inner}}}`: \"{name}\" is not an environment variable name (letters, digits, `_`)"
        ));
    }
    Ok((name, default))
}

/// Whether a quote at `i` opens a quoted scalar (it follows `: `, `- `, `[`, `,` or the indent).
fn starts_scalar(bytes: &[u8], i: usize) -> bool {
    let before = bytes[..i]
        .iter()
        .rev()
        .find(|b| **b != b' ' && **b != b'\t');
    matches!(before, None | Some(b':' | b'-' | b'[' | b',' | b'{'))
}

/// Whether `${...}` spanning `start..end` is a whole unquoted value.
fn whole_scalar(bytes: &[u8], start: usize, end: usize) -> bool {
    let after = &bytes[end..];
    let rest_ok = after
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t'))
        .is_none_or(|p| matches!(after[p], b'\n' | b'\r' | b',' | b']' | b'}' | b'#'));
    starts_scalar(bytes, start) && rest_ok
}

/// A value YAML reads back unchanged when written bare.
fn is_plain(value: &str) -> bool {
    !value.is_empty()
        && value.trim() == value
        && !value.starts_with(|c: char| "!&*-?|>'\"%@`#,[]{}:".contains(c))
        && !value.contains(": ")
        && !value.contains(" #")
        && !value.ends_with(':')
        && !value.contains(|c: char| c.is_control() || ",[]{}".contains(c))
}

fn insert(out: &mut String, value: &str, quote: Quote, whole: bool) -> Result<(), String> {
    match quote {
        Quote::Double => {
            for c in value.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    c if c.is_control() => write!(out, "\\u{:04x}", c as u32).unwrap(),
                    c => out.push(c),
                }
            }
        }
        Quote::Single => {
            if value.contains(['\n', '\r']) {
                return Err("the value has a line break; use double quotes around it".into());
            }
            out.push_str(&value.replace('\'', "''"));
        }
        Quote::None if is_plain(value) => out.push_str(value),
        Quote::None if whole => {
            out.push_str(&serde_json::to_string(value).expect("strings serialize"));
        }
        Quote::None => {
            return Err(
                "the value has characters YAML would misread here; put the whole value in double quotes"
                    .into(),
            )
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "PORT" => Some("4318".into()),
            "ORIGIN" => Some("https://task.example.com".into()),
            "ODD" => Some("a: b # c".into()),
            "QUOTE" => Some("say \"hi\"\n".into()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    fn x(text: &str) -> String {
        expand(text, env).unwrap().text
    }

    #[test]
    fn plain_values_are_inserted_raw() {
        assert_eq!(
            x("endpoint: 0.0.0.0:${env:PORT}\n"),
            "endpoint: 0.0.0.0:4318\n"
        );
        assert_eq!(x("port: ${env:PORT}"), "port: 4318");
        assert_eq!(x("port: ${PORT}"), "port: 4318");
        assert_eq!(x("o: [${env:ORIGIN}]"), "o: [https://task.example.com]");
    }

    #[test]
    fn awkward_values_are_quoted_or_escaped() {
        assert_eq!(x("k: ${env:ODD}\n"), "k: \"a: b # c\"\n");
        assert_eq!(x("k: \"<${env:QUOTE}>\""), "k: \"<say \\\"hi\\\"\\n>\"");
        assert_eq!(x("k: 'it${env:ODD}'"), "k: 'ita: b # c'");
        assert_eq!(x("k: ${env:EMPTY}"), "k: \"\"");
        let e = expand("k: x${env:ODD}y\n", env).unwrap_err();
        assert_eq!(e.line, 1);
        assert!(e.message.contains("double quotes"), "{e}");
    }

    #[test]
    fn defaults_escapes_and_comments() {
        assert_eq!(x("k: ${env:NOPE:-fallback}"), "k: fallback");
        assert_eq!(x("k: $${env:PORT}"), "k: ${env:PORT}");
        assert_eq!(x("k: v # ${env:BROKEN"), "k: v # ${env:BROKEN");
        let r = expand("a: ${env:NOPE}\nb: ${env:NOPE}\n", env).unwrap();
        assert_eq!(r.text, "a: \"\"\nb: \"\"\n");
        assert_eq!(r.unset, ["NOPE"]);
    }

    #[test]
    fn escapes_before_multibyte_characters() {
        // Found by the `config` fuzz target: a backslash before a multibyte
        // character inside double quotes sliced through that character.
        assert_eq!(x("k: \"\\é ${env:PORT}\""), "k: \"\\é 4318\"");
        assert_eq!(x("k: \"a\\\"${env:PORT}\""), "k: \"a\\\"4318\"");
    }

    #[test]
    fn errors_name_the_line() {
        let e = expand("a: 1\nb: ${file:/etc/x}\n", env).unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("only the `env` provider"), "{e}");
        let e = expand("a: ${env:1BAD}", env).unwrap_err();
        assert!(
            e.message.contains("not an environment variable name"),
            "{e}"
        );
        let e = expand("\n\na: ${env:X", env).unwrap_err();
        assert_eq!(e.line, 3);
    }
}
