//! Shared helpers of the integration tests: the rounding model behind the documented error
//! bounds, and per-scalar accuracy constants of the per-step transcendental functions.
#![allow(dead_code)]

use lif_core::{I8F24, I16F16, Scalar};

/// Accuracy of the scalar's per-step transcendental functions relative to f64 on the same
/// random bits; each value is derived in `lif-core/src/scalar.rs` / `lut.rs` and checked by
/// their unit tests.
pub trait Spec: Scalar {
    /// |sigmoid_S(x) - sigmoid(x)| for the same input.
    const SIGMOID_ERR: f64;
    /// |unit_S(b) - b / 2^32|.
    const UNIT_ERR: f64;
    /// Bound on |-2 ln u1| error of S's Box-Muller radius stage, absolute (`abs`) and relative
    /// to `y = -2 ln u1` (`rel`).
    const LOG_ERR: (f64, f64);
    /// Bound on |std_normal_S(b) - std_normal_f64(b)| for the 64 random bits `b`: the radius
    /// `r = sqrt(y)` inherits `dy` as `min(dy / sqrt(y), sqrt(dy))`; the angle stage adds
    /// `2e-6 r`; the result is rounded once more.
    fn normal_err(bits: u64) -> f64 {
        let y = -2.0 * (((bits >> 32) as f64 + 1.0) / 4_294_967_296.0).ln();
        let (abs, rel) = Self::LOG_ERR;
        let dy = abs + rel * y;
        let r = y.sqrt();
        let dr = if r > 0.0 {
            (dy / r).min(dy.sqrt())
        } else {
            dy.sqrt()
        };
        dr + 2e-6 * r + Self::ABS_ERR + 4.0 * Self::REL_ERR * r
    }
}

impl Spec for f64 {
    const SIGMOID_ERR: f64 = 1e-15;
    const UNIT_ERR: f64 = 0.0;
    const LOG_ERR: (f64, f64) = (0.0, 0.0);
    fn normal_err(_bits: u64) -> f64 {
        0.0
    }
}
impl Spec for f32 {
    const SIGMOID_ERR: f64 = 1e-6;
    const UNIT_ERR: f64 = 1.0 / 16_777_216.0;
    // u1 rounded to binary32 (relative 2^-24, so ln u1 off by 2^-24), then logf and the
    // product by -2 (a few ulps of y).
    const LOG_ERR: (f64, f64) = (1.0 / 8_388_608.0, 8.0 / 16_777_216.0);
}
impl Spec for I16F16 {
    const SIGMOID_ERR: f64 = 1.2e-5 + 1.0 / 65_536.0;
    const UNIT_ERR: f64 = 1.0 / 65_536.0;
    // log2 table interpolation (<= 7e-7 in log2 units, times 2 ln 2) and Q28 truncations.
    const LOG_ERR: (f64, f64) = (1.0e-6, 0.0);
}
impl Spec for I8F24 {
    const SIGMOID_ERR: f64 = 1.2e-5 + 1.0 / 16_777_216.0;
    const UNIT_ERR: f64 = 1.0 / 16_777_216.0;
    const LOG_ERR: (f64, f64) = (1.0e-6, 0.0);
}

/// A reference value and a bound on how far the scalar `S` computation of it can be.
#[derive(Debug, Clone, Copy)]
pub struct E {
    /// The f64 reference value.
    pub v: f64,
    /// Bound on |value computed in S - v|.
    pub e: f64,
}

/// The rounding model of scalar `S`: a multiplication or division is off by at most
/// `ABS_ERR + REL_ERR * |result|`, an addition by `REL_ERR * |result|` (exact in fixed point),
/// a conversion from f64 by half of `ABS_ERR` plus `REL_ERR * |value|`. Errors propagate to first and second order exactly as written below.
/// The f64 reference's own rounding (2^-53 relative) is treated as exact; comparisons allow
/// for it with a relative slack of 1e-9.
pub struct Model<S>(core::marker::PhantomData<S>);

