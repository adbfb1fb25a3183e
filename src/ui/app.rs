//! The application's view state: the registered panes, which one shows, the help overlay; turns
//! actions into effects and draws the whole screen from `&Store`.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};

use super::action::Action;
use super::keymap::Keymap;
use super::pane::{Ctx, DrawCtx, Intent, Outcome, PaneKind, ViewState};
use super::panes::Panes;
use super::theme::Theme;
use super::widgets::text_input::TextInput;
use super::widgets::{help, status_bar};
use crate::present::format::Fmt;
use crate::sources::Command;
use crate::store::Store;

/// What the loop must do after an action.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    None,
    Redraw,
    /// Send this to the sources, then redraw.
    Send(Command),
    /// Write the incident report and a snapshot.
    SaveReport,
    /// Copy this text to the clipboard (OSC 52), then redraw.
    Yank(String),
    /// Freeze the view (true) while polling goes on, or resume (false).
    Freeze(bool),
    /// Watch another profile and/or regions: the sources are rebuilt.
    Restart {
        /// Empty: the default profile.
        profiles: Vec<String>,
        regions: Vec<String>,
    },
    Quit,
}

pub struct App {
    /// Every pane, by name.
    pub panes: Panes,
    current: PaneKind,
    /// View settings the panes share (the model tables' grouping).
    pub view_state: ViewState,
    /// The clock panes are handed as "now" (epoch seconds); the wall clock but in tests.
    pub clock: fn() -> i64,
    pub help: bool,
    pub keymap: Keymap,
    pub theme: Theme,
    /// Ring the terminal bell when a rule starts firing.
    pub bell: bool,
    /// A reopened snapshot: the time it was saved, used as "now"; nothing is polled.
    pub frozen_at: Option<i64>,
    /// How often "12 s ago" labels refresh (longer on slow links).
    pub tick: std::time::Duration,
    flash: Option<String>,
    /// Commands a pane left behind asked for (see [`App::take_pending`]).
    pending: Vec<Command>,
    /// The `:` command line while it is open.
    pub cmdline: Option<TextInput>,
    /// Mouse capture is on (`--mouse`): the wheel scrolls, a click on a tab opens it.
    pub mouse: bool,
    /// Where the header's tabs were drawn (columns), for clicks.
    tab_hits: Vec<(u16, u16)>,
    /// The view is frozen (the loop draws from a copy of the store).
    pub frozen: bool,
    /// Charts show this fraction of the window: (start, end) in 0..=1.
    pub zoom: (f64, f64),
    /// A fixed past range being looked at (`:range`), for the header.
    pub range: Option<crate::domain::window::Window>,
    /// How times and sparklines are written: local time or UTC (`u`, `:utc`), ASCII sparklines
    /// (the binary sets it from `--ascii` and the theme; `:theme` updates it).
    pub fmt: Fmt,
}

impl App {
    pub fn new(keymap: Keymap, theme: Theme) -> Self {
        Self {
            panes: Panes::default(),
            current: PaneKind::Overview,
            view_state: ViewState::default(),
            clock: wall_clock,
            help: false,
            keymap,
            theme,
            bell: true,
            frozen_at: None,
            tick: std::time::Duration::from_secs(1),
            flash: None,
            pending: Vec::new(),
            cmdline: None,
            mouse: false,
            tab_hits: Vec::new(),
            frozen: false,
            zoom: (0.0, 1.0),
            range: None,
            fmt: Fmt::default(),
        }
    }

