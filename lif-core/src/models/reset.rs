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

/// The subtractive reset of a delayed spike: `base - thr` where one is pending (`r`), else
/// `base`. The same value as subtracting a selected zero threshold (which leaves every
/// value, a negative zero too, as it is), but only a pending reset subtracts, so fixed
/// point's saturating subtraction becomes a max and a masked subtract in vector lanes.
#[inline(always)]
pub(crate) fn subtract_pending<S: crate::scalar::Scalar>(base: S, thr: S, r: bool) -> S {
    if r { base.sub_nonneg(thr) } else { base }
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
