//! How a panel's values and sentences read as text: a value in its unit, a sentence's plain
//! text (the text report's, and what `/` matches). The board that draws them is
//! [`crate::ui::widgets::board`].

use crate::sanitize::one_line;
use crate::store::pipeline::{Part, Sentence, Unit};
use crate::ui::format;

/// Formats one value for the terminal.
pub fn value(v: f64, unit: Unit) -> String {
    match unit {
        Unit::Ms => format::ms(v),
        Unit::Secs => {
            let s = v.round() as i64;
            if s >= 3600 {
                format!("{}h{:02}m", s / 3600, (s % 3600) / 60)
            } else if s >= 60 {
                format!("{}m{:02}s", s / 60, s % 60)
            } else {
                format!("{s}s")
            }
        }
        Unit::Count => format::count(v),
        Unit::Plain => plain(v),
        Unit::Usd => format::usd(v),
        Unit::Score => format!("{v:.2}"),
        Unit::Pct => format::pct(v),
        Unit::Rating => format!("{v:.1}/5"),
        Unit::Times => {
            if v >= 10.0 {
                format!("{v:.0}×")
            } else {
                format!("{v:.1}×")
            }
        }
    }
}

/// A number of unknown kind (another metric): whole numbers as counts, small ones with the
/// decimals that matter.
pub fn plain(v: f64) -> String {
    let a = v.abs();
    if v.fract() == 0.0 || a >= 100.0 {
        format::count(v)
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

/// The sentence as plain text (for the text report and tests).
pub fn sentence_text(s: &Sentence) -> String {
    s.parts
        .iter()
        .map(|p| match p {
            Part::Text(t) => one_line(t),
            Part::Value(v, u) => value(*v, *u),
            Part::Time(t) => format::hhmm(*t),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_by_unit() {
        assert_eq!(value(0.714, Unit::Score), "0.71");
        assert_eq!(value(3.44, Unit::Rating), "3.4/5");
        assert_eq!(value(255.0, Unit::Secs), "4m15s");
        assert_eq!(value(4.12, Unit::Times), "4.1×");
        assert_eq!(value(62.4, Unit::Pct), "62%");
        assert_eq!(value(345.0, Unit::Ms), "345ms");
    }
}
