//! The header (panes, identity) and the status bar (data age per source, errors, API spend),
//! plus the message line (the current error with its fix, or key hints).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::present::format;
use crate::store::{ErrorKind, Store};
use crate::ui::theme::Theme;
use crate::ui::widgets::text::{self, width};

/// `nightjar │ 1 Overview  2 Models │ prod · 123456789012 · us-east-1 · 1h`. Returns the columns
/// each tab takes (start, end), for mouse clicks.
pub fn draw_header(
    f: &mut Frame,
    area: Rect,
    store: &Store,
    panes: &[(&str, bool)],
    when: &str,
    theme: &Theme,
) -> Vec<(u16, u16)> {
    let id = &store.identity;
    // who and when, from the most detailed to the shortest: at 80 columns the window and the
    // profile must stay on screen; the endpoint, the account numbers and the region list go first
    // tabs: every name when they fit beside the identity, else numbers and the current name
    let full: usize = panes.iter().enumerate().map(|(i, (n, _))| width(&format!(" {} {n} ", i + 1))).sum();
    let short: usize = panes
        .iter()
        .enumerate()
        .map(|(i, (n, active))| width(&if *active { format!(" {} {n} ", i + 1) } else { format!(" {} ", i + 1) }))
        .sum();
    let width = area.width as usize;
    let fits = |tabs: usize, w: &String| 11 + tabs + 2 + text::width(w) <= width;
    // every tab named with everything said, else numbered tabs with as much said as fits
    // a monitoring account says so in place of its number: "monitoring 123456… · 14 linked accounts"
    let org = store.accounts.monitoring().map(|m| (m.to_string(), store.accounts.linked().len()));
    let who_at = |level: u8| match &org {
        Some((m, n)) => org_line(id, m, *n, when, level),
        None => who_line(id, when, level),
    };
    let all = who_at(0);
    let (compact, who) = if fits(full, &all) {
        (false, all)
    } else {
        let mut w = all;
        for level in 1..4 {
            if fits(short, &w) {
                break;
            }
            w = who_at(level);
        }
        (true, w)
    };
    let mut spans = vec![Span::styled(" nightjar ", theme.title()), Span::styled(theme.glyph("│", "|"), theme.muted())];
    let mut x = area.x + 11;
    let mut hits = Vec::with_capacity(panes.len());
    for (i, (name, active)) in panes.iter().enumerate() {
        let style = if *active { theme.selected() } else { theme.muted() };
        let label = if compact && !*active { format!(" {} ", i + 1) } else { format!(" {} {name} ", i + 1) };
        let w = text::width(&label) as u16;
        hits.push((x, x + w));
        x += w;
        spans.push(Span::styled(label, style));
    }
    spans.push(Span::styled(theme.glyph("│ ", "| "), theme.muted()));
    spans.push(Span::styled(who, theme.accent()));
    f.render_widget(Paragraph::new(Line::from(spans)), area);
    hits
}

/// The header's identity and window at `level` of detail: 0 everything; 1 without the endpoint;
/// 2 without account numbers where a profile names the account (or in the demo); 3 with the
/// regions counted instead of listed. Sanitised: profile and account come from config and AWS.
fn who_line(id: &crate::store::Identity, when: &str, level: u8) -> String {
    let mut who: Vec<String> = Vec::new();
    if id.demo {
        who.push("DEMO".into());
    }
    let named = id.demo || id.profile.is_some();
    if id.accounts.is_empty() {
        if let Some(p) = &id.profile {
            who.push(p.clone());
        }
        if level < 2 || !named {
            who.push(
                id.account.clone().unwrap_or_else(|| if id.demo { "demo-account".into() } else { "account ?".into() }),
            );
        }
    } else {
        // several profiles: `prod 111111111111 + staging 222222222222`
        let each: Vec<String> = id
            .accounts
            .iter()
            .map(|a| {
                if level < 2 {
                    format!("{} {}", a.profile, a.account.as_deref().unwrap_or("account ?"))
                } else {
                    a.profile.clone()
                }
            })
            .collect();
        who.push(each.join(" + "));
    }
    who.push(match id.regions.len() {
        0 => "no region".into(),
        n if n > 1 && level >= 3 => format!("{n} regions"),
        _ => id.regions.join(","),
    });
    who.push(when.to_string());
    if let (Some(e), 0) = (&id.endpoint, level) {
        who.push(format!("→ {e}"));
    }
    crate::sanitize::one_line(&who.join(" · "))
}

/// [`who_line`] of a monitoring account (`m`, with `n` source accounts linked): the account is
/// said as a monitoring account, shorter at each level.
fn org_line(id: &crate::store::Identity, m: &str, n: usize, when: &str, level: u8) -> String {
    let short: String = m.chars().take(6).collect();
    let s = if n == 1 { "" } else { "s" };
    let mut who: Vec<String> = id.profile.iter().cloned().collect();
    who.push(match level {
        0 | 1 => format!("monitoring {short}… · {n} linked account{s}"),
        2 => format!("monitoring · {n} linked"),
        _ => format!("{n} linked"),
    });
    who.push(match id.regions.len() {
        0 => "no region".into(),
        k if k > 1 && level >= 2 => format!("{k} regions"),
        _ => id.regions.join(","),
    });
    who.push(when.to_string());
    if let (Some(e), 0) = (&id.endpoint, level) {
        who.push(format!("→ {e}"));
    }
    crate::sanitize::one_line(&who.join(" · "))
}

