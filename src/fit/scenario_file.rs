//! The fitted scenario file: the base scenario's text with each fitted value substituted in
//! place, so its comments, layout and every value the log cannot tell survive.
//!
//! Each value is replaced in the base document through toml_edit, which keeps the comments
//! and layout of everything else; when the value ends its line, the line's comment is
//! replaced by one saying what the fit found. A base file whose layout cannot be edited that way (a
//! distribution written as a `[table]` rather than an inline table, say) is re-serialised
//! from its parsed table instead, with the per-value comments moved to the header. Either
//! way the result is checked: it must load as a [`Scenario`] and hold exactly the values
//! meant.

use toml_edit::{DocumentMut, TableLike};

use super::{ALL_STORES, Fit, FitError, Value};
use crate::dist::Dist;
use crate::scenario::Scenario;

/// One value to write.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    /// The key, one element per dotted part.
    pub path: Vec<String>,
    /// The value.
    pub value: Value,
    /// What the fit found, for a comment beside it.
    pub comment: String,
}

/// The settings of every fitted quantity of `fit`, the pooled store keys expanded to every
/// platform of `scenario` that has a store. `comment` describes a quantity in one line.
pub fn settings(
    fit: &Fit,
    scenario: &Scenario,
    comment: impl Fn(&super::Quantity) -> String,
) -> Vec<Setting> {
    let mut out = Vec::new();
    for q in &fit.quantities {
        let Some(value) = q.fitted() else { continue };
        let text = comment(q);
        if q.path.iter().any(|p| p == ALL_STORES) {
            for spec in scenario.platforms.iter().filter(|p| p.store.is_some()) {
                let path = q
                    .path
                    .iter()
                    .map(|p| {
                        if p == ALL_STORES {
                            spec.name.clone()
                        } else {
                            p.clone()
                        }
                    })
                    .collect();
                out.push(Setting {
                    path,
                    value,
                    comment: text.clone(),
                });
            }
        } else {
            out.push(Setting {
                path: q.path.clone(),
                value,
                comment: text,
            });
        }
    }
    out
}

/// The base scenario text `base` (read from `file`) renamed to `name`, with `header` lines
/// as comments on top and every setting substituted. Fails when the result does not load or
/// does not hold the values meant.
pub fn write(
    base: &str,
    file: &str,
    name: &str,
    header: &[String],
    settings: &[Setting],
) -> Result<String, FitError> {
    let in_place = edit_in_place(base, name, settings).and_then(|body| {
        let text = with_header(header, &[], &body);
        check(&text, file, name, settings).ok().map(|_| text)
    });
    let text = match in_place {
        Some(text) => text,
        None => {
            let body = reserialise(base, name, settings)?;
            let notes: Vec<String> = settings
                .iter()
                .map(|s| {
                    format!(
                        "{} = {}  # {}",
                        s.path.join("."),
                        literal(s.value),
                        s.comment
                    )
                })
                .collect();
            with_header(header, &notes, &body)
        }
    };
    check(&text, file, name, settings)?;
    Ok(text)
}

fn with_header(header: &[String], notes: &[String], body: &str) -> String {
    let mut out = String::new();
    for line in header {
        out.push_str(&format!("# {line}\n").replace("# \n", "#\n"));
    }
    if !notes.is_empty() {
        out.push_str("#\n# Fitted values:\n");
        for n in notes {
            out.push_str(&format!("#   {n}\n"));
        }
    }
    out.push('\n');
    out.push_str(body);
    out
}

/// `base` edited with toml_edit, which keeps every comment and layout it does not touch;
/// `None` when a key is missing, a distribution is not an inline table or two settings
/// overlap (one key inside another's value).
fn edit_in_place(base: &str, name: &str, settings: &[Setting]) -> Option<String> {
    let mut doc: DocumentMut = base.parse().ok()?;
    let name_path = ["name".to_string()];
    let paths: Vec<&[String]> = std::iter::once(&name_path[..])
        .chain(settings.iter().map(|s| &s.path[..]))
        .collect();
    for (i, a) in paths.iter().enumerate() {
        if paths[i + 1..]
            .iter()
            .any(|b| a.starts_with(b) || b.starts_with(a))
        {
            return None;
        }
    }
    replace(
        doc.as_table_mut(),
        &name_path,
        quoted(name).parse().ok()?,
        None,
    )?;
    for s in settings {
        let value: toml_edit::Value = literal(s.value).parse().ok()?;
        if matches!(s.value, Value::Dist(_)) && !value.is_inline_table() {
            return None;
        }
        replace(doc.as_table_mut(), &s.path, value, Some(&s.comment))?;
    }
    Some(doc.to_string())
}

