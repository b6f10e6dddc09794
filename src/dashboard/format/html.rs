//! The dashboard as one self-contained HTML page (no scripts, no network).

use std::fmt::Write;
use std::io;

use crate::dashboard::Board;
use crate::text::Render;
use crate::text::html::escape;

/// The HTML format.
pub struct Html;

impl Render<Board> for Html {
    type Error = io::Error;

    fn render(&self, board: &Board, out: &mut dyn io::Write) -> io::Result<()> {
        let title = format!(
            "{} / {} / seed {} at {}",
            escape(&board.scenario),
            escape(&board.policy),
            board.seed,
            board.at
        );
        let mut s = String::new();
        let _ = write!(
            s,
            r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Release dashboard: {title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; margin-bottom: 1.5em; }}
th, td {{ border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; }}
.green {{ background: #c8efc8; }} .yellow {{ background: #fbefb0; }} .red {{ background: #f6c1c1; }} .unknown {{ background: #e4e4e4; color: #555; }}
</style></head><body>
<h1>Release dashboard</h1>
<p>{title} &middot; release squad time: {squad}</p>
<p>Gates: <span class="green">green</span> holds; <span class="red">red</span> needed by the
next step and failing; <span class="yellow">yellow</span> failing, not needed yet{unknown}.</p>
{drawn}"#,
            squad = escape(&board.squad_time),
            drawn = if board.drawn.is_empty() {
                String::new()
            } else {
                format!(
                    "<p class=\"unknown\">Assumed: the log does not record {}; this \
                     counterfactual draws them from the scenario.</p>\n",
                    escape(&board.drawn.join(", "))
                )
            },
            unknown = if board.has_unknown() {
                "; <span class=\"unknown\">unknown</span> not recorded: the log has no \
                 evidence for it (replayed as recorded)"
            } else {
                ""
            }
        );
        for t in &board.tracks {
            let crash = t
                .crash_rate_percent
                .map_or("&ndash;".to_string(), |c| format!("{c:.2}%"));
            let _ = write!(
                s,
                r#"<h2>{platform} &middot; version {version}</h2>
<table><tr><th>state</th><th>rollout</th><th>waiting on</th><th>blockers</th><th>sign-offs</th><th>build</th><th>crash rate</th><th>beta usage</th></tr>
<tr><td>{state}</td><td>{rollout}%</td><td>{waiting}</td><td>{blockers}</td><td>{done}/{required}</td><td>#{build} {status}</td><td>{crash}</td><td>{usage}%</td></tr></table>
<table><tr>"#,
                platform = escape(&t.platform),
                version = escape(&t.version_label),
                state = escape(&t.state),
                rollout = t.rollout_percent,
                waiting = escape(&t.waiting_on),
                blockers = t.open_blockers,
                done = t.signoffs_done,
                required = t.signoffs_required,
                build = t.latest_build,
                status = escape(&t.build_status),
                usage = t.usage_percent,
            );
            for (g, light) in &t.gates {
                let _ = write!(
                    s,
                    r#"<td class="{l}" title="{l}">{g}</td>"#,
                    l = light.as_str(),
                    g = g.as_str()
                );
            }
            s.push_str("</tr></table>\n");
        }
        if !board.ended.is_empty() {
            s.push_str(
                "<h2>Ended by this tick</h2>\n<p>The whole cycle's safety outcome, from the \
                 cycles table.</p>\n",
            );
        }
        for e in &board.ended {
            let _ = write!(
                s,
                "<h3>{platform} &middot; version {version} &middot; {outcome} {ended}</h3>\n<ul>",
                platform = escape(&e.platform),
                version = escape(&e.version_label),
                outcome = escape(&e.outcome),
                ended = e.ended_at,
            );
            for line in e.outcome_lines(board.at) {
                let _ = write!(s, "<li>{}</li>", escape(&line));
            }
            s.push_str("</ul>\n");
        }
        s.push_str("</body></html>\n");
        out.write_all(s.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `board` as an HTML page.
    fn to_html(board: &Board) -> String {
        crate::text::to_string(|out| Html.render(board, out)).unwrap()
    }

    #[test]
    fn html_escapes_names() {
        assert_eq!(escape("<a&\"b\">"), "&lt;a&amp;&quot;b&quot;&gt;");
    }

    #[test]
    fn html_snapshot() {
        insta::assert_snapshot!(to_html(&crate::dashboard::format::text::tests::board()));
    }
}