    /// The command line: typing, Tab completion, Enter to run, Esc to close.
    fn command_key(&mut self, key: KeyEvent, store: &Store) -> Effect {
        let Some(line) = self.cmdline.as_mut() else { return Effect::None };
        match key.code {
            KeyCode::Esc => self.cmdline = None,
            KeyCode::Backspace if line.is_empty() => {
                self.cmdline = None;
            }
            KeyCode::Tab => {
                let options = super::command::complete(line.value());
                if let Some(p) = super::command::common_prefix(&options) {
                    let mut text = line.value().to_string();
                    if p.len() > text.len() {
                        text = p;
                    }
                    if options.len() == 1 && !text.ends_with(' ') && !text.contains(' ') {
                        text.push(' ');
                    }
                    line.set_text(&text);
                }
            }
            KeyCode::Enter => {
                let text = self.cmdline.take().map(|l| l.value().to_string()).unwrap_or_default();
                if text.trim().is_empty() {
                    return Effect::Redraw;
                }
                let now = store.window.end;
                return match super::command::parse(&text, now) {
                    Ok(cmd) => self.run_command(cmd, store),
                    Err(e) => {
                        self.flash = Some(e);
                        Effect::Redraw
                    }
                };
            }
            _ => {
                line.key(key);
            }
        }
        Effect::Redraw
    }

    fn run_command(&mut self, cmd: super::command::Cmd, store: &Store) -> Effect {
        use super::command::Cmd;
        match cmd {
            Cmd::Goto(kind) => {
                self.current = kind;
                Effect::Redraw
            }
            Cmd::Since(s) => {
                self.range = None;
                self.flash = Some(format!("window: last {s}"));
                self.zoom = (0.0, 1.0);
                Effect::Send(Command::SetSince(s))
            }
            Cmd::Range(r) => {
                let w = r.map(|(start, end)| crate::domain::window::Window { start, end });
                self.range = w;
                self.flash = Some(match w {
                    Some(w) => {
                        format!("range {} → {} (polling that range)", self.fmt.hhmm(w.start), self.fmt.hhmm(w.end))
                    }
                    None => "back to live".into(),
                });
                self.zoom = (0.0, 1.0);
                Effect::Send(Command::SetRange(w))
            }
            Cmd::Region(regions) => Effect::Restart { profiles: store.identity.profiles(), regions },
            Cmd::Profile(p) => Effect::Restart {
                profiles: p.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect(),
                regions: store.identity.regions.clone(),
            },
            Cmd::Theme(t) => {
                match super::theme::Theme::resolve(&t) {
                    Ok(th) => {
                        let (ascii, charts) = (self.theme.ascii, self.theme.ascii_charts);
                        self.theme = th.for_depth(super::theme::ColorDepth::from_env());
                        self.theme.ascii = ascii;
                        self.theme.ascii_charts |= charts;
                        self.fmt.ascii = self.theme.ascii_charts;
                        self.flash = Some(format!("theme {t}"));
                    }
                    Err(e) => self.flash = Some(e),
                }
                Effect::Redraw
            }
            Cmd::Keymap(k) => {
                match super::keymap::Keymap::resolve(&k) {
                    Ok(km) => {
                        self.keymap = km;
                        self.flash = Some(format!("keymap {k}"));
                    }
                    Err(e) => self.flash = Some(e),
                }
                Effect::Redraw
            }
            Cmd::Export => Effect::SaveReport,
            Cmd::Quotas => self.apply(Outcome::Goto(PaneKind::Models, Intent::OpenQuotas), store),
            Cmd::Freeze => self.toggle_freeze(),
            Cmd::Utc(utc) => {
                self.fmt.local = !utc;
                self.flash = Some(if utc { "times in UTC".into() } else { "times in local time".into() });
                Effect::Redraw
            }
            Cmd::Quit => Effect::Quit,
            Cmd::Help => {
                self.help = true;
                Effect::Redraw
            }
        }
    }

    fn toggle_freeze(&mut self) -> Effect {
        if self.frozen_at.is_some() {
            self.flash = Some("a reopened snapshot is always frozen".into());
            return Effect::Redraw;
        }
        self.frozen = !self.frozen;
        self.flash = Some(if self.frozen { "view frozen; polling goes on (F resumes)".into() } else { "live".into() });
        Effect::Freeze(self.frozen)
    }

