//! What every model provides, and the structure-of-arrays views of a population's state.

use core::fmt::Debug;

use crate::scalar::Scalar;

/// A validated neuron model with its parameters converted to `S`.
///
/// `step` is the per-neuron update that the firmware, the CPU backend and the GPU kernels all
/// call; it has no failure path (inputs are validated by the population functions).
pub trait Neuron<S: Scalar>: Clone {
    /// The state of one neuron, all of it (random stream included).
    type State: StateFields + PartialEq + Debug;

    /// The state of neuron `index` before its first step, under `seed`.
    fn initial_state(&self, seed: u64, index: u64) -> Self::State;

    /// Advances one neuron by one time step with input `input`; returns whether it spiked.
    fn step(&self, state: &mut Self::State, input: S) -> bool;

    /// The membrane potential in `state` (what recorders record).
    fn membrane(state: &Self::State) -> S;

    /// Sets the membrane potential in `state` (a network's initial condition, such as CUBA's
    /// membranes drawn uniformly between reset and threshold).
    fn set_membrane(state: &mut Self::State, v: S);

    /// The firing threshold that applies to `state` (it moves with the extended model's
    /// adaptive threshold; it is a parameter for the others).
    fn threshold(&self, state: &Self::State) -> S;

    /// Applies a modulation signal to `state` between steps. Only models with a
    /// neuromodulation input react ([`crate::Extended`]); for the others it does nothing.
    fn modulate(&self, state: &mut Self::State, signal: S) {
        let _ = (state, signal);
    }

    /// Steps the neurons of `block` with their inputs and returns their spikes as bits, the
    /// block's first neuron in bit 0: exactly what [`Neuron::step`] on each in turn gives
    /// ([`step_each`], the default). A model overrides it where a branch-free loop lets the
    /// compiler vectorise the block; the population tests check every model's blocks against
    /// `step` bit for bit.
    #[inline(always)]
    fn step_block<St>(&self, block: Block<'_, S, St>) -> u32
    where
        St: StateSlices<State = Self::State> + ?Sized,
    {
        step_each(self, block)
    }
}

/// Neurons `start..start + len` of a population's state with their inputs, at most 32 of
/// them: what the population loop hands [`Neuron::step_block`]. Only lif-core's loop builds
/// one, after checking that the neurons lie within the state, so the functions that step a
/// block ([`step_each`] and the crate's branch-free loops) index it unchecked without asking
/// the model for a promise.
#[derive(Debug)]
pub struct Block<'a, S, St: ?Sized> {
    // Two pointers, so that a block is passed in registers. Stored in memory, the state's
    // reference would count as captured, and LLVM could no longer prove that the loop's
    // stores to the state's arrays leave the view's slice pointers alone: the extended
    // model's block step stopped vectorising on x86-64 that way.
    state: &'a mut St,
    inputs: &'a Inputs<'a, S>,
}

// The two-pointer rule above, checked where it matters most (a view of slices is itself
// sized; an unsized view would make `state` a wide pointer, which the loop never uses).
const _: () = assert!(
    size_of::<Block<'static, f32, crate::ExtendedSlices<'static, f32>>>() == 2 * size_of::<usize>()
);

/// Where a [`Block`] starts and its neurons' inputs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Inputs<'a, S> {
    start: usize,
    x: &'a [S],
}

/// `model`'s block step ([`Neuron::step_block`]) on neurons `start..start + x.len()` of
/// `state` with inputs `x`; their spikes as bits.
///
/// # Safety
/// `start + x.len() <= state.len()` and `x.len() <= 32`.
#[inline(always)]
pub(crate) unsafe fn step_block<S, M, St>(model: &M, state: &mut St, start: usize, x: &[S]) -> u32
where
    S: Scalar,
    M: Neuron<S>,
    St: StateSlices<State = M::State> + ?Sized,
{
    debug_assert!(x.len() <= 32 && start <= state.len() && x.len() <= state.len() - start);
    model.step_block(Block {
        state,
        inputs: &Inputs { start, x },
    })
}

