//! Property tests of the model's invariants, over random seeds, every policy and every
//! shipped scenario.

use std::path::PathBuf;

use jiff::SignedDuration;
use proptest::prelude::*;

use conductor::engine::{self, Detail, Outcome, TrackResult, next_poll};
use conductor::model::{Actor, State};
use conductor::scenario::{Policy, Scenario};
use conductor::world::SeasonWorld;

fn shipped_scenarios() -> Vec<Scenario> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios"));
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    paths.iter().map(|p| Scenario::load(p).unwrap()).collect()
}

/// Checks one track of a run against every invariant; returns the first violation.
fn check_track(sc: &Scenario, policy: &Policy, t: &TrackResult) -> Result<(), String> {
    let squad = sc.release_squad_of(t.platform);
    let mut state = State::Branched;
    let mut last = t.branch_cut;
    for tr in &t.transitions {
        let ctx = format!(
            "v{} p{} {}->{} at {}",
            t.version, t.platform, tr.from, tr.to, tr.at
        );
        if tr.from != state {
            return Err(format!("{ctx}: track was in {state}"));
        }
        if !tr.from.can_go_to(tr.to) {
            return Err(format!("{ctx}: not in the allowed graph"));
        }
        if tr.at < last {
            return Err(format!("{ctx}: goes back in time"));
        }
        match tr.actor {
            Actor::Manual => {
                // A window's end counts: the reaction's last working second ends there.
                let inside = squad.is_working(tr.at)
                    || squad.is_working(tr.at - SignedDuration::from_secs(1));
                if !inside {
                    return Err(format!("{ctx}: manual action outside the squad's calendar"));
                }
            }
            Actor::Robot => {
                let since = tr
                    .gates_passed_at
                    .ok_or(format!("{ctx}: robot step without gates"))?;
                if tr.at != next_poll(since)
                    || tr.at.duration_since(since) >= SignedDuration::from_mins(5)
                {
                    return Err(format!(
                        "{ctx}: robot advanced at {} for gates since {since}",
                        tr.at
                    ));
                }
            }
            Actor::World => {
                if !(tr.from == State::Submitted && tr.to == State::FinalRc) {
                    return Err(format!("{ctx}: the world only rejects"));
                }
            }
        }
        if let Some(since) = tr.gates_passed_at {
            let needed = engine::gates_needed(sc, tr.from);
            if !needed.is_subset(tr.gates_held) {
                return Err(format!(
                    "{ctx}: gates {:?} needed, {:?} held",
                    needed, tr.gates_held
                ));
            }
            let step = tr.from.next_step().ok_or(format!("{ctx}: no step"))?;
            if step.target() != tr.to || policy.actor(step) != tr.actor {
                return Err(format!(
                    "{ctx}: policy says {} for {step}",
                    policy.actor(step)
                ));
            }
            if since > tr.at {
                return Err(format!("{ctx}: gates passed after the advance"));
            }
        } else if tr.to != State::Paused && tr.to != State::Cancelled && tr.actor != Actor::World {
            return Err(format!("{ctx}: a policy step without a gates-passed time"));
        }
        state = tr.to;
        last = tr.at;
    }
    if !state.is_terminal() {
        return Err(format!(
            "v{} p{} never ended (in {state})",
            t.version, t.platform
        ));
    }
    let expected = if state == State::Rollout100 {
        Outcome::Shipped
    } else {
        Outcome::Cancelled
    };
    if t.outcome != expected || t.ended != last {
        return Err(format!(
            "v{} p{}: outcome/end disagree with transitions",
            t.version, t.platform
        ));
    }
    let waited: SignedDuration = t.waiting.iter().copied().sum();
    if waited != t.ended.duration_since(t.branch_cut) {
        return Err(format!(
            "v{} p{}: labels sum to {waited}, life is {}",
            t.version,
            t.platform,
            t.ended - t.branch_cut
        ));
    }
    // The timeline's states replay the transitions.
    let mut trs = t.transitions.iter().peekable();
    let mut expect = State::Branched;
    for o in &t.timeline {
        while let Some(tr) = trs.peek() {
            if tr.at <= o.at {
                expect = tr.to;
                trs.next();
            } else {
                break;
            }
        }
        if o.state != expect {
            return Err(format!(
                "v{} p{}: timeline says {} at {}, transitions say {expect}",
                t.version, t.platform, o.state, o.at
            ));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn every_run_respects_the_model(seed in 0u64..1_000_000, scenario in 0usize..8, policy in 0usize..8) {
        let scenarios = shipped_scenarios();
        let sc = &scenarios[scenario % scenarios.len()];
        let policy = &sc.policies[policy % sc.policies.len()];
        let run = engine::run(sc, policy, SeasonWorld::synthetic(sc, seed, 10), Detail::Full);
        prop_assert_eq!(run.tracks.len(), 10 * sc.platforms.len());
        for t in &run.tracks {
            if let Err(e) = check_track(sc, policy, t) {
                prop_assert!(false, "{} / {} / seed {}: {}", sc.name, policy.name, seed, e);
            }
        }
    }

    #[test]
    fn the_world_of_a_seed_is_the_same_under_every_policy(seed in 0u64..1_000_000) {
        let sc = Scenario::baseline();
        let runs: Vec<_> = sc.policies.iter().map(|p| engine::run(&sc, p, SeasonWorld::synthetic(&sc, seed, 8), Detail::Summary)).collect();
        for other in &runs[1..] {
            for (a, b) in runs[0].tracks.iter().zip(&other.tracks) {
                prop_assert_eq!(a.world_fingerprint, b.world_fingerprint);
                prop_assert_eq!(a.usage_after, b.usage_after);
                prop_assert_eq!(a.signoff_opted_out, b.signoff_opted_out);
                // Reviews are drawn in order: the first k reviews agree whatever the policy.
                let k = a.review_latencies.len().min(b.review_latencies.len());
                prop_assert_eq!(&a.review_latencies[..k], &b.review_latencies[..k]);
            }
        }
    }
}

#[test]
fn the_checker_catches_a_forged_manual_step_at_night() {
    // The invariant checker must be able to fail: forge a manual advance at 03:00 local.
    let sc = Scenario::baseline();
    let policy = sc.policy("manual").unwrap();
    let mut run = engine::run(&sc, policy, SeasonWorld::synthetic(&sc, 3, 2), Detail::Full);
    let t = &mut run.tracks[0];
    let tr = t
        .transitions
        .iter_mut()
        .find(|tr| tr.actor == Actor::Manual)
        .unwrap();
    let night = sc.release_squad.at(
        sc.release_squad.local_date(tr.at),
        jiff::civil::time(3, 0, 0, 0),
    );
    tr.at = night;
    assert!(check_track(&sc, policy, t).is_err());
}