    /// Zoom or pan the charts' time axis.
    fn zoom_by(&mut self, action: Action) {
        let (a, b) = self.zoom;
        let span = b - a;
        let mid = (a + b) / 2.0;
        let (na, nb) = match action {
            Action::ZoomIn => (mid - span / 4.0, mid + span / 4.0),
            Action::ZoomOut => (mid - span, mid + span),
            Action::PanLeft => (a - span / 4.0, b - span / 4.0),
            Action::PanRight => (a + span / 4.0, b + span / 4.0),
            _ => (0.0, 1.0),
        };
        let span = (nb - na).clamp(1.0 / 64.0, 1.0);
        let start = na.clamp(0.0, 1.0 - span);
        self.zoom = (start, start + span);
    }

    /// The time range charts show.
    pub fn view(&self, store: &Store) -> crate::domain::window::Window {
        let w = store.window;
        let len = (w.end - w.start) as f64;
        let start = w.start + (len * self.zoom.0) as i64;
        let end = w.start + (len * self.zoom.1) as i64;
        crate::domain::window::Window {
            start: start.div_euclid(60) * 60,
            end: (end.div_euclid(60) * 60).max(start.div_euclid(60) * 60 + 300),
        }
    }

    pub fn current_kind(&self) -> PaneKind {
        self.current
    }

