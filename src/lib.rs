//! conductor: a release-process simulator and analytics pipeline.
//!
//! A weekly release train, modelled as tracks (one per platform and version) moving through
//! seven states. [`scenario::Scenario`] says what world to draw and which policies to
//! compare; [`engine::run`] runs one season's world ([`world::SeasonWorld`], drawn for a
//! seed or recorded) under one policy; [`sweep::Sweep`] runs many in parallel; [`summary::Summary`] says where the time went and
//! what automation saves.
//!
//! ```
//! use conductor::{engine, scenario::Scenario, world::SeasonWorld};
//!
//! let scenario = Scenario::baseline();
//! let robot = scenario.policy("robot").unwrap();
//! // Seed 7, four versions.
//! let world = SeasonWorld::synthetic(&scenario, 7, 4);
//! let run = engine::run(&scenario, robot, world, engine::Detail::Summary);
//! assert_eq!(run.tracks.len(), 4 * scenario.platforms.len());
//! let shipped = run.tracks.iter().filter(|t| t.cycle_hours().is_some()).count();
//! assert!(shipped > 0);
//! ```
#![warn(missing_docs)]

pub mod analysis;
pub(crate) mod calendar;
pub(crate) mod check;
pub mod cli;
pub(crate) mod compare;
pub(crate) mod dashboard;
pub mod dataset;
pub mod dist;
pub mod engine;
pub(crate) mod eventlog;
pub(crate) mod export;
pub mod files;
pub(crate) mod fit;
pub(crate) mod import;
pub mod model;
pub mod plot;
pub(crate) mod progress;
pub mod report;
pub mod scenario;
pub mod stats;
pub mod summary;
pub mod sweep;
pub(crate) mod text;
pub mod world;
