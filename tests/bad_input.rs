//! Bad input gets a typed error naming what is wrong, never a panic and never garbage.

use lif_core::population::{self, PerNeuron, Shared};
use lif_core::*;

#[track_caller]
fn param_err<T: std::fmt::Debug>(r: Result<T, Error>, want_name: &str) -> ParamProblem {
    match r {
        Err(Error::Param { name, problem, .. }) => {
            assert_eq!(name, want_name);
            problem
        }
        other => panic!("expected a parameter error on {want_name}, got {other:?}"),
    }
}

#[test]
fn invalid_parameters_are_named() {
    use ParamProblem::*;
    let leaky = |beta, threshold| LeakyConfig {
        beta,
        threshold,
        ..LeakyConfig::default()
    };
    assert!(matches!(
        param_err(leaky(1.5, 1.0).build::<f32>(), "beta"),
        OutOfRange { .. }
    ));
    assert!(matches!(
        param_err(leaky(-0.1, 1.0).build::<f32>(), "beta"),
        OutOfRange { .. }
    ));
    assert!(matches!(
        param_err(leaky(f64::NAN, 1.0).build::<f32>(), "beta"),
        NotFinite
    ));
    assert!(matches!(
        param_err(leaky(0.9, 0.0).build::<f32>(), "threshold"),
        OutOfRange { .. }
    ));
    assert!(matches!(
        param_err(leaky(0.9, f64::INFINITY).build::<f64>(), "threshold"),
        NotFinite
    ));

    let lap = |r, c, dt| LapicqueConfig {
        r,
        c,
        dt,
        ..LapicqueConfig::default()
    };
    assert!(matches!(
        param_err(lap(5.1, 0.0, 1e-3).build::<f32>(), "c"),
        OutOfRange { .. }
    ));
    assert!(matches!(
        param_err(lap(5.1, -1.0, 1e-3).build::<f32>(), "c"),
        OutOfRange { .. }
    ));
    assert!(matches!(
        param_err(lap(0.0, 5e-3, 1e-3).build::<f32>(), "r"),
        OutOfRange { .. }
    ));
    assert!(matches!(
        param_err(lap(5.1, 5e-3, 0.0).build::<f32>(), "dt"),
        OutOfRange { .. }
    ));
    assert!(matches!(
        param_err(lap(5.1, 5e-3, 1.0).build::<f32>(), "dt"),
        Conflict { .. }
    ));

    let syn = SynapticConfig {
        alpha: 1.01,
        ..SynapticConfig::default()
    };
    assert!(matches!(
        param_err(syn.build::<f32>(), "alpha"),
        OutOfRange { .. }
    ));

    let lif = |tau, dt| LifConfig {
        tau,
        dt,
        ..LifConfig::default()
    };
    assert!(matches!(
        param_err(lif(0.0, 0.1).build::<f32>(), "tau"),
        OutOfRange { .. }
    ));
    assert!(matches!(
        param_err(lif(-1.0, 0.1).build::<f32>(), "tau"),
        OutOfRange { .. }
    ));
    assert!(matches!(
        param_err(lif(10.0, 0.0).build::<f32>(), "dt"),
        OutOfRange { .. }
    ));
    let euler = LifConfig {
        dt: 20.0,
        integration: Integration::Euler,
        ..LifConfig::default()
    };
    assert!(matches!(
        param_err(euler.build::<f32>(), "dt"),
        Conflict { .. }
    ));
    let inverted = LifConfig {
        v_reset: 30.0,
        ..LifConfig::default()
    };
    assert!(matches!(
        param_err(inverted.build::<f32>(), "v_reset"),
        Conflict { .. }
    ));

    let ext = ExtendedConfig {
        min_threshold: 3.0,
        max_threshold: 2.0,
        ..ExtendedConfig::default()
    };
    assert!(matches!(
        param_err(ext.build::<f32>(), "min_threshold"),
        Conflict { .. }
    ));
    let ext = ExtendedConfig {
        noise_std: -0.1,
        ..ExtendedConfig::default()
    };
    assert!(matches!(
        param_err(ext.build::<f32>(), "noise_std"),
        OutOfRange { .. }
    ));
    let ext = ExtendedConfig {
        tau: 0.0,
        ..ExtendedConfig::default()
    };
    assert!(matches!(
        param_err(ext.build::<f32>(), "tau"),
        OutOfRange { .. }
    ));
    let ext = ExtendedConfig {
        depression_rate: 2.0,
        ..ExtendedConfig::default()
    };
    assert!(matches!(
        param_err(ext.build::<f32>(), "depression_rate"),
        OutOfRange { .. }
    ));
}

