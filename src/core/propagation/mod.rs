//! The AWS X-Ray `X-Amzn-Trace-Id` header format, the one definition the
//! browser SDK and Rust servers share. Parsing never fails loudly: a
//! malformed header is `None`, so bad input from the network never throws.
//! (The W3C headers, `traceparent`, `tracestate` and `baggage`, only the
//! facade reads: they are parsed in `js/propagators.js`, where they cost the
//! page less and need no crossing.)
//!
//! The parser works on bytes: every separator in the format is ASCII and
//! its whitespace is HTTP's (spaces and tabs), so there is no need for
//! `str`'s character searching and Unicode trimming, which would cost the
//! shipped module several kilobytes.

pub mod xray;

/// `text` without HTTP's optional whitespace (spaces, tabs) at either end.
fn trim_ows(mut text: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = text {
        text = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = text {
        text = rest;
    }
    text
}

/// The parts of `text` before and after its first `separator`.
fn split_once(text: &[u8], separator: u8) -> Option<(&[u8], &[u8])> {
    let at = text.iter().position(|&c| c == separator)?;
    Some((text.get(..at)?, text.get(at + 1..)?))
}

/// The members of a `separator`-delimited list, trimmed.
fn members(text: &[u8], separator: u8) -> impl Iterator<Item = &[u8]> {
    text.split(move |&c| c == separator).map(trim_ows)
}