    pub fn pane_titles(&self) -> Vec<&'static str> {
        PaneKind::ALL.iter().map(|k| self.panes.get(*k).title()).collect()
    }

    /// Now, for the panes: a reopened snapshot's time, else the clock.
    pub fn now(&self) -> i64 {
        self.frozen_at.unwrap_or_else(self.clock)
    }

    /// What a pane is handed with a key, an intent or a switch.
    fn ctx<'a>(&self, store: &'a Store) -> Ctx<'a> {
        Ctx { store, now: self.now(), view_state: self.view_state }
    }

    /// A raw key: to a pane that is editing text, else through the keymap.
    pub fn handle_key(&mut self, key: KeyEvent, store: &Store) -> Effect {
        let before = self.current;
        let effect = self.route_key(key, store);
        self.left(before, store);
        effect
    }

    /// The pane that lost the screen (if it did) may have something to stop, and the one that
    /// gained it something to fetch.
    fn left(&mut self, before: PaneKind, store: &Store) {
        if before == self.current {
            return;
        }
        let ctx = self.ctx(store);
        if let Outcome::Send(c) = self.panes.get_mut(before).leave(&ctx) {
            self.pending.push(c);
        }
        if let Outcome::Send(c) = self.panes.get_mut(self.current).entered(&ctx) {
            self.pending.push(c);
        }
    }

    /// A mouse event (only with `--mouse`): the wheel moves the selection like the arrow keys, a
    /// left click on a tab in the header opens that pane.
    pub fn handle_mouse(&mut self, m: crossterm::event::MouseEvent, store: &Store) -> Effect {
        use crossterm::event::{MouseButton, MouseEventKind};
        if self.cmdline.is_some() {
            return Effect::None;
        }
        let action = match m.kind {
            MouseEventKind::ScrollDown => Action::Down,
            MouseEventKind::ScrollUp => Action::Up,
            MouseEventKind::Down(MouseButton::Left) if m.row == 0 => {
                match self.tab_hits.iter().position(|(a, b)| (*a..*b).contains(&m.column)) {
                    Some(i) => {
                        let before = self.current;
                        self.help = false;
                        self.current = PaneKind::ALL[i.min(PaneKind::ALL.len() - 1)];
                        self.left(before, store);
                        return Effect::Redraw;
                    }
                    None => return Effect::None,
                }
            }
            _ => return Effect::None,
        };
        self.handle(action, store)
    }

    /// Commands to send besides the one in an [`Effect`] (a pane left behind stops its query).
    pub fn take_pending(&mut self) -> Vec<Command> {
        std::mem::take(&mut self.pending)
    }

    fn route_key(&mut self, key: KeyEvent, store: &Store) -> Effect {
        let ctrl_c = key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL);
        if self.cmdline.is_some() && !ctrl_c {
            return self.command_key(key, store);
        }
        if !self.help && !ctrl_c && self.panes.get(self.current).captures_input() {
            let ctx = self.ctx(store);
            let out = self.panes.get_mut(self.current).handle_key(key, &ctx);
            return self.apply(out, store);
        }
        match self.keymap.action(&key) {
            Some(a) => self.handle(a, store),
            None => Effect::None,
        }
    }

    pub fn handle(&mut self, action: Action, store: &Store) -> Effect {
        self.flash = None;
        if self.help {
            return match action {
                Action::Quit => Effect::Quit,
                Action::Help | Action::Back => {
                    self.help = false;
                    Effect::Redraw
                }
                _ => Effect::None,
            };
        }
        match action {
            Action::Quit => Effect::Quit,
            Action::Help => {
                self.help = true;
                Effect::Redraw
            }
            Action::Refresh => self.apply(Outcome::Send(Command::Refresh), store),
            Action::SaveReport => Effect::SaveReport,
            Action::Command => {
                self.cmdline = Some(TextInput::default());
                Effect::Redraw
            }
            Action::TimeRange => {
                self.cmdline = Some(TextInput::single("since "));
                Effect::Redraw
            }
            Action::Freeze => self.toggle_freeze(),
            Action::ToggleUtc => {
                self.fmt.local = !self.fmt.local;
                self.flash = Some(if self.fmt.local { "times in local time".into() } else { "times in UTC".into() });
                Effect::Redraw
            }
            Action::ZoomIn | Action::ZoomOut | Action::PanLeft | Action::PanRight | Action::ZoomReset => {
                self.zoom_by(action);
                Effect::Redraw
            }
            Action::NextPane | Action::PrevPane => {
                let n = PaneKind::ALL.len();
                let i = self.current.index();
                let i = if action == Action::NextPane { (i + 1) % n } else { (i + n - 1) % n };
                self.current = PaneKind::ALL[i];
                Effect::Redraw
            }
            a if a.pane_number().is_some() => match a.pane_number().filter(|n| *n <= PaneKind::ALL.len()) {
                Some(n) => {
                    self.current = PaneKind::ALL[n - 1];
                    Effect::Redraw
                }
                None => Effect::None,
            },
            Action::Back => {
                if self.panes.get_mut(self.current).back() {
                    Effect::Redraw
                } else {
                    Effect::None
                }
            }
            _ => {
                let ctx = self.ctx(store);
                let out = self.panes.get_mut(self.current).handle(action, &ctx);
                self.apply(out, store)
            }
        }
    }

    fn apply(&mut self, out: Outcome, store: &Store) -> Effect {
        match out {
            Outcome::None | Outcome::Ignored => Effect::None,
            Outcome::Redraw => Effect::Redraw,
            Outcome::Send(c) => {
                if let Some(at) = self.frozen_at
                    && matches!(c, Command::Refresh | Command::Logs(crate::sources::logs::LogsRequest::Run { .. }))
                {
                    // nothing answers in a reopened snapshot: say so rather than wait in silence
                    self.flash = Some(format!(
                        "a reopened snapshot (saved {} UTC) polls and queries nothing",
                        self.fmt.hhmm(at)
                    ));
                    return Effect::Redraw;
                }
                Effect::Send(c)
            }
            Outcome::Yank(t) => {
                self.flash = Some(format!("copied {} characters (OSC 52)", t.chars().count()));
                Effect::Yank(t)
            }
            Outcome::Flash(m) => {
                self.flash = Some(m);
                Effect::Redraw
            }
            Outcome::SetView(v) => {
                let before = std::mem::replace(&mut self.view_state, v);
                let ctx = self.ctx(store);
                for kind in PaneKind::ALL {
                    self.panes.get_mut(kind).view_changed(&before, &ctx);
                }
                Effect::Redraw
            }
            Outcome::Goto(kind, intent) => {
                self.current = kind;
                let ctx = self.ctx(store);
                let next = self.panes.get_mut(kind).receive(&intent, &ctx);
                match self.apply(next, store) {
                    Effect::None => Effect::Redraw,
                    e => e,
                }
            }
        }
    }

    /// Show a short message in the footer until the next key.
    pub fn flash(&mut self, msg: String) {
        self.flash = Some(msg);
    }

    /// Hand an intent to a pane directly (used by pivots and tests).
    pub fn send_intent(&mut self, kind: PaneKind, intent: Intent, store: &Store) -> Effect {
        self.apply(Outcome::Goto(kind, intent), store)
    }

    pub fn draw(&mut self, f: &mut Frame, store: &Store, now: i64) {
        let area = f.area();
        let [header, body, status, message] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(3), Constraint::Length(1), Constraint::Length(1)])
                .areas(area);
        let titles = self.pane_titles();
        let tabs: Vec<(&str, bool)> = titles.iter().enumerate().map(|(i, t)| (*t, i == self.current.index())).collect();
        let when = match self.range {
            Some(r) => {
                // the range as polled: old data is read on the 5-minute or hour clock, so the
                // window can be a little wider than the one typed
                let w = store.window;
                let shown = if w.start <= r.start && w.end >= r.end && w.secs() < r.secs() + 7200 { w } else { r };
                format!("{}–{}", self.fmt.hhmm(shown.start), self.fmt.hhmm(shown.end))
            }
            None => format!("last {}", crate::present::views::since_label(store)),
        };
        self.tab_hits = status_bar::draw_header(f, header, store, &tabs, &when, &self.theme);
        let view = self.view(store);
        let ctx = DrawCtx {
            store,
            theme: &self.theme,
            keymap: &self.keymap,
            now,
            view,
            fmt: self.fmt,
            view_state: self.view_state,
        };
        // the polling plan follows what this frame shows (the Overview's totals need every model)
        crate::sources::plan::begin_frame(
            self.current == PaneKind::Overview,
            store
                .firing_rules()
                .iter()
                .flat_map(|r| &r.culprits)
                .map(|c| (c.region.clone(), c.model.clone()))
                .collect(),
        );
        self.panes.get_mut(self.current).draw(f, body, &ctx);
        crate::sources::plan::end_frame();
        let frozen = self
            .frozen_at
            .map(|t| format!("REPLAY of {}", crate::present::format::rfc3339(t)))
            .or_else(|| self.frozen.then(|| "FROZEN (F resumes)".to_string()));
        status_bar::draw_status(f, status, store, now, frozen.as_deref(), &self.theme);
        let hints = match &self.flash {
            Some(m) => m.clone(),
            None => self.hints(message.width as usize),
        };
        status_bar::draw_message_line(f, message, store, &hints, &self.theme);
        if self.help {
            let pane = self.panes.get(self.current);
            let commands = pane.commands(&self.view_state);
            help::draw(f, body, &self.keymap, &titles, pane.title(), &commands, &self.theme);
        }
        if let Some(line) = &self.cmdline {
            super::widgets::command_line::draw(f, body, message, line, &self.theme);
        }
    }

    /// Footer hints from the active keymap and the current pane.
    /// Help and panes first, refresh and quit last; the pane's own hints in between, as many as
    /// fit in `width` columns (the help lists them all).
    fn hints(&self, width: usize) -> String {
        let k = |a| self.keymap.key_for(a).unwrap_or_else(|| "?".into());
        let head = [format!("{} help", k(Action::Help)), format!("{} panes", k(Action::NextPane))];
        let tail = [format!("{} refresh", k(Action::Refresh)), format!("{} quit", k(Action::Quit))];
        let mut middle: Vec<String> = self
            .panes
            .get(self.current)
            .commands(&self.view_state)
            .into_iter()
            .filter(|c| c.footer)
            .map(|c| format!("{} {}", k(c.action), c.label))
            .collect();
        let join = |middle: &[String]| {
            head.iter().chain(middle.iter()).chain(tail.iter()).cloned().collect::<Vec<_>>().join(" · ")
        };
        // one column of margin (the line starts with a space)
        while !middle.is_empty() && super::widgets::text::width(&join(&middle)) + 1 > width {
            middle.pop();
        }
        join(&middle)
    }
}

/// The wall clock, epoch seconds.
fn wall_clock() -> i64 {
    chrono::Utc::now().timestamp()
}
