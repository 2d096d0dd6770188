//! Reset choices shared by the snnTorch-style models.

/// What happens to the membrane after a spike (snnTorch's `reset_mechanism`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(u8)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "snake_case")
)]
pub enum Reset {
    /// Subtract the threshold (snnTorch's default).
    #[default]
    Subtract,
    /// Set the membrane to zero.
    Zero,
    /// No reset.
    None,
}

/// snnTorch's `reset_delay=False` correction, shared by `Leaky` and `Synaptic`: with
/// `d = s - r` in {-1, 0, 1}, `Subtract` gives `m - d * thr` and `Zero` gives `m - d * m`,
/// computed literally (for d = 0 this subtracts a signed zero, which f32 conformance needs).
#[inline]
pub(crate) fn immediate<S: crate::scalar::Scalar>(
    reset: Reset,
    m: S,
    threshold: S,
    spike: bool,
    r: bool,
) -> S {
    let d = match (spike, r) {
        (true, false) => S::ONE,
        (false, true) => S::ZERO.sub(S::ONE),
        _ => S::ZERO,
    };
    match reset {
        Reset::Subtract => m.sub(d.mul(threshold)),
        Reset::Zero => m.sub(d.mul(m)),
        Reset::None => m,
    }
}
