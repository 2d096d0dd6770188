//! [`Encoded`]: an encoder as a population of a firmware network.

use lif_core::projection::Projection;
use lif_core::{Error, Scalar};

use crate::encoder::Encoder;

use super::{Group, parity};

/// An [`Encoder`] as a population of a [`Network`](super::Network): each step its `C` sensor values (the
/// step's external input) are encoded into the spikes of its `E::CHANNELS` neurons, kept for
/// two steps in `W = words(E::CHANNELS)` words (checked at compile time). It takes no
/// projections (it has no synapse channels).
///
/// ```
/// use lif_embedded::encoder::RateEncoder;
/// use lif_embedded::network::{Encoded, Group};
///
/// let rate = RateEncoder::<f32, 16, 1>::new(0.5, 11);
/// let g: Encoded<f32, _, 16, 1> = Encoded::new(rate);
/// assert_eq!((g.len(), g.channels()), (16, 0));
/// ```
#[derive(Debug, Clone)]
pub struct Encoded<S, E, const C: usize, const W: usize> {
    encoder: E,
    sensor: [S; C],
    spikes: [[u32; W]; 2],
}

impl<S: Scalar, E: Encoder<S, C>, const C: usize, const W: usize> Encoded<S, E, C, W> {
    const WORDS_MATCH: () = assert!(W == E::CHANNELS.div_ceil(32), "W must be words(CHANNELS)");

    /// Wraps an encoder.
    pub fn new(encoder: E) -> Self {
        let () = Self::WORDS_MATCH;
        Self {
            encoder,
            sensor: [S::ZERO; C],
            spikes: [[0; W]; 2],
        }
    }

    /// The encoder.
    ///
    /// ```
    /// # use lif_embedded::encoder::RateEncoder;
    /// # use lif_embedded::network::Encoded;
    /// let g: Encoded<f32, _, 4, 1> = Encoded::new(RateEncoder::<f32, 4, 1>::new(0.5, 1));
    /// let _rate: &RateEncoder<f32, 4, 1> = g.encoder();
    /// ```
    pub fn encoder(&self) -> &E {
        &self.encoder
    }
}

impl<S: Scalar, E: Encoder<S, C>, const C: usize, const W: usize> Group<S> for Encoded<S, E, C, W> {
    fn len(&self) -> usize {
        E::CHANNELS
    }

    fn channels(&self) -> usize {
        0
    }

    fn slots(&self) -> usize {
        1
    }

    fn init(&mut self, _seed: u64, _index: usize) -> Result<(), Error> {
        self.spikes = [[0; W]; 2];
        Ok(())
    }

    fn spikes(&self, t: u64) -> &[u32] {
        self.spikes.get(parity(t)).map_or(&[], |s| s)
    }

    fn prepare<'p>(
        &mut self,
        t: u64,
        incoming: &mut dyn Iterator<Item = (&'p Projection<'p, S>, Option<&'p [u32]>)>,
        external: &mut dyn FnMut(u64, &mut [S]),
    ) -> Result<(), Error>
    where
        S: 'p,
    {
        // The network's check admits no projection into a group without channels.
        let _ = incoming;
        self.sensor = [S::ZERO; C];
        external(t, &mut self.sensor);
        Ok(())
    }

    fn fire(&mut self, t: u64) -> Result<(), Error> {
        let words = self.encoder.encode(&self.sensor)?;
        if let Some(out) = self.spikes.get_mut(parity(t)) {
            *out = [0; W];
            for (o, &w) in out.iter_mut().zip(words) {
                *o = w;
            }
        }
        Ok(())
    }

    fn membrane(&mut self, _i: usize) -> Option<S> {
        None
    }
}
