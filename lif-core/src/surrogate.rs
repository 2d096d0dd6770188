//! Surrogate gradients for training spiking networks (host side).
//!
//! The forward pass of every surrogate is the Heaviside step `H(x) = 1 if x >= 0 else 0` on
//! `x = V - V_th`; the surrogate replaces its derivative (zero almost everywhere) by a smooth
//! bump. Pure functions of `(x, alpha)`, in f64 and f32 (one libm call at most).

/// A surrogate-gradient shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Surrogate {
    /// Straight-through estimator: derivative 1 everywhere (the seed's `heaviside`, whose
    /// backward pass crashes there, gets this well-defined gradient).
    Heaviside,
    /// `1 / (1 + alpha |x|)^2`.
    #[default]
    FastSigmoid,
    /// `exp(-x^2 / (2 alpha^2))`.
    Gaussian,
    /// `1 / (1 + (alpha x)^2)`.
    Arctan,
    /// snnTorch's `atan`: `(alpha / 2) / (1 + (pi/2 * alpha * x)^2)`.
    SnnTorchAtan,
}

macro_rules! surrogate_fns {
    ($forward:ident, $derivative:ident, $t:ty, $exp:path, $pi:expr) => {
        impl Surrogate {
            /// Forward pass: the spike, `H(x)`.
            pub fn $forward(self, x: $t) -> $t {
                if x >= 0.0 { 1.0 } else { 0.0 }
            }

            /// The surrogate derivative at `x` with slope parameter `alpha`.
            pub fn $derivative(self, x: $t, alpha: $t) -> $t {
                match self {
                    Surrogate::Heaviside => 1.0,
                    Surrogate::FastSigmoid => {
                        let d = 1.0 + alpha * x.abs();
                        1.0 / (d * d)
                    }
                    Surrogate::Gaussian => $exp(-(x * x) / (2.0 * alpha * alpha)),
                    Surrogate::Arctan => {
                        let z = alpha * x;
                        1.0 / (1.0 + z * z)
                    }
                    Surrogate::SnnTorchAtan => {
                        let z = $pi / 2.0 * alpha * x;
                        (alpha / 2.0) / (1.0 + z * z)
                    }
                }
            }
        }
    };
}

surrogate_fns!(forward, derivative, f64, libm::exp, core::f64::consts::PI);
surrogate_fns!(
    forward_f32,
    derivative_f32,
    f32,
    libm::expf,
    core::f32::consts::PI
);

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Surrogate; 5] = [
        Surrogate::Heaviside,
        Surrogate::FastSigmoid,
        Surrogate::Gaussian,
        Surrogate::Arctan,
        Surrogate::SnnTorchAtan,
    ];

    #[test]
    fn peak_at_threshold_and_symmetric() {
        for s in ALL {
            let peak = s.derivative(0.0, 2.0);
            for x in [0.1, 0.5, 1.0, 3.0] {
                assert_eq!(s.derivative(x, 2.0), s.derivative(-x, 2.0), "{s:?}");
                assert!(s.derivative(x, 2.0) <= peak, "{s:?}");
            }
            assert_eq!(s.forward(0.0), 1.0);
            assert_eq!(s.forward(-1e-9), 0.0);
        }
        assert_eq!(Surrogate::SnnTorchAtan.derivative(0.0, 2.0), 1.0);
        assert_eq!(Surrogate::FastSigmoid.derivative(1.0, 1.0), 0.25);
        assert!((Surrogate::Gaussian.derivative(1.0, 1.0) - (-0.5f64).exp()).abs() < 1e-15);
        assert_eq!(Surrogate::Arctan.derivative_f32(1.0, 1.0), 0.5);
    }

    #[test]
    fn snntorch_atan_is_the_derivative_of_its_primitive() {
        // snnTorch's atan forward for the backward pass: (1/pi) atan(pi/2 alpha x) + 1/2.
        let alpha = 2.0;
        let prim =
            |x: f64| libm::atan(core::f64::consts::PI / 2.0 * alpha * x) / core::f64::consts::PI;
        for x in [-1.0, -0.2, 0.0, 0.3, 2.0] {
            let h = 1e-6;
            let num = (prim(x + h) - prim(x - h)) / (2.0 * h);
            assert!((num - Surrogate::SnnTorchAtan.derivative(x, alpha)).abs() < 1e-8);
        }
    }
}