/// A block of a model's step written without branches, `step(state, input) -> spiked`; the
/// block's spikes as bits. What a model's [`Neuron::step_block`] calls for the parameter
/// choices it can write that way: the loop then vectorises. A full block of 32 gets its own
/// copy of the loop, of constant length, so that its spike masks are constants.
#[inline(always)]
pub(crate) fn step_branch_free<S, St>(
    block: Block<'_, S, St>,
    step: impl Fn(&mut St::State, S) -> bool,
) -> u32
where
    S: Scalar,
    St: StateSlices + ?Sized,
{
    step_touching(block, None, step)
}

/// The state variables a block step uses: each neuron starts from `template`, the variables
/// in `reads` are loaded over it and those in `writes` stored back (masks of
/// [`StateSlices::load_fields`]). The step must not read a variable outside `reads` nor
/// change one outside `writes`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Touch<T> {
    pub template: T,
    pub reads: u32,
    pub writes: u32,
}

/// [`step_branch_free`] for a step that uses only the variables `touch` names (all of them
/// when `None`): from a structure of arrays the others are neither loaded nor stored.
#[inline(always)]
pub(crate) fn step_touching<S, St>(
    block: Block<'_, S, St>,
    touch: Option<Touch<St::State>>,
    step: impl Fn(&mut St::State, S) -> bool,
) -> u32
where
    S: Scalar,
    St: StateSlices + ?Sized,
{
    let Block { state, inputs } = block;
    let Inputs { start, x } = *inputs;
    match <&[S; 32]>::try_from(x) {
        // SAFETY: a `Block` lies within its state and holds at most 32 neurons.
        Ok(full) => unsafe { pack(state, start, full, touch, step) },
        // SAFETY: as above.
        Err(_) => unsafe { pack(state, start, x, touch, step) },
    }
}

/// The loop of [`step_touching`].
///
/// # Safety
/// `start + x.len() <= state.len()` and `x.len() <= 32`.
#[inline(always)]
unsafe fn pack<S, St>(
    state: &mut St,
    start: usize,
    x: &[S],
    touch: Option<Touch<St::State>>,
    step: impl Fn(&mut St::State, S) -> bool,
) -> u32
where
    S: Scalar,
    St: StateSlices + ?Sized,
{
    let mut bits = 0u32;
    let mut mask = 1u32;
    for (k, &xi) in x.iter().enumerate() {
        // SAFETY: start + k < start + x.len() <= state.len(), by the caller.
        unsafe {
            let mut s = match touch {
                Some(t) => {
                    let mut s = t.template;
                    state.load_fields(start + k, t.reads, &mut s);
                    s
                }
                None => state.load(start + k),
            };
            let spiked = step(&mut s, xi);
            // Vector units pack with constant masks, one per lane; a scalar core is
            // cheaper with a running mask and a conditional OR. The bits are the same.
            if cfg!(target_arch = "arm") {
                if spiked {
                    bits |= mask;
                }
                mask <<= 1;
            } else {
                bits |= u32::from(spiked) << k;
            }
            match touch {
                Some(t) => state.store_fields(start + k, t.writes, &s),
                None => state.store(start + k, s),
            }
        }
    }
    bits
}

/// [`Neuron::step`] on the neurons of `block` in turn; their spikes as bits.
#[inline(always)]
pub fn step_each<S, M, St>(model: &M, block: Block<'_, S, St>) -> u32
where
    S: Scalar,
    M: Neuron<S>,
    St: StateSlices<State = M::State> + ?Sized,
{
    let Block { state, inputs } = block;
    let Inputs { start, x } = *inputs;
    // SAFETY: a `Block` lies within its state and holds at most 32 neurons; k < x.len().
    unsafe { step_each_with(state, start, x.len(), |_| model, |k| *x.get_unchecked(k)) }
}

/// Neurons `start..start + count` in turn, neuron `start + k` with model `model(k)` and input
/// `input(k)`; their spikes as bits. The per-neuron loop of [`step_each`] and of per-neuron
/// parameters.
///
/// # Safety
/// `start + count <= state.len()`, `count <= 32`, and `model` and `input` may be called
/// for every `k < count`.
#[inline(always)]
pub(crate) unsafe fn step_each_with<'m, S, M, St>(
    state: &mut St,
    start: usize,
    count: usize,
    model: impl Fn(usize) -> &'m M,
    mut input: impl FnMut(usize) -> S,
) -> u32
where
    S: Scalar,
    M: Neuron<S> + 'm,
    St: StateSlices<State = M::State> + ?Sized,
{
    let mut bits = 0u32;
    let mut mask = 1u32;
    for k in 0..count {
        // SAFETY: start + k < start + count <= state.len(), by the caller.
        unsafe {
            let mut s = state.load(start + k);
            // A running mask: a conditional OR, cheaper than shifting the bool.
            if model(k).step(&mut s, input(k)) {
                bits |= mask;
            }
            state.store(start + k, s);
        }
        mask <<= 1;
    }
    bits
}

