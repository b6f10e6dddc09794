//! Integration tests: one binary, one module per topic. They drive the real `conductor`
//! binary on real files where the claim is about the CLI, and the library where the claim is
//! about the model.

mod architecture;
mod browser;
mod calibration;
mod charts;
mod check;
mod compare;
mod conventions;
mod dashboard;
mod dataset;
mod defects;
mod determinism;
mod errors;
mod export;
mod fit;
mod fuzz;
mod git_histories;
mod hostile;
mod import;
mod invariants;
mod json_vocabulary;
mod labels;
mod pipes;
mod progress;
mod replay;
mod report;
mod report_safety;
mod scenario_errors;
mod simulate;
mod staged;
mod tour;
mod util;