#[test]
fn values_that_do_not_fit_the_format_are_refused() {
    use ParamProblem::*;
    // I8F24 holds [-128, 128): a Lif threshold of 200 mV does not fit.
    let lif = LifConfig {
        v_th: 200.0,
        ..LifConfig::default()
    };
    assert!(lif.build::<f32>().is_ok());
    assert_eq!(
        param_err(lif.build::<I8F24>(), "v_th"),
        Overflow { scalar: "I8F24" }
    );
    // A decay that rounds to exactly 1 in I16F16 would never decay.
    let slow = LifConfig {
        tau: 1e6,
        dt: 0.1,
        ..LifConfig::default()
    };
    assert!(slow.build::<f32>().is_ok());
    assert!(matches!(
        param_err(slow.build::<I16F16>(), "dt"),
        Degenerate {
            scalar: "I16F16",
            ..
        }
    ));
    // A rate below the format's resolution would silently vanish.
    let ext = ExtendedConfig {
        recovery_rate: 1e-6,
        ..ExtendedConfig::default()
    };
    assert!(ext.build::<I8F24>().is_ok());
    assert!(matches!(
        param_err(ext.build::<I16F16>(), "recovery_rate"),
        Degenerate { .. }
    ));
    // Lapicque's folded fixed-point gain dt/C must fit too.
    let lap = LapicqueConfig {
        r: 1.0,
        c: 1e-6,
        dt: 1e-6,
        ..LapicqueConfig::default()
    };
    assert!(lap.build::<I16F16>().is_ok());
    let lap = LapicqueConfig {
        r: 1e3,
        c: 1e-6,
        dt: 1e-3,
        ..LapicqueConfig::default()
    };
    assert!(lap.build::<f32>().is_ok());
    assert!(lap.build::<I16F16>().is_ok());
    assert_eq!(
        param_err(lap.build::<I8F24>(), "c"),
        Overflow { scalar: "I8F24" }
    );
}

#[test]
fn errors_display_the_parameter_and_the_rule() {
    let e = LeakyConfig {
        beta: 1.5,
        ..LeakyConfig::default()
    }
    .build::<f32>()
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "parameter `beta` = 1.5 is out of range (allowed: [0, 1])"
    );
    let e = LifConfig {
        v_th: 200.0,
        ..LifConfig::default()
    }
    .build::<I8F24>()
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "parameter `v_th` = 200 does not fit in I8F24"
    );
    let _: &dyn std::error::Error = &e;
}

#[test]
fn mismatched_buffers_are_refused_before_anything_steps() {
    let model = SynapticConfig::default().build::<f32>().unwrap();
    let mut syn = vec![0.0f32; 4];
    let mut mem = vec![0.0f32; 3];
    assert_eq!(
        SynapticSlices::new(&mut syn, &mut mem).unwrap_err(),
        Error::Length {
            buffer: "mem",
            expected: 4,
            actual: 3
        }
    );
    let mut mem = vec![0.5f32; 4];
    let mut view = SynapticSlices::new(&mut syn, &mut mem).unwrap();
    let mut spikes = [false; 4];
    assert_eq!(
        population::step(&Shared(&model), &mut view, &[1.0; 3], &mut spikes[..]),
        Err(Error::Length {
            buffer: "input",
            expected: 4,
            actual: 3
        })
    );
    assert_eq!(
        population::run(&Shared(&model), &mut view, &[1.0; 8], 2, &mut spikes[..]),
        Err(Error::Length {
            buffer: "spikes",
            expected: 8,
            actual: 4
        })
    );
    let mut words = [0u32; 2];
    assert_eq!(
        population::step(&Shared(&model), &mut view, &[1.0; 4], &mut words[..]),
        Err(Error::Length {
            buffer: "spikes",
            expected: 1,
            actual: 2
        })
    );
    let per = vec![model; 5];
    assert_eq!(
        population::step(&PerNeuron(&per), &mut view, &[1.0; 4], &mut spikes[..]),
        Err(Error::Length {
            buffer: "params",
            expected: 4,
            actual: 5
        })
    );
    assert_eq!(view.mem(), &[0.5; 4], "nothing was stepped");
}