/// One state struct per neuron (array of structs) viewed as state slices, for backends that
/// keep a neuron's whole state together (a GPU thread loads it into registers at once).
#[derive(Debug)]
pub struct AosSlices<'a, T>(pub &'a mut [T]);

impl<T: StateFields> StateSlices for AosSlices<'_, T> {
    type State = T;
    #[inline]
    fn len(&self) -> usize {
        self.0.len()
    }
    #[inline]
    fn get(&self, i: usize) -> Option<T> {
        self.0.get(i).copied()
    }
    #[inline]
    fn set(&mut self, i: usize, state: T) -> bool {
        match self.0.get_mut(i) {
            Some(s) => {
                *s = state;
                true
            }
            None => false,
        }
    }
    #[inline]
    unsafe fn load(&self, i: usize) -> T {
        // SAFETY: the caller guarantees i < len.
        unsafe { *self.0.get_unchecked(i) }
    }
    #[inline]
    unsafe fn store(&mut self, i: usize, state: T) {
        // SAFETY: the caller guarantees i < len.
        unsafe { *self.0.get_unchecked_mut(i) = state }
    }
    #[inline(always)]
    unsafe fn load_fields(&self, i: usize, fields: u32, into: &mut T) {
        // SAFETY: the caller guarantees i < len.
        T::copy_fields(unsafe { self.0.get_unchecked(i) }, into, fields)
    }
    #[inline(always)]
    unsafe fn store_fields(&mut self, i: usize, fields: u32, state: &T) {
        // SAFETY: the caller guarantees i < len.
        T::copy_fields(state, unsafe { self.0.get_unchecked_mut(i) }, fields)
    }
}

/// Mutable structure-of-arrays storage of the states of `len()` neurons: one slice per state
/// variable, all of the same length (checked when the view is built).
///
/// Implemented by the `*Slices` view of each model (e.g. `LeakySlices`).
pub trait StateSlices {
    /// The per-neuron state this view stores.
    type State: Copy;
    /// Number of neurons.
    fn len(&self) -> usize;
    /// True if there are no neurons.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The state of neuron `i`, or `None` past the end.
    fn get(&self, i: usize) -> Option<Self::State>;
    /// Overwrites the state of neuron `i`; returns false (and does nothing) past the end.
    fn set(&mut self, i: usize, state: Self::State) -> bool;
    /// The state of neuron `i`.
    ///
    /// # Safety
    /// `i < self.len()`.
    unsafe fn load(&self, i: usize) -> Self::State;
    /// Overwrites the state of neuron `i`.
    ///
    /// # Safety
    /// `i < self.len()`.
    unsafe fn store(&mut self, i: usize, state: Self::State);
    /// Reads into `into` at least the variables of neuron `i` whose bits are set in `fields`
    /// (bit `k` for the state's `k`-th field, in declaration order). A block step that uses
    /// a few of a model's variables then reads only those from a structure of arrays. The
    /// default reads the whole state; a view that overrides this overrides
    /// [`StateSlices::store_fields`] too.
    ///
    /// # Safety
    /// `i < self.len()`.
    #[inline(always)]
    unsafe fn load_fields(&self, i: usize, fields: u32, into: &mut Self::State) {
        let _ = fields;
        // SAFETY: forwarded from the caller.
        *into = unsafe { self.load(i) };
    }
    /// Writes at least the variables of `state` whose bits are set in `fields` to neuron
    /// `i`. Paired with [`StateSlices::load_fields`]: a caller changes only variables it
    /// names in both, so writing the others back (the default) stores what was read.
    ///
    /// # Safety
    /// `i < self.len()`.
    #[inline(always)]
    unsafe fn store_fields(&mut self, i: usize, fields: u32, state: &Self::State) {
        let _ = fields;
        // SAFETY: forwarded from the caller.
        unsafe { self.store(i, *state) }
    }
}

