//! The header formats of the propagators: W3C `traceparent`/`tracestate`
//! and AWS X-Ray `X-Amzn-Trace-Id`. Parsing never fails loudly: a malformed
//! header is `None`, as the specifications ask, so bad input from the
//! network never throws. (W3C `baggage` is the facade's alone, in
//! `js/propagators.js`: no Rust code reads it, and there an app that does
//! not use it does not ship it.)
//!
//! The parsers work on bytes: every separator in these formats is ASCII and
//! their whitespace is HTTP's (spaces and tabs), so there is no need for
//! `str`'s character searching and Unicode trimming, which would cost the
//! shipped module several kilobytes.

pub mod traceparent;
pub mod tracestate;
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
