//! The `:` command line: what a typed command means, and Tab completion.

use crate::domain::window::Since;
use crate::ui::pane::PaneKind;

/// A parsed command.
#[derive(Debug, Clone, PartialEq)]
pub enum Cmd {
    Goto(PaneKind),
    Since(Since),
    /// A fixed past range (epoch seconds), or `None` to go back to "the last N, live".
    Range(Option<(i64, i64)>),
    Region(Vec<String>),
    Profile(String),
    Theme(String),
    Keymap(String),
    Export,
    /// The quota view.
    Quotas,
    Freeze,
    Utc(bool),
    Quit,
    Help,
}

/// Every command word, for completion and `:help`.
pub const WORDS: &[(&str, &str)] = &[
    ("overview", "pane 1"),
    ("models", "the models table"),
    ("pipeline", "the application's pipeline metrics"),
    ("platform", "guardrails, agents, knowledge bases"),
    ("traces", "X-Ray traces"),
    ("logs", "Logs Insights"),
    ("alarms", "alarms and alert rules"),
    ("quotas", "quota use: 7-day p90 and peak, heatmap, per profile"),
    ("since", "window: 15m 1h 3h 12h 24h 7d"),
    ("range", "a past range: START END (RFC 3339 or HH:MM), or `live`"),
    ("region", "watch these regions: a,b"),
    ("profile", "switch AWS profile (a,b: several at once)"),
    ("theme", "default light high-contrast solarized-dark tty"),
    ("keymap", "default vim emacs"),
    ("export", "write the incident report and a snapshot"),
    ("freeze", "stop the view (polling goes on); again to resume"),
    ("utc", "times in UTC"),
    ("local", "times in local time"),
    ("help", "the key help"),
    ("q", "quit"),
];

const PANE_ALIASES: &[(&str, PaneKind)] = &[
    ("overview", PaneKind::Overview),
    ("o", PaneKind::Overview),
    ("models", PaneKind::Models),
    ("model", PaneKind::Models),
    ("m", PaneKind::Models),
    ("pipeline", PaneKind::Pipeline),
    ("p", PaneKind::Pipeline),
    ("platform", PaneKind::Platform),
    ("guardrails", PaneKind::Platform),
    ("traces", PaneKind::Traces),
    ("trace", PaneKind::Traces),
    ("t", PaneKind::Traces),
    ("logs", PaneKind::Logs),
    ("l", PaneKind::Logs),
    ("alarms", PaneKind::Alarms),
    ("alarm", PaneKind::Alarms),
    ("rules", PaneKind::Alarms),
    ("a", PaneKind::Alarms),
];

/// Parse one time of day (`03:05`, today UTC, or yesterday if that is in the future) or an
/// RFC 3339 timestamp, relative to `now`.
fn parse_time(s: &str, now: i64) -> Result<i64, String> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Ok(t.timestamp());
    }
    if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M") {
        return Ok(t.and_utc().timestamp());
    }
    if let Ok(t) = chrono::NaiveTime::parse_from_str(s, "%H:%M") {
        let today = chrono::DateTime::from_timestamp(now, 0).ok_or("bad clock")?.date_naive();
        let mut ts = today.and_time(t).and_utc().timestamp();
        if ts > now {
            ts -= 86_400;
        }
        return Ok(ts);
    }
    Err(format!("'{s}' is not a time: use HH:MM (UTC) or 2026-11-25T03:00:00Z"))
}

/// A past range `START END` (each HH:MM UTC or RFC 3339), minute-aligned: at least 5 minutes,
/// at most 14 days (`:range` and `--once --range`).
pub fn parse_range(a: &str, b: &str, now: i64) -> Result<(i64, i64), String> {
    let (s, e) = (parse_time(a, now)?, parse_time(b, now)?);
    if e <= s || e - s < 300 {
        return Err("the range must end after it starts, and last at least 5 minutes".into());
    }
    if e - s > 14 * 86_400 {
        return Err("the range is too long: at most 14 days".into());
    }
    Ok((s.div_euclid(60) * 60, e.div_euclid(60) * 60))
}

pub fn parse(line: &str, now: i64) -> Result<Cmd, String> {
    let line = line.trim().trim_start_matches(':').trim();
    let mut words = line.split_whitespace();
    let Some(head) = words.next() else { return Err("empty command".into()) };
    let rest: Vec<&str> = words.collect();
    let arg = |what: &str| rest.first().copied().ok_or_else(|| format!(":{head} needs {what}"));
    if let Some((_, kind)) = PANE_ALIASES.iter().find(|(n, _)| *n == head) {
        return Ok(Cmd::Goto(*kind));
    }
    Ok(match head {
        "q" | "quit" | "q!" => Cmd::Quit,
        "help" | "?" => Cmd::Help,
        "quotas" | "quota" => Cmd::Quotas,
        "since" | "window" | "w" => Cmd::Since(arg("a window, e.g. 3h")?.parse()?),
        "range" => match rest.as_slice() {
            ["live"] | ["now"] | [] => Cmd::Range(None),
            [a, b] => Cmd::Range(Some(parse_range(a, b, now)?)),
            _ => return Err(":range START END (HH:MM or RFC 3339), or :range live".into()),
        },
        "region" | "regions" => {
            let regions: Vec<String> =
                rest.iter().flat_map(|r| r.split(',')).filter(|r| !r.is_empty()).map(str::to_string).collect();
            if regions.is_empty() {
                return Err(":region needs one or more regions, e.g. us-east-1,us-west-2".into());
            }
            Cmd::Region(regions)
        }
        // `:profile prod,staging` (or `:profile prod staging`) watches several side by side
        "profile" | "ctx" => {
            arg("a profile name")?;
            Cmd::Profile(rest.iter().flat_map(|r| r.split(',')).filter(|r| !r.is_empty()).collect::<Vec<_>>().join(","))
        }
        "theme" => Cmd::Theme(arg("a theme name or file")?.to_string()),
        "keymap" => Cmd::Keymap(arg("a keymap name or file")?.to_string()),
        "export" | "report" | "save" => Cmd::Export,
        "freeze" | "pause" => Cmd::Freeze,
        "utc" => Cmd::Utc(true),
        "local" => Cmd::Utc(false),
        other => return Err(format!("unknown command ':{other}' (Tab completes; :help lists keys)")),
    })
}

