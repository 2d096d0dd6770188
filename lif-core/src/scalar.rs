//! The number types a model can run in: `f32`, `f64` (the reference) and signed 32-bit fixed
//! point (`fixed::FixedI32<Frac>`, e.g. [`I16F16`] and [`I8F24`]).
//!
//! Every operation a model performs goes through [`Scalar`], so one generic model body is the
//! only copy of the math. The trait is sealed: the determinism contract (same bits on every
//! backend) holds only for implementations whose every method is pure integer or IEEE-754
//! single-operation code, which this crate guarantees for its own.
//!
//! # Rounding and overflow
//! - Floats: IEEE-754 round-to-nearest-even, one operation at a time, never fused into an FMA.
//! - Fixed point: `add`/`sub` are exact unless they saturate. `mul` rounds toward negative
//!   infinity (the low bits of the exact product are dropped, as `fixed` does), so its error is
//!   in `(-2^-F, 0]`. `div` rounds as `fixed` does (toward zero). Every operation saturates at
//!   `MIN`/`MAX`, including division by zero (to the bound with the dividend's sign); nothing
//!   wraps and nothing panics.
//! - [`Scalar::from_f64`] rounds to nearest (ties to even) and refuses NaN, infinities and
//!   values outside the format.

use core::fmt::Debug;

use fixed::FixedI32;
use fixed::types::extra::{IsLessOrEqual, LeEqU32, True, U30};

use crate::lut;

pub use fixed::types::{I8F24, I16F16};

mod sealed {
    pub trait Sealed {}
}

/// A number type a neuron model can be instantiated with.
///
/// Few methods on purpose: constants, conversion to and from `f64`, the four arithmetic
/// operations, comparison (through `PartialOrd`) and the two per-step transcendental functions
/// the stochastic models need, which each type implements bit-reproducibly (libm for floats,
/// lookup tables and integer code for fixed point).
pub trait Scalar:
    Copy + PartialEq + PartialOrd + Default + Debug + Send + Sync + 'static + sealed::Sealed
{
    /// Short name, e.g. `"f32"` or `"I16F16"`.
    const NAME: &'static str;
    /// Additive identity.
    const ZERO: Self;
    /// Multiplicative identity.
    const ONE: Self;
    /// Largest finite value.
    const MAX: Self;
    /// Smallest (most negative) finite value.
    const MIN: Self;
    /// Absolute part of the worst rounding error of one operation, for values far from the
    /// format's limits: `2^-F` for fixed point (the floor of `mul`), the smallest subnormal for
    /// floats. Used by the documented error bounds.
    const ABS_ERR: f64;
    /// Relative part of the worst rounding error of one operation (unit roundoff): `2^-24` for
    /// f32, `2^-53` for f64, 0 for fixed point.
    const REL_ERR: f64;
    /// True for binary floating point. Models then follow their reference's operation order
    /// exactly (bit-for-bit conformance); for fixed point they may fold constants instead,
    /// for range and precision (each model's docs say where).
    const FLOAT: bool;
    /// The type in which derived parameter constants (such as `1/(R*C)`) are computed before
    /// being converted once to `Self`: the float itself for floats (so f32 reproduces PyTorch's
    /// float32 arithmetic), `f64` for fixed point (so only the final value is quantised).
    type Calc: Scalar;

    /// Converts, rounding to nearest. `None` for NaN, infinities and values outside the format.
    fn from_f64(v: f64) -> Option<Self>;
    /// Exact conversion to `f64`.
    fn to_f64(self) -> f64;
    /// Converts an integer, rounding to nearest (floats) or saturating (fixed point).
    fn from_int(v: i32) -> Self;
    /// `self + rhs`.
    fn add(self, rhs: Self) -> Self;
    /// `self - rhs`.
    fn sub(self, rhs: Self) -> Self;
    /// `self - rhs` for `rhs >= 0` (a threshold being subtracted): equal to [`Scalar::sub`]
    /// there, but fixed point saturates with one comparison, since only its lower limit can
    /// be crossed (a Cortex-M4 keeps its one saturating subtract). Fixed point checks
    /// `rhs >= 0` in debug builds.
    fn sub_nonneg(self, rhs: Self) -> Self;
    /// `self * rhs`.
    fn mul(self, rhs: Self) -> Self;
    /// `self * k` for an integer `k` with `|k| <= 2^24`: exact in fixed point (saturating),
    /// rounded once in floating point; equal to `Self::from_int(k).mul(self)` wherever the
    /// format holds `k`. The product of an 8-bit weight and its scale, or of an input and an
    /// 8-bit weight.
    fn mul_int(self, k: i32) -> Self;
    /// `sum_i x[i] * q[i]` over the shorter of the two, in index order: floats add the
    /// products one at a time (each product and each sum rounded, as [`Scalar::mul_int`] and
    /// [`Scalar::add`]); fixed point sums the exact products in 64 bits and saturates once
    /// (one multiply-accumulate per element on a Cortex-M4). The inner loop of
    /// [`crate::projection::affine_int8`].
    fn dot_int8(x: &[Self], q: &[i8]) -> Self;
    /// `self * factor` for a factor in `[0, 1]` (a decay, a rate, a step fraction): equal to
    /// [`Scalar::mul`] there, but the product cannot overflow, so fixed point skips the
    /// saturation check. Models only pass factors their parameter validation bounds to
    /// `[0, 1]`; fixed point, the one that relies on it, checks it in debug builds.
    fn scale(self, factor: Self) -> Self;
    /// `self / rhs`.
    fn div(self, rhs: Self) -> Self;
    /// False for NaN and infinities (always true for fixed point).
    fn is_finite(self) -> bool;
    /// Whether every value of `xs` is finite: one pass without a branch, which vectorises
    /// on a host and costs four instructions a value on a Cortex-M4.
    fn all_finite(xs: &[Self]) -> bool;
    /// The logistic function `1 / (1 + exp(-self))`.
    fn sigmoid(self) -> Self;
    /// How many of a 32-bit word's top bits [`Scalar::unit`] reads: 24 for f32, 32 for f64,
    /// `F` for a fixed-point format with `F` fraction bits. A variate of at most 16 bits
    /// leaves half of its word to another draw: the Poisson gate of [`crate::input`] then
    /// gates two neurons with one word.
    const UNIT_BITS: u32;
    /// A uniform variate in `[0, 1)` from 32 random bits.
    fn unit(bits: u32) -> Self;
    /// How many 32-bit words have a [`Scalar::unit`] below `p`: `unit(w) < p` exactly when
    /// `w < unit_cut(p)`, since `unit` never decreases. A Bernoulli gate then compares
    /// integers, with the same outcome as comparing the variate. In `[0, 2^32]`; 0 for NaN.
    fn unit_cut(p: Self) -> u64;
    /// A standard normal variate from 64 random bits, by the Box-Muller transform with
    /// `u1 = (hi + 1) / 2^32` (never 0) and `u2 = lo / 2^32`.
    fn std_normal(bits: u64) -> Self;
}

