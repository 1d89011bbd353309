//! The browser layer: moves values between the browser and `core`, and
//! decides little itself.

pub mod clock;
pub mod random;
pub mod transport;