/// Copies of single state variables, for block steps that touch only a few of a model's
/// variables ([`StateSlices::load_fields`]) when the states are stored whole
/// ([`AosSlices`]). Every model's state implements it; the default copies the whole state,
/// which is also correct.
pub trait StateFields: Copy {
    /// Copies into `into` at least the variables of `from` whose bits are set in `fields`
    /// (bit `k` for the `k`-th field, in declaration order).
    #[inline(always)]
    fn copy_fields(from: &Self, into: &mut Self, fields: u32) {
        let _ = fields;
        *into = *from;
    }
}

/// Canonical bits of a neuron's state, for digests and cross-backend comparison: every
/// scalar as the bits of its exact `f64` value, counters as themselves, random streams as
/// their four words, in field order.
pub trait StateBits {
    /// Feeds every 64-bit word of the state to `f`.
    fn for_each_word(&self, f: &mut dyn FnMut(u64));
}

/// One state field's canonical words.
pub(crate) trait FieldBits {
    fn feed(&self, f: &mut dyn FnMut(u64));
}

impl<T: Scalar> FieldBits for T {
    fn feed(&self, f: &mut dyn FnMut(u64)) {
        f(self.to_f64().to_bits())
    }
}

impl FieldBits for u32 {
    fn feed(&self, f: &mut dyn FnMut(u64)) {
        f(u64::from(*self))
    }
}

impl FieldBits for crate::rng::RngState {
    fn feed(&self, f: &mut dyn FnMut(u64)) {
        for w in self.0 {
            f(u64::from(w))
        }
    }
}

/// A model whose population state can live in owned, fixed-capacity arrays (one array per
/// state variable), for heap-free users such as firmware.
pub trait Stored<S: Scalar>: Neuron<S, State: StateBits> {
    /// The state of `N` neurons, structure of arrays.
    type Arrays<const N: usize>: Default + Clone + Debug;
    /// The slice view the population loop runs over.
    type View<'a>: StateSlices<State = Self::State>;
    /// Views `arrays` as state slices.
    fn view<const N: usize>(arrays: &mut Self::Arrays<N>) -> Self::View<'_>;
}