/// Marker: the standard 2-operand float semantics shared by f32 and f64.
macro_rules! float_scalar {
    ($t:ty, $bits:ty, $name:literal, $rel:expr, $abs:expr,
     exp = $exp:path, ln = $ln:path, sqrt = $sqrt:path, cos = $cos:path,
     unit_bits = $unit_bits:expr, unit = |$b:ident| $unit:expr, cut = |$p:ident| $cut:expr, hi = |$h:ident| $u1:expr, lo = |$l:ident| $u2:expr, tau = $tau:expr) => {
        impl sealed::Sealed for $t {}
        impl Scalar for $t {
            const NAME: &'static str = $name;
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;
            const MAX: Self = <$t>::MAX;
            const MIN: Self = <$t>::MIN;
            const ABS_ERR: f64 = $abs;
            const REL_ERR: f64 = $rel;
            const FLOAT: bool = true;
            const UNIT_BITS: u32 = $unit_bits;
            type Calc = $t;

            #[inline]
            fn from_f64(v: f64) -> Option<Self> {
                let r = v as $t;
                (v.is_finite() && r.is_finite()).then_some(r)
            }
            #[inline]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline]
            fn from_int(v: i32) -> Self {
                v as $t
            }
            #[inline]
            fn add(self, rhs: Self) -> Self {
                self + rhs
            }
            #[inline]
            fn sub(self, rhs: Self) -> Self {
                self - rhs
            }
            #[inline]
            fn sub_nonneg(self, rhs: Self) -> Self {
                self - rhs
            }
            #[inline]
            fn mul(self, rhs: Self) -> Self {
                self * rhs
            }
            #[inline]
            fn mul_int(self, k: i32) -> Self {
                self * (k as $t)
            }
            #[inline]
            fn dot_int8(x: &[Self], q: &[i8]) -> Self {
                let mut s: $t = 0.0;
                for (&v, &k) in x.iter().zip(q) {
                    s += v * (k as $t);
                }
                s
            }
            #[inline]
            fn scale(self, factor: Self) -> Self {
                self * factor
            }
            #[inline]
            fn div(self, rhs: Self) -> Self {
                self / rhs
            }
            #[inline]
            fn is_finite(self) -> bool {
                <$t>::is_finite(self)
            }
            #[inline]
            fn all_finite(xs: &[Self]) -> bool {
                const EXP: $bits = <$t>::INFINITY.to_bits();
                const LOW: $bits = EXP & EXP.wrapping_neg();
                const SIGN: $bits = !(<$bits>::MAX >> 1);
                // An all-ones exponent plus its lowest bit carries into the sign bit; no
                // other exponent does. An OR of integers vectorises; a search does not.
                xs.iter()
                    .fold(0, |acc, x| acc | ((x.to_bits() & EXP) + LOW))
                    & SIGN
                    == 0
            }
            #[inline]
            fn sigmoid(self) -> Self {
                1.0 / (1.0 + $exp(-self))
            }
            #[inline]
            fn unit($b: u32) -> Self {
                $unit
            }
            #[inline]
            fn unit_cut($p: Self) -> u64 {
                // `unit(w)` is k = w >> s times 2^-m, exactly (m + s = 32): k * 2^-m < p
                // exactly when k < ceil(p * 2^m), that is w < ceil(p * 2^m) << s; p * 2^m
                // is exact in f64. NaN gives 0.
                let (scaled, s): (f64, u32) = $cut;
                if scaled > 0.0 {
                    (libm::ceil(scaled).min((1u64 << (32 - s)) as f64) as u64) << s
                } else {
                    0
                }
            }
            #[inline]
            fn std_normal(bits: u64) -> Self {
                let $h = (bits >> 32) as u32;
                let $l = bits as u32;
                let u1: $t = $u1;
                let u2: $t = $u2;
                $sqrt(-2.0 * $ln(u1)) * $cos($tau * u2)
            }
        }
    };
}

