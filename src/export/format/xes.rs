//! IEEE XES 1849-2016: the Concept, Time and Lifecycle extensions, one `<trace>` per case
//! (case keys as trace attributes) and one `<event>` per activity (two with
//! [`Lifecycle::StartComplete`](crate::export::Lifecycle::StartComplete)).

use std::io;

use quick_xml::Writer;
use quick_xml::events::Event;

use super::timestamp;
use crate::export::ActivityLog;
use crate::text::Render;
use crate::text::xml::{self, tag};

/// The namespace of XES and its standard extensions.
const STANDARD: &str = "http://www.xes-standard.org/";

/// XES.
pub struct Xes;

impl Render<ActivityLog> for Xes {
    type Error = io::Error;

    fn render(&self, log: &ActivityLog, out: &mut dyn io::Write) -> io::Result<()> {
        let mut w = xml::start(out)?;
        let root = tag("log", &[("xes.version", "1849.2016"), ("xmlns", STANDARD)]);
        w.write_event(Event::Start(root.borrow()))?;
        for (name, prefix) in [
            ("Concept", "concept"),
            ("Time", "time"),
            ("Lifecycle", "lifecycle"),
        ] {
            let uri = format!("{STANDARD}{prefix}.xesext");
            w.write_event(Event::Empty(tag(
                "extension",
                &[("name", name), ("prefix", prefix), ("uri", &uri)],
            )))?;
        }
        // The defaults a tool assumes for an attribute an element lacks.
        let trace_globals = tag("global", &[("scope", "trace")]);
        w.write_event(Event::Start(trace_globals.borrow()))?;
        attribute(&mut w, "string", "concept:name", "UNKNOWN")?;
        w.write_event(Event::End(trace_globals.to_end()))?;
        let event_globals = tag("global", &[("scope", "event")]);
        w.write_event(Event::Start(event_globals.borrow()))?;
        attribute(&mut w, "string", "concept:name", "UNKNOWN")?;
        attribute(&mut w, "date", "time:timestamp", "1970-01-01T00:00:00.000Z")?;
        attribute(&mut w, "string", "lifecycle:transition", "complete")?;
        w.write_event(Event::End(event_globals.to_end()))?;
        w.write_event(Event::Empty(tag(
            "classifier",
            &[("name", "Activity"), ("keys", "concept:name")],
        )))?;
        attribute(&mut w, "string", "concept:name", "conductor activity log")?;
        attribute(&mut w, "string", "lifecycle:model", "standard")?;
        attribute(&mut w, "string", "activity", log.activity.as_str())?;
        attribute(&mut w, "string", "lifecycle", log.lifecycle.as_str())?;
        let trace = tag("trace", &[]);
        let event = tag("event", &[]);
        for case in &log.cases {
            w.write_event(Event::Start(trace.borrow()))?;
            attribute(&mut w, "string", "concept:name", &case.id())?;
            attribute(&mut w, "string", "scenario", &case.scenario)?;
            attribute(&mut w, "string", "policy", &case.policy)?;
            attribute(&mut w, "int", "seed", &case.seed.to_string())?;
            attribute(&mut w, "int", "version", &case.version.to_string())?;
            attribute(&mut w, "string", "version_label", &case.version_label)?;
            attribute(&mut w, "string", "platform", &case.platform)?;
            attribute(&mut w, "string", "assumed", &case.assumed)?;
            for a in &case.activities {
                let start = timestamp(a.start_ms)?;
                for (transition, ms) in log.lifecycle.events(a) {
                    w.write_event(Event::Start(event.borrow()))?;
                    attribute(&mut w, "string", "concept:name", a.name(log.activity))?;
                    attribute(&mut w, "string", "lifecycle:transition", transition)?;
                    attribute(&mut w, "date", "time:start_timestamp", &start)?;
                    attribute(&mut w, "date", "time:timestamp", &timestamp(ms)?)?;
                    attribute(&mut w, "string", "state", a.state.as_str())?;
                    attribute(&mut w, "string", "waiting_on", a.waiting_on.as_str())?;
                    attribute(&mut w, "float", "hours", &a.hours().to_string())?;
                    w.write_event(Event::End(event.to_end()))?;
                }
            }
            w.write_event(Event::End(trace.to_end()))?;
        }
        w.write_event(Event::End(root.to_end()))?;
        xml::end(w)
    }
}

/// An XES attribute of type `ty` (`string`, `date`, `int`, `float`): `<ty key="…" value="…"/>`.
fn attribute(
    w: &mut Writer<&mut dyn io::Write>,
    ty: &str,
    key: &str,
    value: &str,
) -> io::Result<()> {
    w.write_event(Event::Empty(tag(ty, &[("key", key), ("value", value)])))
}

#[cfg(test)]
mod tests {
    use crate::export::ActivityKind;
    use crate::export::LogFormat;
    use crate::export::format::tests::{rendered, tiny_log};

    #[test]
    fn xes_declares_the_extensions_and_escapes_values() {
        let xes = rendered(&tiny_log(ActivityKind::WaitingOn), LogFormat::Xes);
        for ext in ["Concept", "Time", "Lifecycle"] {
            assert!(
                xes.contains(&format!(r#"<extension name="{ext}""#)),
                "{ext}"
            );
        }
        assert!(xes.contains(
            r#"<string key="concept:name" value="what-if &lt;A&amp;B&gt;/robot, &quot;fast&quot;/seed=1/v0/ios"/>"#
        ));
        assert_eq!(xes.matches("<trace>").count(), 1);
        assert_eq!(xes.matches("<event>").count(), 5);
        assert_eq!(xes.matches("</event>").count(), 5);
        let event = r#"    <event>
      <string key="concept:name" value="manual_action"/>
      <string key="lifecycle:transition" value="complete"/>
      <date key="time:start_timestamp" value="1970-01-01T05:00:00.000Z"/>
      <date key="time:timestamp" value="1970-01-01T06:00:00.000Z"/>
      <string key="state" value="final_rc"/>
      <string key="waiting_on" value="manual_action"/>
      <float key="hours" value="1"/>
    </event>
"#;
        assert!(xes.contains(event), "{xes}");
        assert!(xes.ends_with("  </trace>\n</log>\n"));
    }
}
