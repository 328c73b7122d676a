//! Money as integer minor units. Never a float: the wire wants the exact `10000.00` string and
//! staff want `Rp 10.000,00`; both come from the same integer.

use serde::{Deserialize, Serialize};

/// ISO-4217 currency code. Cancel Desk handles IDR, whose minor unit is 2 digits (sen), as DANA's
/// wire format requires (`10000.00`).
pub const IDR: &str = "IDR";

/// An amount in minor units of a currency (for IDR: sen, 1/100 rupiah).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Money {
    minor: i64,
}

/// The largest amount DANA's 19-character `amount.value` can carry: 16 digits, a point, 2 digits.
pub const MAX_MINOR: i64 = 999_999_999_999_999_999;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("amount must not be negative")]
    Negative,
    #[error("amount is larger than the 19 characters DANA accepts")]
    TooLarge,
    #[error("amount must look like 10000.00 (digits, a point and exactly two decimals)")]
    BadFormat,
}

impl MoneyError {
    /// The `Display` text in `locale`, for the person who typed or imported the amount.
    pub fn message_in(&self, locale: crate::i18n::Locale) -> &'static str {
        match self {
            MoneyError::Negative => crate::i18n::td_string!(locale, validation.money.negative),
            MoneyError::TooLarge => crate::i18n::td_string!(locale, validation.money.too_large),
            MoneyError::BadFormat => crate::i18n::td_string!(locale, validation.money.bad_format),
        }
    }
}

impl Money {
    pub fn from_minor(minor: i64) -> Result<Self, MoneyError> {
        if minor < 0 {
            Err(MoneyError::Negative)
        } else if minor > MAX_MINOR {
            Err(MoneyError::TooLarge)
        } else {
            Ok(Self { minor })
        }
    }

    pub fn minor(self) -> i64 {
        self.minor
    }

    /// DANA's wire value: `10000.00` (ISO-4217, two decimals separated by a point).
    pub fn to_wire(self) -> String {
        format!("{}.{:02}", self.minor / 100, self.minor % 100)
    }

    /// Parses DANA's wire value; exactly two decimals, no sign, no grouping.
    pub fn parse_wire(value: &str) -> Result<Self, MoneyError> {
        let (major, cents) = value.split_once('.').ok_or(MoneyError::BadFormat)?;
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(major) || cents.len() != 2 || !digits(cents) || value.len() > 19 {
            return Err(MoneyError::BadFormat);
        }
        if major.len() > 1 && major.starts_with('0') {
            return Err(MoneyError::BadFormat);
        }
        let major: i64 = major.parse().map_err(|_| MoneyError::TooLarge)?;
        let cents: i64 = cents.parse().map_err(|_| MoneyError::BadFormat)?;
        let minor = major
            .checked_mul(100)
            .and_then(|m| m.checked_add(cents))
            .ok_or(MoneyError::TooLarge)?;
        Self::from_minor(minor)
    }

