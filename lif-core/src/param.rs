//! Validation and one-time conversion of f64 parameters into a scalar format.

use crate::error::{Error, ParamProblem, param};
use crate::scalar::Scalar;

/// Refuses NaN and infinities.
pub(crate) fn finite(name: &'static str, v: f64) -> Result<f64, Error> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(param(name, v, ParamProblem::NotFinite))
    }
}

/// Requires `v > 0`.
pub(crate) fn positive(name: &'static str, v: f64) -> Result<f64, Error> {
    let v = finite(name, v)?;
    if v > 0.0 {
        Ok(v)
    } else {
        Err(param(name, v, ParamProblem::OutOfRange { allowed: "> 0" }))
    }
}

/// Requires `v >= 0`.
pub(crate) fn non_negative(name: &'static str, v: f64) -> Result<f64, Error> {
    let v = finite(name, v)?;
    if v >= 0.0 {
        Ok(v)
    } else {
        Err(param(name, v, ParamProblem::OutOfRange { allowed: ">= 0" }))
    }
}

/// Requires `0 <= v <= 1`.
pub(crate) fn unit_interval(name: &'static str, v: f64) -> Result<f64, Error> {
    let v = finite(name, v)?;
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(param(
            name,
            v,
            ParamProblem::OutOfRange { allowed: "[0, 1]" },
        ))
    }
}

/// Converts a validated value to `S`, naming the parameter if it does not fit.
pub(crate) fn to_scalar<S: Scalar>(name: &'static str, v: f64) -> Result<S, Error> {
    S::from_f64(v).ok_or_else(|| param(name, v, ParamProblem::Overflow { scalar: S::NAME }))
}

/// Converts a value validated by [`positive`], refusing it as out of range when it rounds
/// to 0 (or below) in `S`: a threshold of 1e-10 in Q16.16 is refused like a threshold of 0.
pub(crate) fn to_positive<S: Scalar>(name: &'static str, v: f64) -> Result<S, Error> {
    let s = to_scalar::<S>(name, v)?;
    if s > S::ZERO {
        Ok(s)
    } else {
        Err(param(
            name,
            v,
            ParamProblem::OutOfRange {
                allowed: "> 0 once rounded to the scalar",
            },
        ))
    }
}

/// Converts a value computed in `S::Calc` to `S`.
pub(crate) fn from_calc<S: Scalar>(name: &'static str, given: f64, v: S::Calc) -> Result<S, Error> {
    S::from_f64(v.to_f64())
        .ok_or_else(|| param(name, given, ParamProblem::Overflow { scalar: S::NAME }))
}

/// Converts a decay/multiplier factor in `[0, 1]` (what [`Scalar::scale`] takes), refusing a
/// format in which one strictly inside (0, 1) collapses to 0 or 1 (the model would silently
/// stop decaying or forget at once).
pub(crate) fn factor<S: Scalar>(
    name: &'static str,
    given: f64,
    derived: &'static str,
    v: f64,
) -> Result<S, Error> {
    debug_assert!((0.0..=1.0).contains(&v), "factor {derived} = {v}");
    let s = to_scalar::<S>(name, v)?;
    if v > 0.0 && v < 1.0 && (s == S::ZERO || s == S::ONE) {
        return Err(param(
            name,
            given,
            ParamProblem::Degenerate {
                scalar: S::NAME,
                derived,
            },
        ));
    }
    Ok(s)
}

/// Converts a value that must not round to zero when it is not zero (a rate or increment
/// smaller than the format's resolution would silently vanish).
pub(crate) fn nonvanishing<S: Scalar>(
    name: &'static str,
    derived: &'static str,
    v: f64,
) -> Result<S, Error> {
    let s = to_scalar::<S>(name, v)?;
    if v != 0.0 && s == S::ZERO {
        return Err(param(
            name,
            v,
            ParamProblem::Degenerate {
                scalar: S::NAME,
                derived,
            },
        ));
    }
    Ok(s)
}
