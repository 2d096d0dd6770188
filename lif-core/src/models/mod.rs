//! The neuron models. Each file holds one model's equations, parameters and step.

pub mod extended;
pub mod lapicque;
pub mod leaky;
pub mod lif;
pub mod reset;
pub mod synaptic;
