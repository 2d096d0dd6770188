//! Random connectivity and initial conditions from a seed: one documented generator that
//! the host, the firmware's build script and any other tool can run to get the same
//! network, so no one ships large weight files.
//!
//! Every draw comes from a xoshiro128++ stream ([`RngState::for_neuron`]) chosen by
//! `(seed ^ domain, key)`, where the domain separates uses ([`CONNECT`], [`INITIAL`],
//! [`POPULATION`]) and the key names the row: `projection << 32 | row` for connectivity,
//! `population << 32 | neuron` for initial values. Uniform numbers in `(0, 1]` are
//! `((next_u64() >> 11) + 1) * 2^-53`. Logarithms are libm's (pure Rust, the same bits on
//! every host).

use crate::rng::RngState;

/// Domain of connectivity streams.
pub const CONNECT: u64 = 0x636f_6e6e_6563_7431;
/// Domain of initial-value streams.
pub const INITIAL: u64 = 0x696e_6974_6961_6c31;

/// Domain of the seeds of a network's populations.
pub const POPULATION: u64 = 0x706f_7075_6c61_7431;

/// The seed of population `population` of a network seeded with `seed`: its neurons'
/// initial states and input draws are those of a single population under this seed
/// (`Neuron::initial_state(population_seed, i)`, `input::input_draws(population_seed)`).
pub fn population_seed(seed: u64, population: u32) -> u64 {
    stream(seed, POPULATION, population, 0).next_u64()
}

/// The stream of row `row` of item `item` (a projection, a population) in `domain`.
pub fn stream(seed: u64, domain: u64, item: u32, row: u32) -> RngState {
    RngState::for_neuron(seed ^ domain, (u64::from(item) << 32) | u64::from(row))
}

/// A uniform number in `(0, 1]` from 53 random bits.
#[inline]
pub fn unit_open0(rng: &mut RngState) -> f64 {
    ((rng.next_u64() >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// The targets of `source` in projection `projection` when each of `targets` targets is
/// connected independently with probability `p` (Brian2's `connect(p=...)`, self-connections
/// included), in increasing order, through `f`. Gaps between successive targets are drawn
/// from the geometric distribution, `floor(ln(u) / ln(1 - p))`, so the cost is per synapse,
/// not per pair. `p <= 0` (or NaN) connects nothing, `p >= 1` everything.
pub fn bernoulli(
    seed: u64,
    projection: u32,
    source: u32,
    p: f64,
    targets: u32,
    mut f: impl FnMut(u32),
) {
    if p.is_nan() || p <= 0.0 {
        return;
    }
    if p >= 1.0 {
        (0..targets).for_each(f);
        return;
    }
    let mut rng = stream(seed, CONNECT, projection, source);
    let log_q = libm::log1p(-p);
    let mut j: u64 = 0;
    loop {
        let gap = libm::floor(libm::log(unit_open0(&mut rng)) / log_q);
        // Far past the end (or infinite for tiny p): stop. (The gap is never NaN: u > 0.)
        if gap >= f64::from(targets) {
            return;
        }
        j += gap as u64;
        if j >= u64::from(targets) {
            return;
        }
        f(j as u32);
        j += 1;
    }
}

/// The `k` sources of `target` in projection `projection` when each target draws its
/// sources uniformly from `sources`, with replacement (NEST's `fixed_indegree` with
/// multapses), in the order drawn, through `f`. Source `= (next_u32() * sources) >> 32`.
pub fn fan_in(
    seed: u64,
    projection: u32,
    target: u32,
    k: u32,
    sources: u32,
    mut f: impl FnMut(u32),
) {
    if sources == 0 {
        return;
    }
    let mut rng = stream(seed, CONNECT, projection, target);
    for _ in 0..k {
        f(((u64::from(rng.next_u32()) * u64::from(sources)) >> 32) as u32);
    }
}

/// A value uniform in `[lo, hi)` for neuron `neuron` of population `population`, computed in
/// f64 as `lo + (hi - lo) * (1 - u)` with `u` from [`unit_open0`].
pub fn uniform(seed: u64, population: u32, neuron: u32, lo: f64, hi: f64) -> f64 {
    let u = unit_open0(&mut stream(seed, INITIAL, population, neuron));
    lo + (hi - lo) * (1.0 - u)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bernoulli_rows_have_the_expected_size_and_are_reproducible() {
        let (n, p) = (4000u32, 0.02);
        let mut total = 0usize;
        for i in 0..200 {
            let mut row = [0u32; 4000];
            let mut len = 0;
            bernoulli(7, 0, i, p, n, |j| {
                row[len] = j;
                len += 1;
            });
            assert!(row[..len].windows(2).all(|w| w[0] < w[1]));
            let mut again = 0;
            bernoulli(7, 0, i, p, n, |j| {
                assert_eq!(row[again], j);
                again += 1;
            });
            assert_eq!(again, len);
            total += len;
        }
        let mean = total as f64 / 200.0;
        // 80 expected per row; the mean of 200 rows has a standard deviation below 0.7.
        assert!((mean - 80.0).abs() < 4.0, "{mean}");
        let mut all = 0;
        bernoulli(7, 0, 0, 1.0, 10, |_| all += 1);
        assert_eq!(all, 10);
        bernoulli(7, 0, 0, 0.0, 10, |_| panic!("p = 0 connects nothing"));
    }

    #[test]
    fn fan_in_draws_k_sources_in_range_and_uniform_stays_in_its_interval() {
        let mut seen = [0u32; 10];
        for t in 0..1000 {
            let mut k = 0;
            fan_in(3, 1, t, 5, 10, |s| {
                seen[s as usize] += 1;
                k += 1;
            });
            assert_eq!(k, 5);
        }
        assert!(seen.iter().all(|&c| (400..600).contains(&c)), "{seen:?}");
        for i in 0..1000 {
            let v = uniform(1, 0, i, -60.0, -50.0);
            assert!((-60.0..-50.0).contains(&v), "{v}");
        }
        assert_ne!(uniform(1, 0, 0, 0.0, 1.0), uniform(1, 1, 0, 0.0, 1.0));
    }
}
