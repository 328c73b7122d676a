//! The orders list query as it lives in the URL (`/orders?q=…&status=…&from=…&to=…&sort=…&after=…`),
//! and its validation into a typed [`OrderFilter`]. Every rejection names the URL field.

use serde::{Deserialize, Serialize};

use super::model::OrderStatus;
use crate::error::AppError;

/// Rows per page of the orders list.
pub const PAGE_SIZE: usize = 50;
/// Longest search text accepted (a partner reference is at most 64 characters).
pub const MAX_SEARCH_CHARS: usize = 64;

/// The raw query fields, exactly as read from the URL. Empty values mean "not set" (a GET form
/// submits empty inputs).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OrderListParams {
    pub q: Option<String>,
    pub status: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub sort: Option<String>,
    pub after: Option<String>,
    pub before: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum SortOrder {
    #[default]
    PaidDesc,
    PaidAsc,
    AmountDesc,
    AmountAsc,
}

impl SortOrder {
    pub const ALL: [SortOrder; 4] = [
        SortOrder::PaidDesc,
        SortOrder::PaidAsc,
        SortOrder::AmountDesc,
        SortOrder::AmountAsc,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SortOrder::PaidDesc => "paid_desc",
            SortOrder::PaidAsc => "paid_asc",
            SortOrder::AmountDesc => "amount_desc",
            SortOrder::AmountAsc => "amount_asc",
        }
    }

    pub fn label(self) -> &'static str {
        self.label_in(crate::i18n::Locale::en)
    }

    pub fn label_in(self, locale: crate::i18n::Locale) -> &'static str {
        use crate::i18n::td_string;
        match self {
            SortOrder::PaidDesc => td_string!(locale, labels.sort_order.paid_desc),
            SortOrder::PaidAsc => td_string!(locale, labels.sort_order.paid_asc),
            SortOrder::AmountDesc => td_string!(locale, labels.sort_order.amount_desc),
            SortOrder::AmountAsc => td_string!(locale, labels.sort_order.amount_asc),
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|sort| sort.as_str() == s)
    }

    pub fn by_amount(self) -> bool {
        matches!(self, SortOrder::AmountDesc | SortOrder::AmountAsc)
    }

    pub fn descending(self) -> bool {
        matches!(self, SortOrder::PaidDesc | SortOrder::AmountDesc)
    }
}

/// A position in the list: the sort key (paid-at seconds or amount in minor units) and the order
/// id that breaks ties. Written `key.id` in the URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    pub key: i64,
    pub id: i64,
}

impl Cursor {
    pub fn encode(self) -> String {
        format!("{}.{}", self.key, self.id)
    }

