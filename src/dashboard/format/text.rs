//! The dashboard for a terminal: one block per live track, gates as coloured marks.
//! Without colour (`NO_COLOR`, or not a terminal) the marks alone carry the meaning.

use std::io;

use crate::dashboard::{Board, Light};
use crate::text::Render;

fn mark(light: Light, colour: bool) -> String {
    let (sym, code) = match light {
        Light::Green => ("+", "32"),
        Light::Yellow => ("~", "33"),
        Light::Red => ("x", "31"),
        Light::Unknown => ("?", "90"),
    };
    if colour {
        format!("\x1b[{code}m{sym}\x1b[0m")
    } else {
        sym.to_string()
    }
}

/// The terminal format, with ANSI colours when `colour`.
pub struct Text {
    /// Colour the gate lights.
    pub colour: bool,
}

impl Render<Board> for Text {
    type Error = io::Error;

    fn render(&self, board: &Board, out: &mut dyn io::Write) -> io::Result<()> {
        writeln!(
            out,
            "{} / {} / seed {} at {} ({})",
            board.scenario, board.policy, board.seed, board.at, board.squad_time
        )?;
        writeln!(
            out,
            "gates: + holds  x needed by the next step and failing  ~ failing, not needed yet"
        )?;
        if !board.drawn.is_empty() {
            writeln!(
                out,
                "assumed: the log does not record {}; a counterfactual draws them from the scenario",
                board.drawn.join(", ")
            )?;
        }
        if board.has_unknown() {
            writeln!(
                out,
                "       ? not recorded: the log has no evidence for it (replayed as recorded)"
            )?;
        }
        for t in &board.tracks {
            writeln!(out)?;
            writeln!(
                out,
                "{} {:<8} {:<11} rollout {:>3}%  waiting on {}",
                crate::model::short_label(&t.version_label),
                t.platform,
                t.state,
                t.rollout_percent,
                t.waiting_on
            )?;
            let crash = t
                .crash_rate_percent
                .map_or("-".to_string(), |c| format!("{c:.2}%"));
            writeln!(
                out,
                "   blockers {}  sign-offs {}/{}  build #{} {}  crash rate {}  beta usage {}%",
                t.open_blockers,
                t.signoffs_done,
                t.signoffs_required,
                t.latest_build,
                t.build_status,
                crash,
                t.usage_percent
            )?;
            let gates: Vec<String> = t
                .gates
                .iter()
                .map(|(g, l)| format!("{} {}", mark(*l, self.colour), g.as_str()))
                .collect();
            writeln!(out, "   {}", gates.join("  "))?;
        }
        if !board.ended.is_empty() {
            writeln!(
                out,
                "\nended by this tick (the whole cycle's safety outcome, from the cycles table):"
            )?;
        }
        for e in &board.ended {
            writeln!(out)?;
            writeln!(
                out,
                "{} {:<8} {:<11} ended {}",
                crate::model::short_label(&e.version_label),
                e.platform,
                e.outcome,
                e.ended_at
            )?;
            for line in e.outcome_lines(board.at) {
                writeln!(out, "   {line}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::dashboard::TrackView;
    use crate::model::Gate;

    /// `board` as text; `colour` adds ANSI colours.
    fn to_text(board: &Board, colour: bool) -> String {
        crate::text::to_string(|out| Text { colour }.render(board, out)).unwrap()
    }

    pub(crate) fn board() -> Board {
        Board {
            scenario: "baseline".into(),
            policy: "manual".into(),
            seed: 1,
            at: "2026-01-19T10:00:00Z".parse().unwrap(),
            squad_time: "Mon 2026-01-19 11:00 CET".into(),
            drawn: Vec::new(),
            ended: vec![crate::dashboard::EndedView {
                version: 0,
                version_label: "0".into(),
                platform: "android".into(),
                outcome: "shipped".into(),
                ended_at: "2026-01-14T09:00:00Z".parse().unwrap(),
                first_hotfix_at: Some("2026-01-19T14:00:00Z".parse().unwrap()),
                safety: crate::analysis::safety::TrackSafety {
                    reached_users: true,
                    defects: Some(crate::analysis::safety::DefectCounts {
                        carried: 2,
                        caught: [1, 0, 0, 0],
                        escaped_halted: 0,
                        escaped_to_everyone: 1,
                        exposure_hours: 0.52,
                    }),
                    hotfixes: Some(1),
                    restore_hours: Some(20.0),
                },
            }],
            tracks: vec![TrackView {
                version: 1,
                version_label: "1".into(),
                platform: "ios".into(),
                state: "final_rc".into(),
                waiting_on: "signoff".into(),
                rollout_percent: 0,
                open_blockers: 0,
                signoffs_done: 3,
                signoffs_required: 5,
                latest_build: 2,
                build_status: "passed".into(),
                crash_rate_percent: Some(0.4),
                usage_percent: 70,
                gates: vec![
                    (Gate::NoBlockers, Light::Green),
                    (Gate::Signoff, Light::Red),
                    (Gate::Bake, Light::Yellow),
                ],
            }],
        }
    }

    #[test]
    fn colour_only_when_asked() {
        let plain = to_text(&board(), false);
        assert!(!plain.contains('\x1b'));
        assert!(
            plain.contains("+ no_blockers  x signoff  ~ bake"),
            "{plain}"
        );
        assert!(plain.contains("sign-offs 3/5"));
        let coloured = to_text(&board(), true);
        assert!(coloured.contains("\x1b[31mx\x1b[0m signoff"), "{coloured}");
    }

    #[test]
    fn an_ended_track_shows_its_safety_outcome_and_says_it_is_assumed() {
        let text = to_text(&board(), false);
        assert!(
            text.contains(
                "   defects 2 (assumed: the scenario's defect model): escaped 1 (halted 0, \
                 to everyone 1)\n   caught by testing 1, beta 0, review 0, first stage 0\n"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "hotfixes 1 (assumed), the first at 2026-01-19T14:00:00Z (after this tick)"
            ),
            "{text}"
        );
        let mut recorded = board();
        recorded.ended[0].safety.defects = None;
        recorded.ended[0].safety.hotfixes = None;
        let text = to_text(&recorded, false);
        assert!(text.contains("defects: not recorded"), "{text}");
        assert!(
            text.contains("hotfixes: not recorded\n   user exposure: not recorded"),
            "{text}"
        );
    }

    #[test]
    fn text_snapshot() {
        insta::assert_snapshot!(to_text(&board(), false));
    }
}