/// Declares a model's per-neuron state struct, its structure-of-arrays slice view and its
/// owned fixed-capacity arrays.
macro_rules! state_soa {
    (
        model $model:ident;
        $(#[$smeta:meta])* state $state:ident;
        $(#[$vmeta:meta])* view $view:ident;
        $(#[$ameta:meta])* arrays $arrays:ident;
        $( $(#[$fmeta:meta])* $field:ident : $ty:ty ),+ $(,)?
    ) => {
        $(#[$ameta])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $arrays<S, const N: usize> {
            $( $(#[$fmeta])* pub $field: [$ty; N], )+
        }

        impl<S: $crate::scalar::Scalar> $crate::neuron::StateFields for $state<S> {
            #[inline(always)]
            fn copy_fields(from: &Self, into: &mut Self, fields: u32) {
                $(
                    if fields & (1 << Field::$field as u32) != 0 {
                        into.$field = from.$field;
                    }
                )+
            }
        }

        impl<S: $crate::scalar::Scalar> $crate::neuron::StateBits for $state<S> {
            fn for_each_word(&self, f: &mut dyn FnMut(u64)) {
                $( $crate::neuron::FieldBits::feed(&self.$field, f); )+
            }
        }

        impl<S: $crate::scalar::Scalar, const N: usize> Default for $arrays<S, N> {
            fn default() -> Self {
                Self { $( $field: [<$ty>::default(); N] ),+ }
            }
        }

        impl<S: $crate::scalar::Scalar, const N: usize> $arrays<S, N> {
            /// Views the arrays as state slices.
            pub fn view(&mut self) -> $view<'_, S> {
                $view { len: N, $( $field: &mut self.$field ),+ }
            }
        }

        impl<S: $crate::scalar::Scalar> $crate::neuron::Stored<S> for $model<S> {
            type Arrays<const N: usize> = $arrays<S, N>;
            type View<'a> = $view<'a, S>;
            fn view<const N: usize>(arrays: &mut Self::Arrays<N>) -> Self::View<'_> {
                arrays.view()
            }
        }

        $(#[$smeta])*
        #[derive(Debug, Clone, Copy, PartialEq, Default)]
        #[cfg_attr(feature = "defmt", derive(defmt::Format))]
        #[repr(C)]
        pub struct $state<S> {
            $( $(#[$fmeta])* pub $field: $ty, )+
        }

        /// Bit numbers of the state's variables in [`StateSlices::load_fields`] masks.
        #[allow(non_camel_case_types, dead_code)]
        #[derive(Clone, Copy)]
        #[repr(u32)]
        pub(crate) enum Field {
            $( $field, )+
        }

        $(#[$vmeta])*
        #[derive(Debug)]
        pub struct $view<'a, S> {
            len: usize,
            $( $field: &'a mut [$ty], )+
        }

        impl<'a, S: $crate::scalar::Scalar> $view<'a, S> {
            /// Builds the view; every slice must have the same length.
            pub fn new($( $field: &'a mut [$ty] ),+) -> Result<Self, $crate::error::Error> {
                let lens = [$( (stringify!($field), $field.len()) ),+];
                let len = lens[0].1;
                for (buffer, actual) in lens {
                    if actual != len {
                        return Err($crate::error::Error::Length { buffer, expected: len, actual });
                    }
                }
                Ok(Self { len, $( $field ),+ })
            }
            $(
                #[doc = concat!("The `", stringify!($field), "` of every neuron.")]
                pub fn $field(&self) -> &[$ty] {
                    self.$field
                }
            )+
        }

        impl<'a, S: $crate::scalar::Scalar> $crate::neuron::StateSlices for $view<'a, S> {
            type State = $state<S>;
            #[inline]
            fn len(&self) -> usize {
                self.len
            }
            #[inline]
            fn get(&self, i: usize) -> Option<Self::State> {
                // SAFETY: checked against the common length right here.
                (i < self.len).then(|| unsafe { self.load(i) })
            }
            #[inline]
            fn set(&mut self, i: usize, state: Self::State) -> bool {
                let ok = i < self.len;
                if ok {
                    // SAFETY: checked against the common length right here.
                    unsafe { self.store(i, state) }
                }
                ok
            }
            #[inline]
            unsafe fn load(&self, i: usize) -> Self::State {
                // SAFETY: the caller guarantees i < len, and `new` made every slice len long.
                unsafe { $state { $( $field: *self.$field.get_unchecked(i) ),+ } }
            }
            #[inline]
            unsafe fn store(&mut self, i: usize, state: Self::State) {
                // SAFETY: the caller guarantees i < len, and `new` made every slice len long.
                unsafe { $( *self.$field.get_unchecked_mut(i) = state.$field; )+ }
            }
            #[inline(always)]
            unsafe fn load_fields(&self, i: usize, fields: u32, into: &mut Self::State) {
                $(
                    if fields & (1 << Field::$field as u32) != 0 {
                        // SAFETY: as for `load`.
                        into.$field = unsafe { *self.$field.get_unchecked(i) };
                    }
                )+
            }
            #[inline(always)]
            unsafe fn store_fields(&mut self, i: usize, fields: u32, state: &Self::State) {
                $(
                    if fields & (1 << Field::$field as u32) != 0 {
                        // SAFETY: as for `store`.
                        unsafe { *self.$field.get_unchecked_mut(i) = state.$field };
                    }
                )+
            }
        }
    };
}
pub(crate) use state_soa;