    /// An amount staff typed in rupiah: `150000`, `150.000` (dots group thousands),
    /// `150.000,50` (comma before sen), `Rp 150.000` or DANA's own `150000.00`. At most two
    /// decimals; no sign.
    pub fn parse_rupiah(text: &str) -> Result<Self, MoneyError> {
        let mut t = text.trim();
        for prefix in ["Rp", "rp", "RP", "IDR", "idr"] {
            if let Some(rest) = t.strip_prefix(prefix) {
                t = rest.trim_start_matches(['.', ' ']);
                break;
            }
        }
        let t = t.trim();
        if let Ok(wire) = Self::parse_wire(t) {
            return Ok(wire);
        }
        let (whole, sen) = match t.split_once(',') {
            Some((w, s)) if (1..=2).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) => {
                (w, format!("{s:0<2}"))
            }
            Some(_) => return Err(MoneyError::BadFormat),
            None => (t, "00".to_string()),
        };
        let groups: Vec<&str> = whole.split('.').collect();
        let grouped_ok = groups.len() == 1
            || (!groups[0].is_empty()
                && groups[0].len() <= 3
                && groups[1..].iter().all(|g| g.len() == 3));
        let digits: String = groups.concat();
        if !grouped_ok || digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(MoneyError::BadFormat);
        }
        let digits = digits.trim_start_matches('0');
        let digits = if digits.is_empty() { "0" } else { digits };
        Self::parse_wire(&format!("{digits}.{sen}"))
    }

    /// Indonesian display form: `Rp 10.000,00` (dot groups thousands, comma before sen).
    pub fn display_idr(self) -> String {
        let major = (self.minor / 100).to_string();
        let mut grouped = String::with_capacity(major.len() + major.len() / 3);
        for (i, ch) in major.chars().enumerate() {
            if i > 0 && (major.len() - i).is_multiple_of(3) {
                grouped.push('.');
            }
            grouped.push(ch);
        }
        format!("Rp {},{:02}", grouped, self.minor % 100)
    }

    /// As staff type it back into a form, which [`Self::parse_rupiah`] reads: `1.500`, or
    /// `1.500,50` with sen.
    pub fn input_idr(self) -> String {
        let display = self.display_idr();
        let text = display.trim_start_matches("Rp ");
        text.strip_suffix(",00").unwrap_or(text).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_back_as_it_is_read() {
        for minor in [0, 1, 150_000, 150_050, 12_345_678_900] {
            let money = Money::from_minor(minor).unwrap();
            assert_eq!(Money::parse_rupiah(&money.input_idr()).unwrap(), money);
        }
        assert_eq!(Money::from_minor(150_000).unwrap().input_idr(), "1.500");
        assert_eq!(Money::from_minor(150_050).unwrap().input_idr(), "1.500,50");
    }

    #[test]
    fn rupiah_as_staff_type_it() {
        for (text, minor) in [
            ("150000", 15_000_000),
            ("150.000", 15_000_000),
            ("Rp 150.000", 15_000_000),
            ("Rp150.000,50", 15_000_050),
            ("1.500.000,5", 150_000_050),
            ("150000.00", 15_000_000),
            ("  25000 ", 2_500_000),
            ("0", 0),
        ] {
            assert_eq!(Money::parse_rupiah(text).unwrap().minor(), minor, "{text}");
        }
        for bad in [
            "",
            "-5",
            "15,000",
            "1.5000",
            "12a",
            "1,234",
            "Rp",
            "150.000,123",
        ] {
            assert!(Money::parse_rupiah(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn wire_format_has_two_decimals() {
        assert_eq!(Money::from_minor(1_000_000).unwrap().to_wire(), "10000.00");
        assert_eq!(Money::from_minor(5).unwrap().to_wire(), "0.05");
        assert_eq!(Money::from_minor(0).unwrap().to_wire(), "0.00");
        assert_eq!(Money::from_minor(MAX_MINOR).unwrap().to_wire().len(), 19);
    }

    #[test]
    fn wire_round_trip_and_rejects() {
        assert_eq!(Money::parse_wire("10000.00").unwrap().minor(), 1_000_000);
        assert_eq!(Money::parse_wire("0.05").unwrap().minor(), 5);
        for bad in [
            "10000",
            "10000.0",
            "10000.000",
            "-1.00",
            "1,000.00",
            "01.00",
            ".50",
            "1e3.00",
            "",
        ] {
            assert_eq!(Money::parse_wire(bad), Err(MoneyError::BadFormat), "{bad}");
        }
        assert_eq!(
            Money::parse_wire("99999999999999999.00"),
            Err(MoneyError::BadFormat)
        );
    }

    #[test]
    fn bounds() {
        assert_eq!(Money::from_minor(-1), Err(MoneyError::Negative));
        assert_eq!(Money::from_minor(MAX_MINOR + 1), Err(MoneyError::TooLarge));
    }

    #[test]
    fn indonesian_display() {
        assert_eq!(
            Money::from_minor(1_000_000).unwrap().display_idr(),
            "Rp 10.000,00"
        );
        assert_eq!(
            Money::from_minor(123_456_789).unwrap().display_idr(),
            "Rp 1.234.567,89"
        );
        assert_eq!(Money::from_minor(99).unwrap().display_idr(), "Rp 0,99");
        assert_eq!(
            Money::from_minor(100_000).unwrap().display_idr(),
            "Rp 1.000,00"
        );
        assert_eq!(
            Money::from_minor(10_000).unwrap().display_idr(),
            "Rp 100,00"
        );
    }
}
