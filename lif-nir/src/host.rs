//! An imported [`Model`] on lif's host simulator (`lif-host-cuda`'s CPU backend), in any
//! scalar.

use lif_core::error::ParamProblem;
use lif_core::projection::{affine, affine_int8};
use lif_core::{Error as CoreError, Scalar};
use lif_host_cuda::SimError;
use lif_host_cuda::network::{Connection, Delay, Network, PopulationSpec, Recording, Synapses};

use crate::discretise::Neurons;
use crate::import::Model;

/// One sample run through a [`Model`].
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// Steps run.
    pub steps: usize,
    /// The graph's output, row-major `(steps, outputs)`: spikes as 0 and 1, or for a readout
    /// its membrane in NIR's units (lif's times the population's `scale`).
    pub output: Vec<f64>,
    /// Every population's spikes, as `(step, neuron)` events.
    pub events: Vec<Vec<(u32, u32)>>,
}

impl Run {
    /// The output neuron with the most spikes (for a readout: the largest membrane at the
    /// last step); the lowest index wins a tie. `None` for an empty output.
    ///
    /// ```
    /// let run = lif_nir::Run { steps: 2, output: vec![0.0, 1.0, 1.0, 1.0], events: vec![] };
    /// assert_eq!(run.predicted(true), Some(1));
    /// ```
    pub fn predicted(&self, spiking: bool) -> Option<usize> {
        let n = self.output.len().checked_div(self.steps)?;
        let score: Vec<f64> = if spiking {
            (0..n)
                .map(|j| (0..self.steps).map(|t| self.output[t * n + j]).sum())
                .collect()
        } else {
            self.output[(self.steps - 1) * n..].to_vec()
        };
        let mut best = None::<(usize, f64)>;
        for (j, &s) in score.iter().enumerate() {
            if best.is_none_or(|(_, b)| s > b) {
                best = Some((j, s));
            }
        }
        best.map(|(j, _)| j)
    }
}

fn scalar<S: Scalar>(part: &str, name: &'static str, v: f64) -> Result<S, SimError> {
    S::from_f64(v).ok_or_else(|| SimError::Network {
        part: part.to_string(),
        source: CoreError::Param {
            name,
            value: v,
            problem: if v.is_finite() {
                ParamProblem::Overflow { scalar: S::NAME }
            } else {
                ParamProblem::NotFinite
            },
        },
    })
}

impl Model {
    /// The network for one sample: `x` holds its input, row-major `(steps, inputs)`, which
    /// each population fed by the graph's input receives through its [`InputMap`]
    /// (computed in `S` with [`lif_core::projection::affine`]).
    ///
    /// [`InputMap`]: crate::InputMap
    pub fn network<S: Scalar>(&self, x: &[f32]) -> Result<Network<S>, SimError> {
        let steps = self.steps_of(x)?;
        let mut net = Network::<S>::new(0, self.dt);
        let xs: Vec<S> = x
            .iter()
            .map(|&v| scalar::<S>("input", "x", f64::from(v)))
            .collect::<Result<_, _>>()?;
        for p in &self.populations {
            let n = p.neurons.len();
            let part = format!("population `{}`", p.name);
            let rows = match &p.input {
                Some(m) => {
                    let w: Vec<S> = m
                        .weights
                        .iter()
                        .map(|&v| scalar(&part, "input weight", v))
                        .collect::<Result<_, _>>()?;
                    let b: Vec<S> = m
                        .bias
                        .iter()
                        .map(|&v| scalar(&part, "input bias", v))
                        .collect::<Result<_, _>>()?;
                    let scales: Option<Vec<S>> = match &m.int8 {
                        Some(q) => Some(
                            q.scale
                                .iter()
                                .map(|&v| scalar(&part, "weight scale", v))
                                .collect::<Result<_, _>>()?,
                        ),
                        None => None,
                    };
                    let mut rows = vec![S::ZERO; steps * n];
                    for (row, xt) in rows.chunks_exact_mut(n).zip(xs.chunks_exact(self.inputs)) {
                        match (&m.int8, &scales) {
                            (Some(q), Some(s)) => affine_int8(&q.q, s, &b, xt, row),
                            _ => affine(&w, &b, xt, row),
                        }
                        .map_err(|source| SimError::Network {
                            part: part.clone(),
                            source,
                        })?;
                    }
                    Some(rows)
                }
                None => None,
            };
            let built = |e: CoreError| SimError::Network {
                part: part.clone(),
                source: e,
            };
            match p.neurons.with_finite_thresholds(S::MAX.to_f64()) {
                Neurons::Leaky(cfg) => {
                    let models = cfg.iter().map(|c| c.build::<S>());
                    let models = models.collect::<Result<_, _>>().map_err(built)?;
                    let spec = PopulationSpec::per_neuron(&p.name, models);
                    add(&mut net, spec, p, rows)?;
                }
                Neurons::Synaptic(cfg) => {
                    let models = cfg.iter().map(|c| c.build::<S>());
                    let models = models.collect::<Result<_, _>>().map_err(built)?;
                    let spec = PopulationSpec::per_neuron(&p.name, models);
                    add(&mut net, spec, p, rows)?;
                }
            }
        }
        for pr in &self.projections {
            let (rows, cols) = (
                self.populations[pr.target].neurons.len(),
                self.populations[pr.source].neurons.len(),
            );
            // NIR's (target, source) rows as lif's source-major dense weights.
            let mut weights = vec![0.0; rows * cols];
            for j in 0..rows {
                for i in 0..cols {
                    weights[i * rows + j] = pr.weights[j * cols + i];
                }
            }
            net.connect(Connection {
                source: pr.source,
                target: pr.target,
                channel: 0,
                delay: Delay::Uniform(pr.delay),
                synapses: Synapses::Dense { weights },
            })?;
        }
        Ok(net)
    }