/// Puts `new` in place of the value at `path` under `table`, keeping the whitespace before
/// it. With a `comment`, a value that ends its line gets `  # comment` after it instead of
/// what followed it on that line. `None` when `path` is not a value (missing, a `[table]`,
/// an array of tables), or `new` is a distribution and the value is not an inline table.
fn replace(
    table: &mut dyn TableLike,
    path: &[String],
    mut new: toml_edit::Value,
    comment: Option<&str>,
) -> Option<()> {
    let (last, parents) = path.split_last()?;
    let mut table = table;
    let mut inline = false;
    for p in parents {
        let item = table.get_mut(p)?;
        inline |= item.is_inline_table();
        table = item.as_table_like_mut()?;
    }
    let old = table.get_mut(last)?.as_value_mut()?;
    if new.is_inline_table() && !old.is_inline_table() {
        return None;
    }
    let decor = old.decor();
    let prefix = decor
        .prefix()
        .and_then(|p| p.as_str())
        .unwrap_or(" ")
        .to_string();
    let suffix = decor
        .suffix()
        .and_then(|s| s.as_str())
        .unwrap_or("")
        .to_string();
    let suffix = match comment {
        // A key/value line of a table: what follows the value is its line's comment.
        Some(c) if !inline => format!("  # {c}"),
        // Inside an inline table a value ends its line only before a line break (TOML 1.1
        // inline tables may span lines); the break and what follows it stay.
        Some(c) => match suffix.find('\n') {
            Some(i) => format!("  # {c}{}", &suffix[i..]),
            None => suffix,
        },
        None => suffix,
    };
    new.decor_mut().set_prefix(prefix);
    new.decor_mut().set_suffix(suffix);
    *old = new;
    Some(())
}

/// The base parsed and written again with the settings applied (comments are lost).
fn reserialise(base: &str, name: &str, settings: &[Setting]) -> Result<String, FitError> {
    let mut doc: toml::Table =
        toml::from_str(base).map_err(|e| FitError::Invalid(e.to_string()))?;
    doc.insert("name".into(), toml::Value::String(name.into()));
    for s in settings {
        let (last, parents) = s
            .path
            .split_last()
            .ok_or_else(|| FitError::Invalid("an empty key".into()))?;
        let mut table = &mut doc;
        for p in parents {
            table = table
                .entry(p.clone())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()))
                .as_table_mut()
                .ok_or_else(|| FitError::Invalid(format!("`{p}` is not a table")))?;
        }
        table.insert(last.clone(), toml_value(s.value));
    }
    toml::to_string(&doc).map_err(|e| FitError::Invalid(e.to_string()))
}

/// Checks that `text` loads and holds every setting.
fn check(text: &str, file: &str, name: &str, settings: &[Setting]) -> Result<(), FitError> {
    let scenario = Scenario::from_toml(text, file).map_err(|e| FitError::Invalid(e.to_string()))?;
    if scenario.name != name {
        return Err(FitError::Invalid(format!(
            "name is {:?}, not {name:?}",
            scenario.name
        )));
    }
    let doc: toml::Table = toml::from_str(text).map_err(|e| FitError::Invalid(e.to_string()))?;
    for s in settings {
        let mut value = None;
        let mut table = Some(&doc);
        for (i, p) in s.path.iter().enumerate() {
            let v = table.and_then(|t| t.get(p));
            if i + 1 == s.path.len() {
                value = v;
            } else {
                table = v.and_then(toml::Value::as_table);
            }
        }
        if value != Some(&toml_value(s.value)) {
            return Err(FitError::Invalid(format!(
                "`{}` does not read back as {}",
                s.path.join("."),
                literal(s.value)
            )));
        }
    }
    Ok(())
}

fn toml_value(v: Value) -> toml::Value {
    match v {
        Value::Number(x) => toml::Value::Float(x),
        Value::Integer(i) => toml::Value::Integer(i),
        Value::Dist(d) => {
            let mut t = toml::Table::new();
            let (kind, params) = dist_params(d);
            t.insert("dist".into(), toml::Value::String(kind.into()));
            for (k, x) in params {
                t.insert(k.into(), toml::Value::Float(x));
            }
            toml::Value::Table(t)
        }
    }
}

/// A distribution's `dist` name and parameters, in the scenario file's order.
pub fn dist_params(d: Dist) -> (&'static str, Vec<(&'static str, f64)>) {
    match d {
        Dist::Fixed(value) => ("fixed", vec![("value", value)]),
        Dist::Exponential { mean } => ("exponential", vec![("mean", mean)]),
        Dist::LogNormal { median, sigma } => {
            ("lognormal", vec![("median", median), ("sigma", sigma)])
        }
        Dist::Uniform { min, max } => ("uniform", vec![("min", min), ("max", max)]),
        Dist::Gamma { shape, mean } => ("gamma", vec![("shape", shape), ("mean", mean)]),
    }
}

/// The TOML text of a value.
pub fn literal(v: Value) -> String {
    match v {
        Value::Number(x) => float(x),
        Value::Integer(i) => i.to_string(),
        Value::Dist(d) => {
            let (kind, params) = dist_params(d);
            let params: Vec<String> = params
                .iter()
                .map(|(k, x)| format!(", {k} = {}", float(*x)))
                .collect();
            format!("{{ dist = \"{kind}\"{} }}", params.concat())
        }
    }
}

/// A TOML float literal that reads back as exactly `x`.
fn float(x: f64) -> String {
    let s = format!("{x}");
    if s.contains(['.', 'e', 'E', 'n', 'N', 'i']) {
        s
    } else {
        format!("{s}.0")
    }
}