// f32: u1 is (h + 1) / 2^32 to within one binary32 rounding (relative 2^-24, so its log is
// accurate even for tiny u1); u2 and the uniform take the top 24 bits, exactly.
float_scalar!(
    f32,
    u32,
    "f32",
    1.0 / 16_777_216.0,
    f32::from_bits(1) as f64,
    exp = libm::expf,
    ln = libm::logf,
    sqrt = libm::sqrtf,
    cos = libm::cosf,
    unit_bits = 24,
    unit = |b| (b >> 8) as f32 * (1.0 / 16_777_216.0),
    cut = |p| (p as f64 * 16_777_216.0, 8),
    hi = |h| ((h >> 8) as f32 * 256.0 + ((h & 0xff) + 1) as f32) * (1.0 / 4_294_967_296.0),
    lo = |l| (l >> 8) as f32 * (1.0 / 16_777_216.0),
    tau = core::f32::consts::TAU
);
float_scalar!(
    f64,
    u64,
    "f64",
    1.0 / 9_007_199_254_740_992.0,
    f64::from_bits(1),
    exp = libm::exp,
    ln = libm::log,
    sqrt = libm::sqrt,
    cos = libm::cos,
    unit_bits = 32,
    unit = |b| b as f64 * (1.0 / 4_294_967_296.0),
    cut = |p| (p * 4_294_967_296.0, 0),
    hi = |h| (h as f64 + 1.0) * (1.0 / 4_294_967_296.0),
    lo = |l| l as f64 * (1.0 / 4_294_967_296.0),
    tau = core::f64::consts::TAU
);

/// Converts a Q`q` integer to `FixedI32<Frac>`, rounding half up and saturating.
#[inline]
fn from_q<Frac: LeEqU32>(v: i64, q: u32) -> FixedI32<Frac> {
    let f = Frac::U32;
    let shifted = if f <= q {
        let s = q - f;
        if s == 0 {
            v
        } else {
            (v + (1i64 << (s - 1))) >> s
        }
    } else {
        v.checked_shl(f - q)
            .filter(|r| (r >> (f - q)) == v)
            .unwrap_or(if v < 0 { i64::MIN } else { i64::MAX })
    };
    FixedI32::from_bits(shifted.clamp(i32::MIN as i64, i32::MAX as i64) as i32)
}

