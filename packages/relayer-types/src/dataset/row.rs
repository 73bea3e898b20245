//! One row of a dataset, its canonical text (the CSV line) and the strict reading of that text.

use diachain_std::encoding::{ReadingKind, Trend, Unit};
use diachain_std::DataScope;
use serde::{Deserialize, Serialize};

use super::error::{RowError, RowField};
use super::names::{
    kind_name, parse_kind, parse_scope, parse_trend, parse_unit, scope_name, trend_name, unit_name,
};
use super::time::{format_time, parse_time, utc_day, MAX_DAY, MAX_TIME};

/// The columns of a row, in order (the CSV header's names).
pub const COLUMNS: [&str; 9] = [
    "participant",
    "study_day",
    "time_utc",
    "scope",
    "kind",
    "value",
    "unit",
    "trend",
    "flags",
];
/// The largest value a row can hold, either sign (999,999,999,999.999 in the reading's unit):
/// 15 significant digits, so that every value is exact as a JSON number (a double) in the FHIR
/// NDJSON and in JavaScript.
pub const MAX_VALUE: i64 = 999_999_999_999_999;
/// The largest `study_day` either side of zero: the distance between the first and the last day
/// a row can have (`time_utc` from 1970 to 9999).
pub const MAX_STUDY_DAY: i64 = MAX_DAY;
/// A pseudonym: `P-` and this many lowercase hex digits.
pub const PSEUDONYM_HEX_DIGITS: usize = 16;

/// One row of a research dataset: a reading of a participant, without its device, salt or
/// sequence number, under the study's pseudonym and (when the export shifts times) its shifted
/// time. `docs/research-data.md` section 2.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetRow {
    /// The per-study pseudonym, `P-` + 16 lowercase hex digits.
    pub participant: String,
    /// Whole days from the study's `data_from_day` to the row's (shifted) UTC day.
    pub study_day: i64,
    /// The (shifted) measurement time, unix seconds.
    pub time: i64,
    /// The scope of `kind` ([`ReadingKind::scope`]), never `summaries_only`.
    pub scope: DataScope,
    pub kind: ReadingKind,
    /// Fixed point, three decimals (142000 = 142.000), at most [`MAX_VALUE`] either side of 0.
    pub value: i64,
    pub unit: Unit,
    pub trend: Trend,
    pub flags: u16,
}

impl DatasetRow {
    /// The canonical text: the CSV line without its `\n`. Its leaf is [`super::row_leaf`] of
    /// it. A row that [`DatasetRow::check`] refuses gives text that [`parse_csv_line`] refuses.
    pub fn to_canonical(&self) -> String {
        format!(
            "{},{},{},{},{},{},{},{},{}",
            self.participant,
            self.study_day,
            format_time(self.time),
            scope_name(self.scope),
            kind_name(self.kind),
            format_value(self.value),
            unit_name(self.unit),
            trend_name(self.trend),
            self.flags
        )
    }

    /// The row's Merkle leaf hash.
    pub fn leaf(&self) -> diachain_std::merkle::Hash {
        super::row_leaf(&self.to_canonical())
    }

    /// The study's `data_from_day` this row implies: its UTC day minus its `study_day`.
    pub fn data_from_day(&self) -> i64 {
        utc_day(self.time) - self.study_day
    }

    /// That the row is one the format can hold: its canonical text reads back as the row.
    pub fn check(&self) -> Result<(), RowError> {
        let parsed = parse_csv_line(&self.to_canonical(), None)?;
        if &parsed != self {
            // Unreachable while parsing and formatting agree; kept so that `check` never lies.
            return Err(RowError::new(
                RowField::Fields,
                "the row does not read back from its own text",
            ));
        }
        Ok(())
    }
}

/// A fixed-point value as the dataset writes it: trailing zeros and a trailing `.` removed
/// (142000 → `142`, 7850 → `7.85`, -1500 → `-1.5`, 0 → `0`).
pub fn format_value(value: i64) -> String {
    let (sign, abs) = (if value < 0 { "-" } else { "" }, value.unsigned_abs());
    let (whole, frac) = (abs / 1000, abs % 1000);
    if frac == 0 {
        return format!("{sign}{whole}");
    }
    let digits = format!("{frac:03}");
    format!("{sign}{whole}.{}", digits.trim_end_matches('0'))
}

/// A decimal with at most three decimals, as fixed point (`7.85` → 7850); `None` for anything
/// else or out of `i64`. Not a canonical check: compare with [`format_value`] for that.
pub fn parse_value(text: &str) -> Option<i64> {
    let (negative, rest) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, frac) = match rest.split_once('.') {
        Some((w, f)) => (w, f),
        None => (rest, ""),
    };
    let all_digits = |s: &str| s.bytes().all(|c| c.is_ascii_digit());
    if whole.is_empty() || !all_digits(whole) || !all_digits(frac) || frac.len() > 3 {
        return None;
    }
    if rest.contains('.') && frac.is_empty() {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let frac: i64 = format!("{frac:0<3}").parse().ok()?;
    let abs = whole.checked_mul(1000)?.checked_add(frac)?;
    Some(if negative { -abs } else { abs })
}

/// That `participant` is a pseudonym: `P-` and 16 lowercase hex digits.
pub fn is_pseudonym(participant: &str) -> bool {
    participant.strip_prefix("P-").is_some_and(|hex| {
        hex.len() == PSEUDONYM_HEX_DIGITS
            && hex
                .bytes()
                .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
    })
}