fn quoted(s: &str) -> String {
    toml::Value::String(s.into()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::BASELINE_TOML;

    fn setting(path: &str, value: Value) -> Setting {
        Setting {
            path: path.split('.').map(String::from).collect(),
            value,
            comment: "fitted here".into(),
        }
    }

    fn some_settings() -> Vec<Setting> {
        vec![
            setting("world.blockers.mean_count", Value::Number(3.953)),
            setting(
                "world.blockers.discovery_hours",
                Value::Dist(Dist::Gamma {
                    shape: 1.02,
                    mean: 1.987,
                }),
            ),
            setting("world.signoff.teams", Value::Integer(11)),
            setting(
                "stores.ios.review_hours",
                Value::Dist(Dist::LogNormal {
                    median: 23.88,
                    sigma: 0.5412,
                }),
            ),
        ]
    }

    #[test]
    fn substitutes_in_place_keeping_comments() {
        let header = vec!["fitted from x.csv".to_string(), String::new(), "cmd".into()];
        let text = write(
            BASELINE_TOML,
            "fitted.toml",
            "baseline-fitted",
            &header,
            &some_settings(),
        )
        .unwrap();
        assert!(
            text.starts_with("# fitted from x.csv\n#\n# cmd\n\n"),
            "{text}"
        );
        assert!(text.contains("mean_count = 3.953  # fitted here\n"));
        assert!(text.contains(
            "discovery_hours = { dist = \"gamma\", shape = 1.02, mean = 1.987 }  # fitted here\n"
        ));
        assert!(text.contains("name = \"baseline-fitted\"\n"));
        // Untouched comments and values survive.
        assert!(text.contains("# two overlapping shifts; nobody acts at night or weekends"));
        assert!(text.contains("flaky_failure = 0.08 "));
        let sc = Scenario::from_toml(&text, "fitted.toml").unwrap();
        assert_eq!(sc.world.blockers_mean_count, 3.953);
        assert_eq!(sc.world.signoff_teams, 11);
        assert_eq!(
            sc.platforms[1].store.unwrap().review_hours,
            Dist::LogNormal {
                median: 23.88,
                sigma: 0.5412
            }
        );
    }

    #[test]
    fn a_dist_written_as_a_table_falls_back_to_reserialising() {
        let base = BASELINE_TOML.replace(
            "discovery_hours = { dist = \"exponential\", mean = 2.0 }            # wall clock after the cut (regression tests run on cut day)\n",
            "",
        ) + "\n[world.blockers.discovery_hours]\ndist = \"exponential\"\nmean = 2.0\n";
        assert!(Scenario::from_toml(&base, "b.toml").is_ok());
        let text = write(
            &base,
            "fitted.toml",
            "b-fitted",
            &["h".into()],
            &some_settings(),
        )
        .unwrap();
        assert!(text.contains("# Fitted values:\n"), "{text}");
        assert!(text.contains("#   world.signoff.teams = 11  # fitted here\n"));
        let sc = Scenario::from_toml(&text, "fitted.toml").unwrap();
        assert_eq!(
            sc.world.blocker_discovery_hours,
            Dist::Gamma {
                shape: 1.02,
                mean: 1.987
            }
        );
        assert_eq!(sc.name, "b-fitted");
    }

    #[test]
    fn an_out_of_range_value_is_an_error() {
        let bad = vec![setting("world.builds.flaky_failure", Value::Number(0.97))];
        let err = write(BASELINE_TOML, "fitted.toml", "x", &[], &bad).unwrap_err();
        assert!(
            err.to_string().contains("world.builds.flaky_failure"),
            "{err}"
        );
    }

    #[test]
    fn float_literals_read_back_exactly() {
        for x in [4.0, 0.03123, 12_350.0, 1e-7, 23.99] {
            let v: toml::Value =
                toml::from_str::<toml::Table>(&format!("x = {}", float(x))).unwrap()["x"].clone();
            assert_eq!(v, toml::Value::Float(x));
        }
    }

    #[test]
    fn values_inside_inline_tables_keep_the_rest_of_their_line() {
        let base = "name = \"x\" # n\n[a]\nb = { c = 1, d = 2 } # d\nm = {\n  e = 1, # one\n  f = 2 # two\n}\n";
        let edited =
            |path: &str| edit_in_place(base, "y", &[setting(path, Value::Number(2.5))]).unwrap();
        assert_eq!(
            edited("a.b.c"),
            base.replace("name = \"x\"", "name = \"y\"")
                .replace("c = 1,", "c = 2.5,")
        );
        assert!(edited("a.m.e").contains("  e = 2.5, # one\n"));
        assert!(edited("a.m.f").contains("  f = 2.5  # fitted here\n}\n"));
        // One setting inside another's value cannot be edited in place.
        let nested = [
            setting("a.b", Value::Number(1.0)),
            setting("a.b.c", Value::Number(2.0)),
        ];
        assert_eq!(edit_in_place(base, "y", &nested), None);
        assert_eq!(
            edit_in_place(base, "y", &[setting("a.z", Value::Number(1.0))]),
            None
        );
    }
}