/// Per source: `cloudwatch us-east-1 ✓ 12s` / `✗ stale 3m` / `◐ partial 12s`; then API spend.
/// Before them, how coarse the points are when they are not per minute.
pub fn draw_status(f: &mut Frame, area: Rect, store: &Store, now: i64, frozen_note: Option<&str>, theme: &Theme) {
    let mut spans: Vec<Span> = vec![Span::raw(" ")];
    // a frozen view or a replay first: at 80 columns the end of this line is cut
    if let Some(n) = frozen_note {
        spans.push(Span::styled(n.to_string(), theme.warn().add_modifier(ratatui::style::Modifier::BOLD)));
        spans.push(Span::styled(theme.glyph("  │ ", "  | "), theme.muted()));
    }
    let firing = store.firing_rules().len()
        + store.alarms().iter().filter(|a| a.state == crate::store::alarms::AlarmState::Alarm).count();
    if firing > 0 {
        spans.push(Span::styled(format!("{} {firing} firing", theme.glyph("●", "*")), theme.crit()));
        spans.push(Span::styled(theme.glyph("  │ ", "  | "), theme.muted()));
    }
    // points coarser than a minute (old data, a long window): the figures are per period
    if let Some(n) = store.resolution.note() {
        spans.push(Span::styled(n, theme.warn()));
        spans.push(Span::styled(theme.glyph("  │ ", "  | "), theme.muted()));
    }
    // the polling plan: planned and spent per hour, how many queries it slowed
    if let Some(p) = crate::store::plan::combined(store.plans.values()) {
        spans.push(Span::styled(plan_line(&p), if p.over_budget { theme.warn() } else { theme.muted() }));
        spans.push(Span::styled(theme.glyph("  │ ", "  | "), theme.muted()));
    }
    for h in store.health() {
        // an optional source off by design (Service Quotas denied): calm and short, not a failure
        if let Some(n) = h.note.as_ref().filter(|_| !h.is_stale()) {
            let what = n.split_once(" — ").map_or(n.as_str(), |(_, then)| then);
            let text = format!("{} {} {}", h.label(), theme.glyph("–", "-"), crate::sanitize::one_line(what));
            spans.push(Span::styled(text, theme.muted()));
            spans.push(Span::styled(theme.glyph("  │ ", "  | "), theme.muted()));
            continue;
        }
        let age = h.newest_data.or(h.last_ok).map(|t| format::age(now - t));
        let (mark, style) = if h.loading && h.last_ok.is_none() && h.last_error.is_none() {
            (theme.glyph("…", "..."), theme.muted())
        } else if h.is_stale() {
            (theme.glyph("✗", "x"), theme.crit())
        } else if h.partial.is_some() {
            // answered with holes: never shown as healthy
            (theme.glyph("◐ partial", "~ partial"), theme.warn())
        } else {
            (theme.glyph("✓", "ok"), theme.ok())
        };
        spans.push(Span::styled(format!("{} {mark}", h.label()), style));
        if let Some(a) = age {
            let label = if h.is_stale() { format!(" stale, data {a} old") } else { format!(" {a}") };
            spans.push(Span::styled(label, if h.is_stale() { theme.stale() } else { theme.muted() }));
        }
        if h.backoff_secs > 0 {
            spans.push(Span::styled(format!(" retry {}", format::age(h.backoff_secs as i64)), theme.muted()));
        }
        spans.push(Span::styled(theme.glyph("  │ ", "  | "), theme.muted()));
    }
    spans.push(Span::styled(format!("API {}", format::usd(store.api_spend_usd())), theme.muted()));
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The newest error with its fix, else what a partial poll is missing, else the key hints.
pub fn draw_message_line(f: &mut Frame, area: Rect, store: &Store, hints: &str, theme: &Theme) {
    let err = store
        .health()
        .filter(|h| h.is_stale())
        .filter_map(|h| h.last_error.as_ref().map(|e| (h.label(), e)))
        .max_by_key(|(_, e)| e.at);
    let line = match err {
        Some((src, e)) => {
            // `code: message — fix` is cut at 80 columns: when the operator must act (log in again,
            // grant a permission, fix the region) and it does not fit, the fix goes first
            let mut text = e.one_line();
            let act = matches!(
                e.kind,
                ErrorKind::ExpiredCredentials
                    | ErrorKind::NoCredentials
                    | ErrorKind::AccessDenied
                    | ErrorKind::BadRegion
                    | ErrorKind::ClockSkew
            );
            if act && !e.hint.is_empty() && text::width(&src) + text::width(&text) + 3 > area.width as usize {
                let code = e.code.as_deref().map(|c| format!("{c}: ")).unwrap_or_default();
                text = crate::sanitize::one_line(&format!("{} — {code}{}", e.hint, e.message));
            }
            Line::from(vec![Span::styled(format!(" {src}: "), theme.crit()), Span::styled(text, theme.warn())])
        }
        None => match store.health().find_map(|h| h.partial.as_ref().map(|p| (h.label(), p))) {
            // a poll with holes says what is missing until a whole answer comes
            Some((src, p)) => Line::from(vec![
                Span::styled(format!(" {src}: "), theme.warn()),
                Span::styled(format!("partial, {}", p.summary()), theme.warn()),
            ]),
            None => Line::styled(format!(" {hints}"), theme.muted()),
        },
    };
    f.render_widget(Paragraph::new(line), area);
}

/// `plan $0.08/$0.10/h spent $0.07/h · 412 slowed` for the status bar.
fn plan_line(p: &crate::store::plan::PlanStatus) -> String {
    let spent = p.spent_usd_per_hour.map(|s| format!(" spent ${s:.2}/h")).unwrap_or_default();
    let budget = p.budget_usd_per_hour.map(|b| format!("/${b:.2}")).unwrap_or_default();
    let over = if p.over_budget { " over budget" } else { "" };
    format!("plan ${:.2}{budget}/h{spent} · {} slowed{over}", p.planned_usd_per_hour, p.slowed)
}