impl<Frac> sealed::Sealed for FixedI32<Frac> where Frac: LeEqU32 {}

/// Any signed 32-bit fixed-point format with at least two integer bits (sign and one), so
/// that 1.0 is representable: `I2F30` up to `I32F0`.
impl<Frac> Scalar for FixedI32<Frac>
where
    Frac: LeEqU32 + IsLessOrEqual<U30, Output = True> + Send + Sync + 'static,
{
    const NAME: &'static str = lut::fixed_name(Frac::U32);
    const ZERO: Self = Self::ZERO;
    const ONE: Self = Self::from_bits(1 << Frac::U32);
    const MAX: Self = Self::MAX;
    const MIN: Self = Self::MIN;
    const ABS_ERR: f64 = 1.0 / (1u64 << Frac::U32) as f64;
    const REL_ERR: f64 = 0.0;
    const FLOAT: bool = false;
    const UNIT_BITS: u32 = Frac::U32;
    type Calc = f64;

    #[inline]
    fn from_f64(v: f64) -> Option<Self> {
        if v.is_finite() {
            Self::checked_from_num(v)
        } else {
            None
        }
    }
    #[inline]
    fn to_f64(self) -> f64 {
        self.to_num::<f64>()
    }
    #[inline]
    fn from_int(v: i32) -> Self {
        Self::saturating_from_num(v)
    }
    #[inline]
    fn add(self, rhs: Self) -> Self {
        self.saturating_add(rhs)
    }
    #[inline]
    fn sub(self, rhs: Self) -> Self {
        self.saturating_sub(rhs)
    }
    #[inline]
    fn sub_nonneg(self, rhs: Self) -> Self {
        debug_assert!(rhs >= Self::ZERO, "sub_nonneg of {rhs}, below 0");
        if cfg!(target_arch = "arm") {
            // A Cortex-M4 saturates in one instruction (`qsub`).
            return self.saturating_sub(rhs);
        }
        // self - rhs < MIN exactly when self < MIN + rhs (which cannot overflow for rhs >= 0).
        let r = rhs.to_bits();
        Self::from_bits(self.to_bits().max(i32::MIN + r) - r)
    }
    #[inline]
    fn mul(self, rhs: Self) -> Self {
        // Same result as `fixed`'s `saturating_mul` (floor, then saturate; the unit tests
        // compare them), written so that LLVM emits one widening multiply, a shift and a
        // clamp: `fixed`'s generic overflow check costs about 25 instructions on a Cortex-M4.
        let product = (self.to_bits() as i64) * (rhs.to_bits() as i64);
        let floored = (product >> Frac::U32) as i32;
        // The floored product fits in i32 iff bits 63..F+31 of the product are all equal.
        // Bits 63..F+31 of the product, read from its high word when F >= 1 (one shift).
        let top = if Frac::U32 >= 1 {
            ((product >> 32) as i32 >> (Frac::U32 - 1)) as i64
        } else {
            product >> 31
        };
        if top == 0 || top == -1 {
            Self::from_bits(floored)
        } else if product < 0 {
            Self::MIN
        } else {
            Self::MAX
        }
    }
    #[inline]
    fn mul_int(self, k: i32) -> Self {
        let product = (self.to_bits() as i64) * (k as i64);
        Self::from_bits(product.clamp(i32::MIN as i64, i32::MAX as i64) as i32)
    }
    #[inline]
    fn dot_int8(x: &[Self], q: &[i8]) -> Self {
        // |x * q| < 2^38: 2^25 terms fit in i64, far more than any layer.
        let mut acc = 0i64;
        for (&v, &k) in x.iter().zip(q) {
            acc += i64::from(v.to_bits()) * i64::from(k);
        }
        Self::from_bits(acc.clamp(i32::MIN as i64, i32::MAX as i64) as i32)
    }
    #[inline]
    fn scale(self, factor: Self) -> Self {
        debug_assert!(
            Self::ZERO <= factor && factor <= Self::ONE,
            "scale by {factor}, outside [0, 1]"
        );
        // |self * factor| <= |self| for factor in [0, 1]: the floored product fits.
        let (m, b) = (self.to_bits(), factor.to_bits());
        let f = Frac::U32;
        // A Cortex-M4 has a one-cycle 32x32 -> 64 multiply (`smull`): the 64-bit product
        // is its cheapest form there.
        if f <= 16 && !cfg!(target_arch = "arm") {
            // The same floored product in 32-bit lanes, twice as many per vector as a
            // 64-bit product: with m = hi * 2^F + lo (0 <= lo < 2^F),
            // floor(m * b / 2^F) = hi * b + floor(lo * b / 2^F), where hi * b fits in i32
            // (|hi| <= 2^(31-F), b <= 2^F) and lo * b < 2^(2F) <= 2^32 fits in u32.
            let hi = m >> f;
            let lo = (m as u32) & ((1u32 << f) - 1);
            let low = ((lo * b as u32) >> f) as i32;
            Self::from_bits(hi.wrapping_mul(b).wrapping_add(low))
        } else {
            Self::from_bits(((m as i64 * b as i64) >> f) as i32)
        }
    }
    #[inline]
    fn div(self, rhs: Self) -> Self {
        match self.checked_div(rhs) {
            Some(q) => q,
            None if (self < Self::ZERO) != (rhs < Self::ZERO) && rhs != Self::ZERO => Self::MIN,
            None if self < Self::ZERO => Self::MIN,
            None => Self::MAX,
        }
    }
    #[inline]
    fn is_finite(self) -> bool {
        true
    }
    #[inline]
    fn all_finite(_: &[Self]) -> bool {
        true
    }
    #[inline]
    fn sigmoid(self) -> Self {
        from_q(lut::sigmoid_q30(self.to_bits() as i64, Frac::U32), 30)
    }
    #[inline]
    fn unit(bits: u32) -> Self {
        Self::from_bits(bits.checked_shr(32 - Frac::U32).unwrap_or(0) as i32)
    }
    #[inline]
    fn unit_cut(p: Self) -> u64 {
        // `unit(w)` is `w >> (32 - F)` as bits: below p's bits exactly when w is below
        // them shifted back up.
        ((p.to_bits().max(0) as u64) << (32 - Frac::U32)).min(1 << 32)
    }
    #[inline]
    fn std_normal(bits: u64) -> Self {
        from_q(lut::std_normal_q28(bits), 28)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_finite_finds_every_non_finite_value_at_any_place() {
        fn check<T: Scalar>(finite: &[T], bad: &[T]) {
            assert!(T::all_finite(finite));
            assert!(T::all_finite(&[]));
            for &b in bad {
                for at in [0, 3, finite.len()] {
                    let mut xs: [T; 12] = core::array::from_fn(|i| finite[i % finite.len()]);
                    xs[at.min(11)] = b;
                    assert!(!T::all_finite(&xs), "{} missed at {at}", T::NAME);
                }
            }
        }
        check(
            &[
                0.0f32,
                -0.0,
                1.0,
                -1.0,
                f32::MAX,
                f32::MIN,
                f32::MIN_POSITIVE,
                f32::from_bits(1),
            ],
            &[
                f32::NAN,
                -f32::NAN,
                f32::INFINITY,
                f32::NEG_INFINITY,
                f32::from_bits(0x7f80_0001),
            ],
        );
        check(
            &[0.0f64, -0.0, 1.5, f64::MAX, f64::MIN, f64::from_bits(1)],
            &[
                f64::NAN,
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::from_bits(0xfff0_0000_0000_0001),
            ],
        );
        assert!(I16F16::all_finite(&[I16F16::MAX, I16F16::MIN]));
    }

    #[test]
    fn fixed_mul_rounds_toward_negative_infinity() {
        let tiny = I16F16::from_bits(1);
        let half = I16F16::from_num(0.5);
        assert_eq!(tiny.mul(half).to_bits(), 0);
        assert_eq!(tiny.sub(I16F16::ONE).sub(I16F16::ONE).to_bits(), -0x1_ffff);
        assert_eq!(I16F16::from_bits(-1).mul(half).to_bits(), -1);
    }

    /// A xorshift64 sequence from `seed`: the tests' source of spread-out bit patterns.
    fn xorshift(mut x: u64) -> impl FnMut() -> u64 {
        move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        }
    }

    #[test]
    fn fixed_mul_equals_the_fixed_crates_saturating_mul() {
        let mut bits = xorshift(0x9e37_79b9_7f4a_7c15);
        let mut next = || bits() as u32 as i32;
        let edges = [
            0,
            1,
            -1,
            i32::MAX,
            i32::MIN,
            1 << 16,
            -(1 << 16),
            0x7fff_0000,
            -0x7fff_0000,
        ];
        for i in 0..200_000 {
            let (a, b) = if i < 81 {
                (edges[i % 9], edges[i / 9])
            } else {
                (next(), next() >> (i % 24))
            };
            let (fa, fb) = (I16F16::from_bits(a), I16F16::from_bits(b));
            assert_eq!(
                Scalar::mul(fa, fb),
                fa.saturating_mul(fb),
                "{a:#x} * {b:#x}"
            );
            let unit = I16F16::from_bits((b as u32 % 0x1_0001) as i32);
            assert_eq!(
                fa.scale(unit),
                fa.saturating_mul(unit),
                "{a:#x} scaled by {unit}"
            );
            let (ga, gb) = (I8F24::from_bits(a), I8F24::from_bits(b));
            assert_eq!(
                Scalar::mul(ga, gb),
                ga.saturating_mul(gb),
                "{a:#x} * {b:#x}"
            );
        }
    }

    #[test]
    fn mul_int_is_a_multiplication_by_the_integer_as_a_scalar() {
        fn check<T: Scalar>(values: &[f64]) {
            for &v in values {
                let x = T::from_f64(v).unwrap();
                // The integers each format holds.
                let big = if T::MAX.to_f64() > 1000.0 { 1000 } else { 100 };
                for k in [-big, -127, -3, -1, 0, 1, 2, 100, 127, big] {
                    assert_eq!(x.mul_int(k), T::from_int(k).mul(x), "{} {v} * {k}", T::NAME);
                }
            }
        }
        let values = [0.0, 1.0, -0.5, 0.123, 3.75, -250.0, 30000.0, -32768.0];
        check::<f32>(&values);
        check::<f64>(&values);
        check::<I16F16>(&values);
        check::<I8F24>(&[0.0, 1.0, -0.5, 0.123, 3.75, -100.0]);
    }

    #[test]
    fn dot_int8_sums_exactly_in_fixed_point_and_in_order_in_floats() {
        let q = [127i8, -128, 3, 0, -7];
        let xs = [1.5, -0.25, 1000.0, 7.0, -3.125];
        let x16 = xs.map(|v| I16F16::from_f64(v).unwrap());
        let want: f64 = xs.iter().zip(q).map(|(x, k)| x * f64::from(k)).sum();
        assert_eq!(I16F16::dot_int8(&x16, &q).to_f64(), want);
        // Partial sums beyond the format do not saturate; only the result does.
        let big = [I16F16::from_f64(300.0).unwrap(); 2];
        assert_eq!(I16F16::dot_int8(&big, &[127, -127]), I16F16::ZERO);
        assert_eq!(I16F16::dot_int8(&big, &[127, 127]), I16F16::MAX);
        let x32 = xs.map(|v| v as f32);
        let mut s = 0.0f32;
        for (x, k) in x32.iter().zip(q) {
            s = s.add(x.mul_int(i32::from(k)));
        }
        assert_eq!(f32::dot_int8(&x32, &q), s);
    }

    #[test]
    fn fixed_saturates_instead_of_wrapping() {
        let big = I16F16::MAX;
        assert_eq!(big.add(I16F16::ONE), I16F16::MAX);
        assert_eq!(I16F16::MIN.sub(I16F16::ONE), I16F16::MIN);
        assert_eq!(big.mul(big), I16F16::MAX);
        assert_eq!(big.mul(I16F16::MIN), I16F16::MIN);
        assert_eq!(I16F16::ONE.div(I16F16::ZERO), I16F16::MAX);
        assert_eq!(I16F16::ZERO.sub(I16F16::ONE).div(I16F16::ZERO), I16F16::MIN);
        assert_eq!(big.div(I16F16::from_bits(1)), I16F16::MAX);
        assert_eq!(big.div(I16F16::from_bits(-1)), I16F16::MIN);
    }

    #[test]
    fn from_f64_refuses_what_does_not_fit() {
        assert_eq!(I16F16::from_f64(32768.0), None);
        assert_eq!(I16F16::from_f64(-32768.0), Some(I16F16::MIN));
        assert_eq!(I16F16::from_f64(f64::NAN), None);
        assert_eq!(I8F24::from_f64(128.0), None);
        assert_eq!(f32::from_f64(1e39), None);
        assert_eq!(f32::from_f64(f64::INFINITY), None);
        assert_eq!(f32::from_f64(0.9), Some(0.9f32));
        assert_eq!(0.9f32.to_bits(), 0x3f66_6666);
    }

    #[test]
    fn from_int_saturates_in_fixed_point() {
        assert_eq!(I16F16::from_int(3).to_f64(), 3.0);
        assert_eq!(I16F16::from_int(-40_000), I16F16::MIN);
        assert_eq!(I8F24::from_int(1_000), I8F24::MAX);
        assert_eq!(f32::from_int(-7), -7.0);
    }

    #[test]
    fn names() {
        assert_eq!(<I16F16 as Scalar>::NAME, "I16F16");
        assert_eq!(<I8F24 as Scalar>::NAME, "I8F24");
        assert_eq!(<f32 as Scalar>::NAME, "f32");
    }

    #[test]
    fn fixed_sigmoid_matches_f64_within_table_error() {
        for i in -40_000..40_000 {
            let x = i as f64 / 2000.0;
            let want = 1.0 / (1.0 + libm::exp(-x));
            let a = I16F16::from_f64(x).unwrap();
            let got = a.sigmoid().to_f64();
            let want_a = 1.0 / (1.0 + libm::exp(-a.to_f64()));
            assert!(
                (got - want_a).abs() <= 2.0e-5,
                "x={x} got={got} want={want} a={want_a}"
            );
            let b = I8F24::from_f64(x.clamp(-127.0, 127.0)).unwrap();
            let want_b = 1.0 / (1.0 + libm::exp(-b.to_f64()));
            assert!(
                (b.sigmoid().to_f64() - want_b).abs() <= 1.2e-5,
                "x={x} got={} want={want_b}",
                b.sigmoid().to_f64()
            );
        }
        assert_eq!(I16F16::MAX.sigmoid(), I16F16::ONE);
        assert_eq!(I16F16::MIN.sigmoid(), I16F16::ZERO);
    }

    #[test]
    fn float_sigmoid_limits() {
        assert_eq!(f32::sigmoid(-200.0), 0.0);
        assert_eq!(f32::sigmoid(200.0), 1.0);
        assert_eq!(f32::sigmoid(0.0), 0.5);
    }

    #[test]
    fn scale_is_the_floored_product_for_every_factor_in_zero_one() {
        fn check<T: Scalar + fixed::traits::Fixed<Bits = i32>>() {
            let one = T::ONE.to_bits();
            let mut next = xorshift(0x243f_6a88_85a3_08d3);
            let ends = [i32::MIN, i32::MIN + 1, -1, 0, 1, i32::MAX, i32::MAX - 1];
            let mut cases: Vec<(i32, i32)> = Vec::new();
            for &m in &ends {
                for b in [0, 1, one / 2, one - 1, one] {
                    cases.push((m, b));
                }
            }
            for _ in 0..100_000 {
                let r = next();
                cases.push((r as i32, ((r >> 32) % (one as u64 + 1)) as i32));
            }
            for (m, b) in cases {
                let want = ((m as i64 * b as i64) >> T::FRAC_NBITS) as i32;
                let got = T::from_bits(m).scale(T::from_bits(b)).to_bits();
                assert_eq!(got, want, "{} {m} * {b}", T::NAME);
            }
        }
        check::<I16F16>();
        check::<I8F24>();
        check::<fixed::types::I20F12>();
        check::<fixed::types::I32F0>();
        check::<fixed::types::I2F30>();
    }

    #[test]
    fn sub_nonneg_equals_sub() {
        let mut next = xorshift(0x1319_8a2e_0370_7344);
        let ends = [i32::MIN, i32::MIN + 1, -1, 0, 1, i32::MAX];
        let mut cases: Vec<(i32, i32)> = Vec::new();
        for a in ends {
            for r in [0, 1, 1 << 16, i32::MAX - 1, i32::MAX] {
                cases.push((a, r));
            }
        }
        cases.extend((0..100_000).map(|_| {
            let v = next();
            (v as i32, (v >> 33) as i32 >> (v % 31))
        }));
        for (a, r) in cases {
            let (a, r) = (I16F16::from_bits(a), I16F16::from_bits(r));
            assert_eq!(a.sub_nonneg(r), a.sub(r), "{a} - {r}");
        }
        for (a, r) in [
            (1.5f32, 0.25f32),
            (-0.0, 0.0),
            (f32::MIN, 1e38),
            (0.0, f32::INFINITY),
        ] {
            assert_eq!(a.sub_nonneg(r).to_bits(), a.sub(r).to_bits());
        }
    }

    #[test]
    fn unit_cut_splits_the_words_where_unit_reaches_p() {
        fn check<T: Scalar>(ps: &[T]) {
            for &p in ps {
                let cut = T::unit_cut(p);
                assert!(cut <= 1 << 32);
                // The words on either side of the cut, the ends, and a spread between.
                let mut words: Vec<u64> = vec![0, u32::MAX as u64, cut, cut.wrapping_sub(1)];
                words.extend((0..64).map(|k| k * 0x0400_0000 + k * 7919));
                for w in words.into_iter().filter(|&w| w <= u32::MAX as u64) {
                    assert_eq!(
                        T::unit(w as u32) < p,
                        w < cut,
                        "{} p {} word {w:#x} cut {cut:#x}",
                        T::NAME,
                        p.to_f64()
                    );
                }
            }
        }
        let ps = [0.0, 1e-12, 1e-7, 0.2, 0.5, 0.7, 0.999_999, 1.0, 2.0, -0.5];
        check(&ps.map(|p| p as f32));
        check(&[f32::MIN_POSITIVE, 1.0 - f32::EPSILON / 2.0, -0.0, f32::NAN]);
        check(&[1.0 - f64::EPSILON / 2.0, f64::NAN, 3e-10]);
        check(&ps);
        check(&ps.map(I16F16::saturating_from_num));
        check(&[I16F16::from_bits(1), I16F16::from_bits(0xffff)]);
        check(&ps.map(I8F24::saturating_from_num));
        check(&ps.map(fixed::types::I2F30::saturating_from_num));
        check(&ps.map(fixed::types::I32F0::saturating_from_num));
    }

    #[test]
    fn unit_is_in_zero_one() {
        for b in [0u32, 1, 0x8000_0000, u32::MAX] {
            for v in [
                f32::unit(b).to_f64(),
                f64::unit(b),
                I16F16::unit(b).to_f64(),
                I8F24::unit(b).to_f64(),
            ] {
                assert!((0.0..1.0).contains(&v), "{b:#x} -> {v}");
            }
        }
        assert_eq!(I16F16::unit(0x8000_0000).to_f64(), 0.5);
    }

    /// `unit` reads exactly the top `UNIT_BITS` bits: the bits below change nothing, the
    /// lowest of those it reads changes the variate.
    fn reads_its_unit_bits<S: Scalar>() {
        let bits = S::UNIT_BITS;
        let below = u32::MAX.checked_shr(bits).unwrap_or(0);
        for w in [0u32, 0x8000_0000, 0x1234_5678, u32::MAX] {
            assert_eq!(S::unit(w), S::unit(w & !below), "{} {w:#x}", S::NAME);
            if bits > 0 {
                let lowest = 1u32 << (32 - bits);
                assert_ne!(S::unit(w), S::unit(w ^ lowest), "{} {w:#x}", S::NAME);
            }
        }
    }

    #[test]
    fn unit_bits_are_the_bits_unit_reads() {
        reads_its_unit_bits::<f32>();
        reads_its_unit_bits::<f64>();
        reads_its_unit_bits::<I16F16>();
        reads_its_unit_bits::<I8F24>();
        reads_its_unit_bits::<fixed::types::I20F12>();
        reads_its_unit_bits::<fixed::types::I32F0>();
        assert_eq!((f32::UNIT_BITS, I16F16::UNIT_BITS), (24, 16));
    }

    #[test]
    fn fixed_normal_tracks_f64_box_muller() {
        let mut x = 0x1234_5678_9abc_def0u64;
        let mut worst = 0.0f64;
        for _ in 0..200_000 {
            // splitmix64 step, only to spread test points
            x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^= z >> 31;
            let want = f64::std_normal(z);
            let got = I8F24::std_normal(z).to_f64();
            worst = worst.max((got - want).abs());
            let f = f32::std_normal(z) as f64;
            // Near u1 = 1, binary32 resolves u1 to 2^-24, so -2 ln u1 is off by up to 2^-23
            // and r = sqrt(-2 ln u1) by up to sqrt(2^-23) = 3.5e-4; elsewhere a few ulps.
            assert!(
                (f - want).abs() <= 3.6e-4 + 2e-6 * want.abs(),
                "{f} vs {want}"
            );
        }
        // log2 table error <= 7e-7 -> -2 ln u1 off by <= 1e-6 -> r off by <= 1e-3 near 0.
        assert!(worst <= 1e-3, "worst {worst}");
    }
}