/// Completions of what is typed so far: command words, then arguments where they are known.
pub fn complete(line: &str) -> Vec<String> {
    let line = line.trim_start_matches(':');
    let ends_with_space = line.ends_with(' ');
    let words: Vec<&str> = line.split_whitespace().collect();
    match (words.as_slice(), ends_with_space) {
        ([], _) => WORDS.iter().map(|(w, _)| w.to_string()).collect(),
        ([w], false) => WORDS.iter().filter(|(c, _)| c.starts_with(w)).map(|(c, _)| c.to_string()).collect(),
        ([cmd], true) | ([cmd, _], false) => {
            let partial = if ends_with_space { "" } else { words[1] };
            let options: Vec<&str> = match *cmd {
                "since" | "window" => crate::domain::window::PRESETS.to_vec(),
                "theme" => crate::ui::theme::BUILTIN.iter().map(|(n, _)| *n).collect(),
                "keymap" => crate::ui::keymap::BUILTIN.iter().map(|(n, _)| *n).collect(),
                "region" | "regions" => crate::sources::aws::KNOWN_REGIONS.to_vec(),
                "range" => vec!["live"],
                _ => vec![],
            };
            options.into_iter().filter(|o| o.starts_with(partial)).map(|o| format!("{cmd} {o}")).collect()
        }
        _ => vec![],
    }
}

/// The longest common prefix of the completions (what Tab inserts).
pub fn common_prefix(options: &[String]) -> Option<String> {
    let first = options.first()?;
    let mut n = first.len();
    for o in &options[1..] {
        n = n.min(first.chars().zip(o.chars()).take_while(|(a, b)| a == b).count());
    }
    Some(first.chars().take(n).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_586_400; // 2026-11-25 06:00 UTC

    #[test]
    fn commands_parse() {
        assert_eq!(parse(":models", NOW), Ok(Cmd::Goto(PaneKind::Models)));
        assert_eq!(parse("traces", NOW), Ok(Cmd::Goto(PaneKind::Traces)));
        assert_eq!(parse(":since 3h", NOW), Ok(Cmd::Since("3h".parse().unwrap())));
        assert_eq!(parse(":region us-west-2", NOW), Ok(Cmd::Region(vec!["us-west-2".into()])));
        assert_eq!(
            parse(":region us-east-1,eu-west-1", NOW),
            Ok(Cmd::Region(vec!["us-east-1".into(), "eu-west-1".into()]))
        );
        assert_eq!(parse(":profile prod", NOW), Ok(Cmd::Profile("prod".into())));
        assert_eq!(parse(":profile prod, staging", NOW), Ok(Cmd::Profile("prod,staging".into())));
        assert_eq!(parse(":theme light", NOW), Ok(Cmd::Theme("light".into())));
        assert_eq!(parse(":export", NOW), Ok(Cmd::Export));
        assert_eq!(parse(":q", NOW), Ok(Cmd::Quit));
        assert_eq!(parse(":range 03:00 04:30", NOW), Ok(Cmd::Range(Some((NOW - 3 * 3600, NOW - 3600 - 1800)))));
        assert_eq!(
            parse(":range 2026-11-24T22:00:00Z 2026-11-24T23:00:00Z", NOW),
            Ok(Cmd::Range(Some((NOW - 8 * 3600, NOW - 7 * 3600))))
        );
        // a time of day later than now means yesterday
        assert_eq!(parse(":range 23:00 23:30", NOW), Ok(Cmd::Range(Some((NOW - 7 * 3600, NOW - 7 * 3600 + 1800)))));
        assert_eq!(parse(":range live", NOW), Ok(Cmd::Range(None)));
    }

    #[test]
    fn bad_commands_say_why() {
        assert!(parse(":since 2w", NOW).unwrap_err().contains("invalid window"));
        assert!(parse(":frobnicate", NOW).unwrap_err().contains("unknown command ':frobnicate'"));
        assert!(parse(":profile", NOW).unwrap_err().contains("needs a profile name"));
        assert!(parse(":range 04:00 03:00", NOW).unwrap_err().contains("end after it starts"));
        assert!(parse(":range tea 03:00", NOW).unwrap_err().contains("'tea' is not a time"));
    }

    #[test]
    fn completion() {
        assert_eq!(complete(":mo"), vec!["models".to_string()]);
        assert_eq!(
            complete(":since "),
            vec!["since 15m", "since 1h", "since 3h", "since 12h", "since 24h", "since 7d"]
        );
        assert_eq!(complete(":theme so"), vec!["theme solarized-dark".to_string()]);
        assert!(complete(":region us-w").contains(&"region us-west-2".to_string()));
        assert_eq!(common_prefix(&complete(":p")), Some("p".into()));
        assert_eq!(common_prefix(&["since 12h".into(), "since 1h".into()]), Some("since 1".into()));
        assert!(complete(":").len() >= 15);
    }
}
