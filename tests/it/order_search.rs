//! The orders list read straight from storage, on the engine under test, against a reading of
//! the same orders done by hand in Rust: every search shape (reference prefixes, name words by
//! prefix, accents, hyphens, many or no matches), with and without filters, in every sort, page
//! by page forwards and backwards. The engines answer searches with different plans (FTS5 and a
//! probe on SQLite, per-index branches on PostgreSQL); the pages must be the same.

use cancel_desk::db::orders::{self, NewOrder};
use cancel_desk::orders::model::OrderStatus;
use cancel_desk::orders::query::{Cursor, JakartaDate, OrderFilter, PageRequest, SortOrder};
use cancel_desk::time::Timestamp;

use crate::common::{TestApp, order};

const NOV_24_WIB: i64 = 1_795_453_200;
const PAGE: usize = 9;

const NAMES: [&str; 8] = [
    "Budi Santoso",
    "Budiman Hartono",
    "Agus Wibowo",
    "José Ramírez",
    "Siti-Nur Aisyah",
    "Dewi Lestari",
    "Budi Budiarto",
    "Ñoño Pérez",
];

#[derive(Debug, Clone)]
struct Known {
    id: i64,
    partner: String,
    dana: String,
    name: String,
    status: &'static str,
    amount: i64,
    /// Unix milliseconds, as stored.
    paid_at: i64,
}

fn fold(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            'á' | 'Á' => 'a',
            'é' | 'É' => 'e',
            'í' | 'Í' => 'i',
            'ñ' | 'Ñ' => 'n',
            other => other,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

fn words(text: &str) -> Vec<String> {
    fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// What the search promises: a prefix of either reference (text without spaces), or every word
/// typed the prefix of some word of the name, accents and case ignored.
fn matches(o: &Known, text: &str) -> bool {
    let reference = !text.contains(char::is_whitespace)
        && (o.partner.starts_with(text) || o.dana.starts_with(text));
    let typed = words(text);
    let name_words = words(&o.name);
    let by_name = !typed.is_empty()
        && typed
            .iter()
            .all(|t| name_words.iter().any(|w| w.starts_with(t.as_str())));
    reference || by_name
}

fn key(o: &Known, sort: SortOrder) -> i64 {
    if sort.by_amount() {
        o.amount
    } else {
        o.paid_at
    }
}

fn by_hand(all: &[Known], filter: &OrderFilter) -> Vec<i64> {
    let mut rows: Vec<&Known> = all
        .iter()
        .filter(|o| filter.search.as_deref().is_none_or(|t| matches(o, t)))
        .filter(|o| filter.status.is_none_or(|s| s.as_str() == o.status))
        .filter(|o| {
            filter
                .paid_from
                .is_none_or(|d| o.paid_at >= d.start_epoch_seconds() * 1000)
        })
        .filter(|o| {
            filter
                .paid_to
                .is_none_or(|d| o.paid_at < (d.start_epoch_seconds() + 86_400) * 1000)
        })
        .collect();
    let sort = filter.sort;
    rows.sort_by_key(|o| (key(o, sort), o.id));
    if sort.descending() {
        rows.reverse();
    }
    rows.into_iter().map(|o| o.id).collect()
}

fn cursor_of(all: &[Known], id: i64, sort: SortOrder) -> Cursor {
    let o = all.iter().find(|o| o.id == id).unwrap();
    Cursor {
        key: key(o, sort),
        id,
    }
}

async fn page(app: &TestApp, filter: &OrderFilter) -> (Vec<i64>, bool) {
    let rows = orders::list_page(&app.pool, filter, PAGE).await.unwrap();
    (rows.rows.iter().map(|r| r.id.get()).collect(), rows.more)
}

#[tokio::test]
async fn every_search_filter_and_sort_pages_exactly_as_read_by_hand() {
    let app = TestApp::spawn().await;
    let new: Vec<NewOrder> = (0..240i64)
        .map(|i| {
            let status = if i % 4 == 0 { "CANCELLED" } else { "PAID" };
            let mut o = order(
                &format!("REF{i:05}"),
                NAMES[(i as usize * 7 + i as usize / 8) % NAMES.len()],
                // Ties on both sort keys: the id must order them.
                100_000 + (i % 37) * 1_000,
                status,
                NOV_24_WIB - (i / 3) * 3_600,
            );
            o.reference_no = Some(format!("DANA{:05}", 240 - i));
            o
        })
        .collect();
    app.insert(&new).await;
    let rows: Vec<(i64, String, String, String, String, i64, i64)> = sqlx::query_as(
        "SELECT id, partner_reference_no, reference_no, customer_name, status, amount_minor, paid_at FROM orders",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let all: Vec<Known> = rows
        .into_iter()
        .map(|(id, partner, dana, name, status, amount, paid_at)| Known {
            id,
            partner,
            dana,
            name,
            status: if status == "PAID" {
                "PAID"
            } else {
                "CANCELLED"
            },
            amount,
            paid_at,
        })
        .collect();

    let day = JakartaDate::parse(&cancel_desk::time::jakarta_date(Timestamp::from_seconds(
        NOV_24_WIB - 20 * 3_600,
    )))
    .unwrap();
    let searches = [
        None,
        Some("budi"),
        Some("Budi sant"),
        Some("bud"),
        Some("JOSE"),
        Some("ramírez"),
        Some("nono"),
        Some("siti"),
        Some("nur ais"),
        Some("REF0001"),
        Some("DANA0012"),
        Some("REF"),
        Some("a"),
        Some("nobody"),
        Some("budi zzz"),
        Some("--"),
    ];
    let mut checked = 0;
    for search in searches {
        for sort in SortOrder::ALL {
            for (status, from, to) in [
                (None, None, None),
                (Some(OrderStatus::Paid), None, None),
                (None, Some(day), Some(day)),
                (Some(OrderStatus::Cancelled), Some(day), None),
            ] {
                let filter = OrderFilter {
                    search: search.map(str::to_string),
                    status,
                    paid_from: from,
                    paid_to: to,
                    sort,
                    page: PageRequest::First,
                };
                let expected = by_hand(&all, &filter);
                let what = format!("{search:?} {sort:?} {status:?} {from:?}..{to:?}");

                // Forwards, page by page.
                let mut seen: Vec<i64> = Vec::new();
                let mut f = filter.clone();
                loop {
                    let (ids, more) = page(&app, &f).await;
                    assert!(ids.len() <= PAGE, "{what}");
                    seen.extend(&ids);
                    if !more {
                        break;
                    }
                    let last = *ids.last().expect("a page with more is not empty");
                    f.page = PageRequest::After(cursor_of(&all, last, sort));
                }
                assert_eq!(seen, expected, "forwards: {what}");

                // Backwards from a row in the middle: the page before it, in display order.
                if expected.len() > 2 {
                    let at = expected.len() * 2 / 3;
                    f.page = PageRequest::Before(cursor_of(&all, expected[at], sort));
                    let (ids, more) = page(&app, &f).await;
                    let start = at.saturating_sub(PAGE);
                    assert_eq!(ids, expected[start..at], "backwards: {what}");
                    assert_eq!(more, start > 0, "backwards, more: {what}");
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 16 * 4 * 4);
}