    pub fn decode(s: &str) -> Option<Self> {
        let (key, id) = s.split_once('.')?;
        let number = |t: &str| {
            (!t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
                .then(|| t.parse::<i64>().ok())
                .flatten()
        };
        Some(Self {
            key: number(key)?,
            id: number(id)?,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageRequest {
    First,
    After(Cursor),
    Before(Cursor),
}

/// A calendar day in Jakarta time, validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct JakartaDate {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl JakartaDate {
    /// Parses `YYYY-MM-DD` (what `<input type=date>` submits).
    pub fn parse(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let year: i32 = s[0..4].parse().ok()?;
        let month: u32 = s[5..7].parse().ok()?;
        let day: u32 = s[8..10].parse().ok()?;
        if !s[0..4]
            .bytes()
            .chain(s[5..7].bytes())
            .chain(s[8..10].bytes())
            .all(|c| c.is_ascii_digit())
        {
            return None;
        }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days_in_month = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        (year >= 2000 && (1..=days_in_month).contains(&day)).then_some(Self { year, month, day })
    }

    /// Days since 1970-01-01 (proleptic Gregorian), so the server can turn a Jakarta day into
    /// epoch seconds without a time-zone database (Jakarta has no daylight saving).
    pub fn days_since_epoch(self) -> i64 {
        let (y, m, d) = (
            i64::from(self.year),
            i64::from(self.month),
            i64::from(self.day),
        );
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// First second of this day in Jakarta (UTC+7), as Unix seconds.
    pub fn start_epoch_seconds(self) -> i64 {
        self.days_since_epoch() * 86_400 - 7 * 3_600
    }

    pub fn to_iso(self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// The validated list query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderFilter {
    pub search: Option<String>,
    pub status: Option<OrderStatus>,
    pub paid_from: Option<JakartaDate>,
    pub paid_to: Option<JakartaDate>,
    pub sort: SortOrder,
    pub page: PageRequest,
}

fn present(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

impl OrderListParams {
    /// Reads the query fields from any `name -> value` lookup (the router's query map).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Self {
        Self {
            q: get("q"),
            status: get("status"),
            from: get("from"),
            to: get("to"),
            sort: get("sort"),
            after: get("after"),
            before: get("before"),
        }
    }

    pub fn validate(&self) -> Result<OrderFilter, AppError> {
        // Each rejection in the language of the request (of the page, in the browser).
        let locale = crate::language::current();
        let search = match present(&self.q) {
            None => None,
            Some(q) if q.chars().count() > MAX_SEARCH_CHARS => {
                return Err(AppError::invalid(
                    "q",
                    crate::i18n::td_string!(
                        locale,
                        validation.filter.search_too_long,
                        max = MAX_SEARCH_CHARS
                    )
                    .to_string(),
                ));
            }
            Some(q) if q.chars().any(char::is_control) => {
                return Err(AppError::invalid(
                    "q",
                    crate::i18n::td_string!(locale, validation.filter.search_control),
                ));
            }
            Some(q) => Some(q.to_string()),
        };
        let status = match present(&self.status) {
            None => None,
            Some(s) => Some(OrderStatus::parse(s).ok_or_else(|| {
                let known: Vec<&str> = OrderStatus::ALL.iter().map(|s| s.as_str()).collect();
                AppError::invalid(
                    "status",
                    crate::i18n::td_string!(
                        locale,
                        validation.filter.unknown_status,
                        value = format!("{s:?}"),
                        known = known.join(", ")
                    )
                    .to_string(),
                )
            })?),
        };
        let date = |field: &'static str,
                    value: &Option<String>|
         -> Result<Option<JakartaDate>, AppError> {
            match present(value) {
                None => Ok(None),
                Some(s) => JakartaDate::parse(s).map(Some).ok_or_else(|| {
                    AppError::invalid(
                        field,
                        crate::i18n::td_string!(
                            locale,
                            validation.filter.not_a_date,
                            value = format!("{s:?}")
                        )
                        .to_string(),
                    )
                }),
            }
        };
        let paid_from = date("from", &self.from)?;
        let paid_to = date("to", &self.to)?;
        if let (Some(from), Some(to)) = (paid_from, paid_to)
            && to < from
        {
            return Err(AppError::invalid(
                "to",
                crate::i18n::td_string!(locale, validation.filter.end_before_start),
            ));
        }
        let sort = match present(&self.sort) {
            None => SortOrder::default(),
            Some(s) => SortOrder::parse(s).ok_or_else(|| {
                AppError::invalid(
                    "sort",
                    crate::i18n::td_string!(
                        locale,
                        validation.filter.unknown_sort,
                        value = format!("{s:?}")
                    )
                    .to_string(),
                )
            })?,
        };
        let cursor = |field: &'static str, value: &str| {
            Cursor::decode(value).ok_or_else(|| {
                AppError::invalid(
                    field,
                    crate::i18n::td_string!(locale, validation.filter.not_a_page),
                )
            })
        };
        let page = match (present(&self.after), present(&self.before)) {
            (Some(_), Some(_)) => {
                return Err(AppError::invalid(
                    "before",
                    crate::i18n::td_string!(locale, validation.filter.after_or_before),
                ));
            }
            (Some(a), None) => PageRequest::After(cursor("after", a)?),
            (None, Some(b)) => PageRequest::Before(cursor("before", b)?),
            (None, None) => PageRequest::First,
        };
        Ok(OrderFilter {
            search,
            status,
            paid_from,
            paid_to,
            sort,
            page,
        })
    }

    /// The URL query string for these filters at another page position (`None`: the first page).
    pub fn to_query_string(&self, page: Option<(&str, &str)>) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        for (name, value) in [
            ("q", &self.q),
            ("status", &self.status),
            ("from", &self.from),
            ("to", &self.to),
            ("sort", &self.sort),
        ] {
            if let Some(v) = present(value) {
                out.append_pair(name, v);
            }
        }
        if let Some((name, value)) = page {
            out.append_pair(name, value);
        }
        out.finish()
    }

    /// The same filters with one field replaced, back on the first page.
    pub fn with(&self, field: &str, value: Option<String>) -> Self {
        let mut next = Self {
            after: None,
            before: None,
            ..self.clone()
        };
        match field {
            "q" => next.q = value,
            "status" => next.status = value,
            "from" => next.from = value,
            "to" => next.to = value,
            "sort" => next.sort = value,
            _ => {}
        }
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> OrderListParams {
        OrderListParams::from_lookup(|k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        })
    }

    fn field_of(err: AppError) -> String {
        match err {
            AppError::InvalidInput { field, .. } => field,
            other => panic!("expected InvalidInput, got {other:?}"),
        }
    }

    #[test]
    fn empty_query_is_first_page_newest_first() {
        let f = params(&[("q", ""), ("status", " ")]).validate().unwrap();
        assert_eq!(f.search, None);
        assert_eq!(f.status, None);
        assert_eq!(f.sort, SortOrder::PaidDesc);
        assert_eq!(f.page, PageRequest::First);
    }

    #[test]
    fn each_bad_value_names_its_field() {
        for (pairs, field) in [
            (vec![("status", "PAYED")], "status"),
            (vec![("from", "2026-02-30")], "from"),
            (vec![("to", "yesterday")], "to"),
            (vec![("from", "2026-11-02"), ("to", "2026-11-01")], "to"),
            (vec![("sort", "random")], "sort"),
            (vec![("after", "abc")], "after"),
            (vec![("before", "1.-2")], "before"),
            (vec![("after", "1.2"), ("before", "1.2")], "before"),
        ] {
            assert_eq!(
                field_of(params(&pairs).validate().unwrap_err()),
                field,
                "{pairs:?}"
            );
        }
        let long = "x".repeat(MAX_SEARCH_CHARS + 1);
        assert_eq!(
            field_of(params(&[("q", &long)]).validate().unwrap_err()),
            "q"
        );
        assert!(
            params(&[("q", &"x".repeat(MAX_SEARCH_CHARS))])
                .validate()
                .is_ok()
        );
    }

    #[test]
    fn cursor_round_trip() {
        let c = Cursor {
            key: 1_732_435_200,
            id: 42,
        };
        assert_eq!(Cursor::decode(&c.encode()), Some(c));
        assert_eq!(Cursor::decode("1.2.3"), None);
        assert_eq!(Cursor::decode("99999999999999999999.1"), None);
    }

    #[test]
    fn jakarta_day_starts_at_17_utc_the_day_before() {
        let d = JakartaDate::parse("2026-11-24").unwrap();
        // 2026-11-24T00:00:00+07:00 == 2026-11-23T17:00:00Z == 1795453200
        assert_eq!(d.start_epoch_seconds(), 1_795_453_200);
        assert!(JakartaDate::parse("2028-02-29").is_some());
        assert!(JakartaDate::parse("2026-02-29").is_none());
        assert!(JakartaDate::parse("2026-1-01").is_none());
    }

    #[test]
    fn query_string_keeps_filters_and_drops_page() {
        let p = params(&[("q", "Budi Santoso"), ("status", "PAID"), ("after", "5.6")]);
        assert_eq!(p.to_query_string(None), "q=Budi+Santoso&status=PAID");
        assert_eq!(
            p.with("sort", Some("amount_asc".into()))
                .to_query_string(Some(("before", "1.2"))),
            "q=Budi+Santoso&status=PAID&sort=amount_asc&before=1.2"
        );
    }
}
