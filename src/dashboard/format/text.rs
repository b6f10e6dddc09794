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
    fn text_snapshot() {
        insta::assert_snapshot!(to_text(&board(), false));
    }
}
