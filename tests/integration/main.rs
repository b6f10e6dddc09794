//! Integration tests: one binary, one module per topic. They drive the real `conductor`
//! binary on real files where the claim is about the CLI, and the library where the claim is
//! about the model.

mod browser;
mod calibration;
mod check;
mod dashboard;
mod dataset;
mod determinism;
mod export;
mod fit;
mod fuzz;
mod hostile;
mod invariants;
mod replay;
mod report;
mod scenario_errors;
mod simulate;
mod util;