impl<S: Scalar> Model<S> {
    /// Rounding of a multiplication or division (fixed point: the floor drops < 2^-F).
    pub fn rho(mag: f64) -> f64 {
        S::ABS_ERR + S::REL_ERR * mag
    }
    /// Rounding of an addition or subtraction (exact in fixed point short of saturation).
    pub fn rho_add(mag: f64) -> f64 {
        S::REL_ERR * mag
    }
    /// A derived constant the model computes in f64 and rounds once (any S).
    pub fn rounded(v: f64) -> E {
        Self::given(v)
    }
    /// An exactly known value (0, 1, a reset potential chosen on an exact path).
    pub fn exact(v: f64) -> E {
        E { v, e: 0.0 }
    }
    /// A parameter or input given in f64 and rounded once into S.
    /// A parameter or input given in f64 and rounded to nearest once into S.
    pub fn given(v: f64) -> E {
        E {
            v,
            e: S::ABS_ERR / 2.0 + S::REL_ERR * v.abs(),
        }
    }
    pub fn add(a: E, b: E) -> E {
        let v = a.v + b.v;
        let e = a.e + b.e;
        E {
            v,
            e: e + Self::rho_add(v.abs() + e),
        }
    }
    pub fn sub(a: E, b: E) -> E {
        let v = a.v - b.v;
        let e = a.e + b.e;
        E {
            v,
            e: e + Self::rho_add(v.abs() + e),
        }
    }
    pub fn mul(a: E, b: E) -> E {
        let v = a.v * b.v;
        let e = a.v.abs() * b.e + b.v.abs() * a.e + a.e * b.e;
        E {
            v,
            e: e + Self::rho(v.abs() + e),
        }
    }
    pub fn div(a: E, b: E) -> E {
        let v = a.v / b.v;
        assert!(b.v.abs() > b.e, "divisor bound straddles zero");
        let e = (a.e + v.abs() * b.e) / (b.v.abs() - b.e);
        E {
            v,
            e: e + Self::rho(v.abs() + e),
        }
    }
    /// A derived constant: computed in `S::Calc` like the model does (floats), or in f64 and
    /// rounded once (fixed point, where `S::Calc = f64`).
    pub fn derived(exact: f64, in_calc: impl FnOnce() -> E) -> E {
        if S::FLOAT {
            in_calc()
        } else {
            Self::given(exact)
        }
    }
    /// `v + (t - v) * k`, in any of the algebraically equal forms the models write it
    /// (`t + (v - t) * (1 - k)` aside). Unlike composing `add`, `sub` and `mul`, this keeps
    /// the correlation between the two occurrences of `v`: the error of `v` shrinks by
    /// `|1 - k|` instead of growing by `1 + k`.
    pub fn relax(v: E, t: E, k: E) -> E {
        let d = t.v - v.v;
        let val = v.v + d * k.v;
        let de = v.e + t.e;
        let e = ((1.0 - k.v).abs() + k.e) * v.e
            + (k.v.abs() + k.e) * t.e
            + d.abs() * k.e
            + (k.v.abs() + k.e) * Self::rho_add(d.abs() + de)
            + Self::rho((d * k.v).abs() + de * (k.v.abs() + k.e) + d.abs() * k.e)
            + Self::rho_add(val.abs() + v.e + t.e + d.abs() * k.e);
        E { v: val, e }
    }
    /// True when `a` may come near the format's range, where S saturates (tested on its own)
    /// and this rounding model no longer applies.
    pub fn saturates(a: E) -> bool {
        a.v.abs() + a.e >= 0.9 * S::MAX.to_f64()
    }
    /// True when the comparison of `a` and `b` could come out differently in S than in f64.
    pub fn ambiguous(a: E, b: E) -> bool {
        (a.v - b.v).abs() <= (a.e + b.e) * (1.0 + 1e-9) + 1e-12 * (a.v.abs() + b.v.abs())
    }
}

/// Asserts that an S state variable lies within its bound of the f64 reference.
#[track_caller]
pub fn within<S: Scalar>(what: &str, t: usize, got: S, want: f64, bound: E) {
    assert!(
        (bound.v - want).abs() <= 1e-9 * (1.0 + want.abs()),
        "{what} at step {t}: the bound's mirror ({}) drifted from the f64 model ({want})",
        bound.v
    );
    let err = (got.to_f64() - want).abs();
    let allowed = bound.e * (1.0 + 1e-9) + 1e-12 * (1.0 + want.abs());
    assert!(
        err <= allowed,
        "{} {what} at step {t}: {} vs f64 {want}: error {err:e} > bound {allowed:e}",
        S::NAME,
        got.to_f64()
    );
}