    /// Runs one sample (`x` as for [`Model::network`]) and returns the graph's output.
    ///
    /// ```
    /// let nir = lif_nir::read("../tests/fixtures/nir/leaky_ff.nir")?;
    /// let model = lif_nir::import(&nir, &lif_nir::ImportOptions::default())?;
    /// let x = vec![0.5f32; 10 * model.inputs]; // 10 steps
    /// let run = model.run::<f32>(&x)?;
    /// assert_eq!(run.output.len(), 10 * 3); // 3 output neurons
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn run<S: Scalar>(&self, x: &[f32]) -> Result<Run, SimError> {
        let steps = self.steps_of(x)?;
        let mut net = self.network::<S>(x)?;
        let out = &self.populations[self.output];
        let n = out.neurons.len();
        let mut rec = Recording::default();
        if !out.spiking {
            rec.watch = vec![Vec::new(); self.populations.len()];
            rec.watch[self.output] = (0..n).collect();
        }
        net.run(steps, &mut rec)?;
        let output = if out.spiking {
            let mut o = vec![0.0; steps * n];
            for &(t, i) in &rec.events[self.output] {
                o[t as usize * n + i as usize] = 1.0;
            }
            o
        } else {
            rec.traces[self.output]
                .chunks_exact(n)
                .flat_map(|row| row.iter().zip(&out.scale).map(|(v, s)| v * s))
                .collect()
        };
        Ok(Run {
            steps,
            output,
            events: rec.events,
        })
    }

    fn steps_of(&self, x: &[f32]) -> Result<usize, SimError> {
        if self.inputs == 0 || !x.len().is_multiple_of(self.inputs) {
            return Err(SimError::Shape {
                what: "input values (a whole number of steps of the graph's input)",
                expected: self.inputs * (x.len() / self.inputs.max(1)).max(1),
                actual: x.len(),
            });
        }
        Ok(x.len() / self.inputs)
    }
}

fn add<S, M>(
    net: &mut Network<S>,
    spec: PopulationSpec<S, M>,
    p: &crate::import::Population,
    rows: Option<Vec<S>>,
) -> Result<usize, SimError>
where
    S: Scalar,
    M: lif_core::Neuron<S> + Copy + Send + Sync + 'static,
    M::State: Send + Sync + 'static,
{
    let spec = spec.bias(p.bias.clone());
    let spec = match rows {
        Some(r) => spec.input_rows(r),
        None => spec,
    };
    net.add(spec)
}
