//! The header formats of the propagators: W3C `traceparent`/`tracestate`,
//! W3C `baggage`, and AWS X-Ray `X-Amzn-Trace-Id`. Parsing never fails
//! loudly: a malformed header is `None` (or skipped entries), as the
//! specifications ask, so bad input from the network never throws.

pub mod baggage;
pub mod traceparent;
pub mod tracestate;
pub mod xray;
