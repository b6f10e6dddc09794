//! A season's world as the engine consumes it: for every track, its branch cut, its world
//! and (replayed as it happened) the changes of state the record made.
//!
//! It is built before the engine runs, either drawn from the scenario
//! ([`SeasonWorld::synthetic`]) or recorded and overlaid on the draws
//! ([`SeasonWorld::counterfactual`], [`SeasonWorld::as_recorded`], in
//! [`super::recorded`]); the engine never learns which. Building every track's world up
//! front draws exactly what drawing it at the cut would: each track has its own streams
//! ([`super::stream`]), so when they are drawn does not matter.

use jiff::Timestamp;

use super::TrackWorld;
use super::recorded::Scripted;
use crate::scenario::Scenario;

/// How a season is run: who changes its tracks' states, and whether it ends with the
/// scenario's season or with the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A drawn world under a policy (`simulate`): the policy advances, people pause and
    /// cancel, and the season ends its grace cadences after its extra cut.
    Simulate,
    /// A recorded world re-run under a policy (a counterfactual): as [`Mode::Simulate`], over
    /// what the record holds, with the scenario's draws for what it lacks.
    Counterfactual,
    /// A recorded world as it happened (the `recorded` policy): every change of state is the
    /// record's, at its instant; nothing the record lacks happens; the season ends with the
    /// record's last event.
    AsRecorded,
}

/// One track of a season's world, until the engine takes it at the track's cut.
#[derive(Debug, Clone)]
pub struct SeasonTrack {
    /// The track's branch cut: its version's, or later (a recorded platform cut after the
    /// version's first).
    pub cut: Timestamp,
    /// What happens to the track whatever the policy. Boxed: a world (its streams) is large
    /// and moves from the season to the engine's track; a box moves as a pointer.
    pub world: Box<TrackWorld>,
    /// The recorded changes of state, in order ([`Mode::AsRecorded`]; empty otherwise).
    pub script: Vec<Scripted>,
}

/// The world of one season of one seed: its versions, their cuts and every track's world.
#[derive(Debug, Clone)]
pub struct SeasonWorld {
    // Visible in `world`: the recorded constructors (in [`super::recorded`]) build it
    // too.
    pub(super) seed: u64,
    pub(super) mode: Mode,
    pub(super) versions: Vec<u32>,
    pub(super) cuts: Vec<Timestamp>,
    /// Indexed by `version index * platforms + platform`; `None`: no such track (not
    /// recorded, or its version's cut does not exist), or already taken.
    pub(super) tracks: Vec<Option<SeasonTrack>>,
    pub(super) last_recorded: Option<Timestamp>,
}

impl SeasonWorld {
    /// The drawn world of `weeks` versions of `scenario` for `seed` (versions 0, 1, …).
    pub fn synthetic(scenario: &Scenario, seed: u64, weeks: u32) -> SeasonWorld {
        // Bounded dates and weeks always give every cut; should one not exist, the season
        // stops before it (its versions have no tracks).
        let cuts: Vec<Timestamp> = (0..=weeks).map_while(|v| scenario.branch_cut(v)).collect();
        let versions: Vec<u32> = (0..weeks).collect();
        let mut tracks = Vec::with_capacity(versions.len() * scenario.platforms.len());
        for &version in &versions {
            for platform in &scenario.platforms {
                tracks.push(cuts.get(version as usize).map(|&cut| SeasonTrack {
                    cut,
                    world: Box::new(TrackWorld::new(scenario, seed, version, &platform.name)),
                    script: Vec::new(),
                }));
            }
        }
        SeasonWorld {
            seed,
            mode: Mode::Simulate,
            versions,
            cuts,
            tracks,
            last_recorded: None,
        }
    }

    /// The seed whose streams draw what the world does not fix.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// How the season is run.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The version number of each version index, ascending.
    pub fn versions(&self) -> &[u32] {
        &self.versions
    }

    /// The branch cut of each version index, plus the cut that follows the last version
    /// (where the overlap rule judges it).
    pub fn cuts(&self) -> &[Timestamp] {
        &self.cuts
    }

    /// The branch cut of track `track` (`version index * platforms + platform`), while the
    /// track is still in the world.
    pub fn cut_of(&self, track: usize) -> Option<Timestamp> {
        self.tracks.get(track)?.as_ref().map(|t| t.cut)
    }

    /// Takes track `track` out of the world (at its cut); `None` when there is no such track
    /// or it was taken already.
    pub fn take(&mut self, track: usize) -> Option<SeasonTrack> {
        self.tracks.get_mut(track)?.take()
    }

    /// A recorded world's last recorded event (of any track); `None` for a drawn world.
    /// Replayed as it happened, that is when the season ends.
    pub fn last_recorded(&self) -> Option<Timestamp> {
        self.last_recorded
    }
}