#[test]
fn non_finite_inputs_are_refused_before_anything_steps() {
    let model = LeakyConfig::default().build::<f32>().unwrap();
    let mut mem = vec![0.25f32; 3];
    let mut view = LeakySlices::new(&mut mem).unwrap();
    let mut spikes = [false; 6];
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        let input = [0.1, 0.2, 0.3, 0.4, bad, 0.6];
        assert_eq!(
            population::run(&Shared(&model), &mut view, &input, 2, &mut spikes[..]),
            Err(Error::NonFinite {
                buffer: "input",
                index: 4
            })
        );
    }
    assert_eq!(view.mem(), &[0.25; 3]);
    // Rows checked as they are read stop at the bad value (its index into the data), after
    // stepping what came before it; good rows give what checked rows give.
    let rows = |data| {
        population::StreamRows(population::Rows {
            data,
            stride: 4,
            offset: 1,
        })
    };
    let data = [9.0, 0.1, 0.2, 0.3, 9.0, 0.4, f32::NAN, 0.6];
    assert_eq!(
        population::run_from(
            &Shared(&model),
            &mut view,
            &mut rows(&data[..]),
            2,
            &mut spikes[..]
        ),
        Err(Error::NonFinite {
            buffer: "input",
            index: 6
        })
    );
    assert_ne!(view.mem(), &[0.25; 3], "the first step ran");
    let good = [9.0, 0.1, 0.2, 0.3, 9.0, 0.4, 0.5, 0.6];
    let mut a = vec![0.25f32; 3];
    let mut b = vec![0.25f32; 3];
    let (mut sa, mut sb) = ([false; 6], [false; 6]);
    population::run_from(
        &Shared(&model),
        &mut LeakySlices::new(&mut a).unwrap(),
        &mut rows(&good[..]),
        2,
        &mut sa[..],
    )
    .unwrap();
    let mut checked = population::Rows {
        data: &good[..],
        stride: 4,
        offset: 1,
    };
    population::run_from(
        &Shared(&model),
        &mut LeakySlices::new(&mut b).unwrap(),
        &mut checked,
        2,
        &mut sb[..],
    )
    .unwrap();
    assert_eq!((a, sa), (b, sb));
    // Fixed point cannot hold a non-finite value: the conversion refuses it.
    assert_eq!(I16F16::from_f64(f64::NAN), None);
    assert_eq!(I16F16::from_f64(1e9), None);
}

#[test]
fn fixed_point_saturates_at_the_extremes() {
    // A huge input drives the membrane to the top of the format, where it stays; it never
    // wraps to a negative value.
    let model = LeakyConfig {
        beta: 1.0,
        reset: Reset::None,
        ..LeakyConfig::default()
    }
    .build::<I16F16>()
    .unwrap();
    let mut s = model.initial_state(0, 0);
    let big = I16F16::from_f64(30_000.0).unwrap();
    for _ in 0..4 {
        assert!(model.step(&mut s, big));
        assert!(s.mem > I16F16::ZERO);
    }
    assert_eq!(s.mem, I16F16::MAX);
    let neg = I16F16::MIN;
    for _ in 0..4 {
        model.step(&mut s, neg);
    }
    assert_eq!(s.mem, I16F16::MIN);

    // Extended with the whole range of inputs never panics and keeps its invariants.
    let ext = ExtendedConfig::default().build::<I8F24>().unwrap();
    let mut st = ext.initial_state(1, 0);
    for x in [I8F24::MAX, I8F24::MIN, I8F24::MAX, I8F24::ZERO, I8F24::MIN] {
        for _ in 0..50 {
            ext.step(&mut st, x);
            assert!(
                st.v_th >= I8F24::from_f64(0.5).unwrap()
                    && st.v_th <= I8F24::from_f64(2.0).unwrap()
            );
            assert!(st.se >= I8F24::ZERO && st.se <= I8F24::ONE);
        }
    }
    ext.modulate(&mut st, I8F24::MAX);
    ext.modulate(&mut st, I8F24::MIN);
}

#[test]
fn a_positive_parameter_that_rounds_to_zero_is_refused_like_zero() {
    use ParamProblem::*;
    let leaky = LeakyConfig {
        threshold: 1e-10,
        ..LeakyConfig::default()
    };
    // Representable in floats; 0 in Q16.16 (every neuron would fire every step).
    assert!(leaky.build::<f32>().is_ok());
    assert!(matches!(
        param_err(leaky.build::<I16F16>(), "threshold"),
        OutOfRange { .. }
    ));
    let synaptic = SynapticConfig {
        threshold: 1e-6,
        ..SynapticConfig::default()
    };
    assert!(matches!(
        param_err(synaptic.build::<I16F16>(), "threshold"),
        OutOfRange { .. }
    ));
    assert!(synaptic.build::<I8F24>().is_ok());
    let lapicque = LapicqueConfig {
        threshold: 1e-9,
        ..LapicqueConfig::default()
    };
    assert!(matches!(
        param_err(lapicque.build::<I8F24>(), "threshold"),
        OutOfRange { .. }
    ));
}
