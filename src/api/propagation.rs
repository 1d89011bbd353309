//! The propagators' header parsers, for the facade (it fills the fixed
//! inject templates itself, from ids it has checked). Parsed headers come back
//! as flat strings of fixed-width fields (or `""` when invalid), which cost
//! one crossing and no objects. Strings travel as in `api` (the input buffer
//! in, the output buffer out).

use crate::core::ids::push_hex;
use crate::core::propagation::xray;
use alloc::vec::Vec;

use super::{output, with_input};

/// `X-Amzn-Trace-Id` → 32 hex trace id, 16 hex parent id, `1`/`0`/`?`, then
/// the other fields as written; or `""`.
#[no_mangle]
pub extern "C" fn xray_parse(header_len: u32) -> i32 {
    let mut out = Vec::new();
    if let Some(h) = with_input(header_len, |header| xray::parse(header)) {
        push_hex(&mut out, &h.trace_id.0);
        push_hex(&mut out, &h.parent_id.0);
        out.push(match h.sampled {
            Some(true) => b'1',
            Some(false) => b'0',
            None => b'?',
        });
        out.extend_from_slice(&h.extra);
    }
    output(out)
}