fn error(field: RowField, problem: impl Into<String>) -> RowError {
    RowError::new(field, problem)
}

/// An integer in canonical form: what `to_string` writes (no `+`, no leading zeros, no `-0`).
fn canonical_int<T: std::str::FromStr + ToString>(
    field: RowField,
    text: &str,
) -> Result<T, RowError> {
    let v: T = text
        .parse()
        .map_err(|_| error(field, format!("`{text}` is not an integer in range")))?;
    let canonical = v.to_string();
    if canonical != text {
        return Err(error(
            field,
            format!("`{text}` is not in canonical form (`{canonical}`)"),
        ));
    }
    Ok(v)
}

/// Reads one canonical row: exactly 9 fields, each exactly as [`DatasetRow::to_canonical`]
/// writes it (so a line that is not its row's own text is refused: `142.0`, `+1`, `007`, an
/// uppercase pseudonym, an unknown name, a time with a fraction or an offset), its scope the
/// kind's, never `summaries_only`. With the study's `data_from_day`, the row's `study_day` must
/// be its UTC day minus it. The error names the first field found wrong, in column order (a
/// scope that is not the kind's is reported on `scope`, once the kind is read).
pub fn parse_csv_line(line: &str, data_from_day: Option<u64>) -> Result<DatasetRow, RowError> {
    if line.contains(['\r', '\n']) {
        return Err(error(RowField::Line, "a row holds no CR or LF"));
    }
    let fields: Vec<&str> = line.split(',').collect();
    let [participant, study_day, time, scope, kind, value, unit, trend, flags] = fields[..] else {
        return Err(error(
            RowField::Fields,
            format!("{} fields; a row has {}", fields.len(), COLUMNS.len()),
        ));
    };
    if !is_pseudonym(participant) {
        return Err(error(
            RowField::Participant,
            format!("`{participant}` is not a pseudonym (`P-` and 16 lowercase hex digits)"),
        ));
    }
    let study_day: i64 = canonical_int(RowField::StudyDay, study_day)?;
    if study_day.unsigned_abs() > MAX_STUDY_DAY.unsigned_abs() {
        return Err(error(
            RowField::StudyDay,
            format!("{study_day} is more than {MAX_STUDY_DAY} days from the study's first day"),
        ));
    }
    let time = parse_time(time).ok_or_else(|| {
        error(
            RowField::TimeUtc,
            format!("`{time}` is not a UTC time `YYYY-MM-DDThh:mm:ssZ` from 1970 to 9999"),
        )
    })?;
    let scope_text = scope;
    let scope = parse_scope(scope)
        .ok_or_else(|| error(RowField::Scope, format!("`{scope}` is not a scope")))?;
    if scope == DataScope::SummariesOnly {
        return Err(error(
            RowField::Scope,
            "`summaries_only` is never a row's scope",
        ));
    }
    let kind = parse_kind(kind)
        .ok_or_else(|| error(RowField::Kind, format!("`{kind}` is not a reading kind")))?;
    if kind.scope() != scope {
        return Err(error(
            RowField::Scope,
            format!(
                "`{scope_text}` is not the scope of a {} reading (`{}`)",
                kind_name(kind),
                scope_name(kind.scope())
            ),
        ));
    }
    let value = parse_value(value).map_or_else(
        || {
            Err(error(
                RowField::Value,
                format!("`{value}` is not a decimal with at most three decimals"),
            ))
        },
        |v| {
            let canonical = format_value(v);
            if canonical != value {
                Err(error(
                    RowField::Value,
                    format!("`{value}` is not in canonical form (`{canonical}`)"),
                ))
            } else if v.unsigned_abs() > MAX_VALUE.unsigned_abs() {
                Err(error(
                    RowField::Value,
                    format!("`{value}` is beyond ±999999999999.999"),
                ))
            } else {
                Ok(v)
            }
        },
    )?;
    let unit =
        parse_unit(unit).ok_or_else(|| error(RowField::Unit, format!("`{unit}` is not a unit")))?;
    let trend = parse_trend(trend)
        .ok_or_else(|| error(RowField::Trend, format!("`{trend}` is not a trend")))?;
    let flags: u16 = canonical_int(RowField::Flags, flags)?;
    let row = DatasetRow {
        participant: participant.to_string(),
        study_day,
        time,
        scope,
        kind,
        value,
        unit,
        trend,
        flags,
    };
    if let Some(first) = data_from_day {
        check_study_day(&row, first)?;
    }
    Ok(row)
}

/// That `row.study_day` is its UTC day minus the study's `data_from_day`.
pub fn check_study_day(row: &DatasetRow, data_from_day: u64) -> Result<(), RowError> {
    let day = utc_day(row.time);
    let expected = i128::from(day) - i128::from(data_from_day);
    if i128::from(row.study_day) != expected {
        return Err(error(
            RowField::StudyDay,
            format!(
                "{} is not the row's UTC day ({day}) minus the study's data_from_day ({data_from_day}): {expected}",
                row.study_day
            ),
        ));
    }
    Ok(())
}

// `MAX_TIME` bounds what `parse_time` accepts; named here so the bound is visible where rows
// are read.
const _: () = assert!(MAX_TIME / 86_400 == MAX_STUDY_DAY);
