//! `/orders` and `/orders/:reference` over HTTP against the running server.

use crate::common::{TestApp, badge_statuses, order, pager_href, refs};
use cancel_desk::auth::role::Role;

/// Jakarta midnight starting 2026-11-24, as Unix seconds.
const NOV_24_WIB: i64 = 1_795_453_200;
const DAY: i64 = 86_400;

/// 130 orders: every 10th cancelled, one a day over 130 days back from 24 Nov, amounts rising.
async fn app_with_orders() -> TestApp {
    let app = TestApp::spawn().await;
    app.login_as(Role::Finance).await;
    let orders: Vec<_> = (0..130)
        .map(|i| {
            let status = if i % 10 == 0 { "CANCELLED" } else { "PAID" };
            let name = if i % 13 == 0 {
                "Budi Santoso"
            } else {
                "Siti Rahayu"
            };
            order(
                &format!("2026REF{i:05}"),
                name,
                1_000_000 + i * 100,
                status,
                NOV_24_WIB + 3_600 - i * DAY,
            )
        })
        .collect();
    app.insert(&orders).await;
    app
}

#[tokio::test]
async fn first_page_has_fifty_newest_orders_and_a_next_link() {
    let app = app_with_orders().await;
    let (status, html) = app.get("/orders").await;
    assert_eq!(status, 200);
    let rows = refs(&html);
    assert_eq!(rows.len(), 50);
    assert_eq!(rows[0], "2026REF00000");
    assert_eq!(rows[49], "2026REF00049");
    assert!(html.contains("Rp 10.000,00"), "amounts are shown in rupiah");
    assert!(
        html.contains("24 Nov 2026, 01:00 WIB"),
        "times are shown in Jakarta time"
    );
    assert!(pager_href(&html, "next").is_some());
    assert!(pager_href(&html, "prev").is_none());
}

#[tokio::test]
async fn walks_every_page_forward_then_back_without_gaps_or_repeats() {
    let app = app_with_orders().await;
    let mut seen = Vec::new();
    let mut pages = Vec::new();
    let mut path = "/orders?sort=amount_asc".to_string();
    loop {
        let (status, html) = app.get(&path).await;
        assert_eq!(status, 200, "{path}");
        let rows = refs(&html);
        pages.push(rows.clone());
        seen.extend(rows);
        match pager_href(&html, "next") {
            Some(next) => path = next,
            None => break,
        }
    }
    let expected: Vec<_> = (0..130).map(|i| format!("2026REF{i:05}")).collect();
    assert_eq!(seen, expected, "amounts rise with the reference number");
    assert_eq!(
        pages.iter().map(Vec::len).collect::<Vec<_>>(),
        vec![50, 50, 30]
    );

    // Back from the last page through `before` cursors gives the same pages.
    let (_, last) = app.get(&path).await;
    let prev = pager_href(&last, "prev").expect("the last page links back");
    assert!(prev.contains("before="));
    let (_, middle) = app.get(&prev).await;
    assert_eq!(refs(&middle), pages[1]);
    let (_, first) = app.get(&pager_href(&middle, "prev").unwrap()).await;
    assert_eq!(refs(&first), pages[0]);
    assert!(
        pager_href(&first, "prev").is_none(),
        "the first page has nothing before it"
    );
}

#[tokio::test]
async fn filters_by_status() {
    let app = app_with_orders().await;
    let (status, html) = app.get("/orders?status=CANCELLED").await;
    assert_eq!(status, 200);
    let statuses = badge_statuses(&html);
    assert_eq!(statuses.len(), 13);
    assert!(statuses.iter().all(|s| s == "CANCELLED"));
    let (_, html) = app.get("/orders?status=CANCEL_PENDING").await;
    assert!(refs(&html).is_empty());
    assert!(html.contains("No orders match these filters"));
}

#[tokio::test]
async fn filters_by_jakarta_date_range() {
    let app = app_with_orders().await;
    // Orders are paid at 01:00 WIB each day; 22..=24 Nov holds exactly three of them.
    let (status, html) = app.get("/orders?from=2026-11-22&to=2026-11-24").await;
    assert_eq!(status, 200);
    assert_eq!(
        refs(&html),
        vec!["2026REF00000", "2026REF00001", "2026REF00002"]
    );
    let (_, html) = app
        .get("/orders?from=2026-11-24&to=2026-11-24&sort=paid_asc")
        .await;
    assert_eq!(refs(&html), vec!["2026REF00000"]);
}

#[tokio::test]
async fn sorts_by_amount_and_paid_time_both_ways() {
    let app = app_with_orders().await;
    let first = |html: &str| refs(html)[0].clone();
    assert_eq!(
        first(&app.get("/orders?sort=amount_desc").await.1),
        "2026REF00129"
    );
    assert_eq!(
        first(&app.get("/orders?sort=amount_asc").await.1),
        "2026REF00000"
    );
    assert_eq!(
        first(&app.get("/orders?sort=paid_desc").await.1),
        "2026REF00000"
    );
    assert_eq!(
        first(&app.get("/orders?sort=paid_asc").await.1),
        "2026REF00129"
    );
}

#[tokio::test]
async fn searches_references_and_names() {
    let app = app_with_orders().await;
    let (_, html) = app.get("/orders?q=2026REF00042").await;
    assert_eq!(refs(&html), vec!["2026REF00042"]);
    let (_, html) = app.get("/orders?q=DANA2026REF00077").await;
    assert_eq!(refs(&html), vec!["2026REF00077"]);
    // A reference prefix finds every order that starts with it.
    let (_, html) = app.get("/orders?q=2026REF0012").await;
    assert_eq!(refs(&html).len(), 10);
    // Name words match by prefix, in any case.
    let (_, html) = app.get("/orders?q=budi+sant").await;
    assert_eq!(
        refs(&html).len(),
        10,
        "every 13th of 130 orders is Budi Santoso"
    );
    let (_, html) = app.get("/orders?q=Budi&status=CANCELLED").await;
    assert_eq!(refs(&html), vec!["2026REF00000"]);
    let (status, html) = app.get("/orders?q=nobody").await;
    assert_eq!(status, 200);
    assert!(refs(&html).is_empty());
}

#[tokio::test]
async fn bad_query_values_answer_400_naming_the_field() {
    let app = app_with_orders().await;
    let long = "x".repeat(65);
    for (query, field) in [
        ("status=SHIPPED", "status"),
        ("from=2026-02-30", "from"),
        ("to=tomorrow", "to"),
        ("from=2026-11-24&to=2026-11-01", "to"),
        ("sort=price", "sort"),
        ("after=not-a-cursor", "after"),
        ("before=1.x", "before"),
        (&format!("q={long}")[..], "q"),
    ] {
        let (status, html) = app.get(&format!("/orders?{query}")).await;
        assert_eq!(status, 400, "{query}");
        // By the filter's label and the parameter: "The “Status (status)” value …".
        assert!(
            html.contains(&format!(" ({field})\u{201d} value is not valid")),
            "{query}: the page names {field}"
        );
        assert!(refs(&html).is_empty());
    }
}

/// An order known only from DANA's notification has no customer or item yet: every page shows
/// a dash where they go, and the order can still be found and cancelled.
#[tokio::test]
async fn an_order_without_customer_or_item_reads_as_unknown() {
    let app = TestApp::spawn().await;
    app.login_as(Role::Finance).await;
    let mut o = order("NOTIFY-ONLY", "x", 3_000_000, "PAID", NOV_24_WIB);
    o.customer_name = None;
    o.customer_phone_masked = None;
    o.item_description = None;
    app.insert(&[o]).await;
    let (status, html) = app.get("/orders?q=NOTIFY-ONLY").await;
    assert_eq!(status, 200);
    assert!(html.contains("NOTIFY-ONLY") && html.contains("—"), "listed");
    let (status, html) = app.get("/orders/NOTIFY-ONLY").await;
    assert_eq!(status, 200);
    assert!(html.contains("DANANOTIFY-ONLY"));
    // (The item's cell is marked `translate="no"`: it is the shop's own text.)
    assert!(
        html.matches("<dd>—</dd>").count() + html.matches(r#"<dd translate="no">—</dd>"#).count()
            >= 3,
        "name, phone and item unknown"
    );
}

#[tokio::test]
async fn order_detail_shows_every_field_and_unknown_is_404() {
    let app = app_with_orders().await;
    let (status, html) = app.get("/orders/2026REF00003").await;
    assert_eq!(status, 200);
    for expected in [
        "2026REF00003",
        "DANA2026REF00003",
        "10003.00 IDR",
        "Rp 10.003,00",
        "216620000041231234567",
        "Siti Rahayu",
        "+62 812-****-0001",
        "Pulsa Telkomsel",
        "Cancel history",
        "Came from",
        "Demo data",
        "Order data last written by",
    ] {
        assert!(html.contains(expected), "detail page shows {expected}");
    }
    let (status, html) = app.get("/orders/NOPE").await;
    assert_eq!(status, 404);
    assert!(html.contains("Order NOPE was not found"));
    let (status, _) = app.get("/no/such/page").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn root_redirects_to_orders() {
    let app = TestApp::spawn().await;
    app.login_as(Role::Finance).await;
    let response = app.client.get(app.url("/")).send().await.unwrap();
    assert!(response.status().is_redirection(), "{}", response.status());
    assert_eq!(response.headers()["location"], "/orders");
}

#[tokio::test]
async fn list_server_function_answers_json() {
    let app = app_with_orders().await;
    let response = app
        .client
        .post(app.url("/api/orders/list"))
        .header("content-type", "application/json")
        .body(r#"{"params":{"status":"CANCELLED","q":null,"from":null,"to":null,"sort":null,"after":null,"before":null}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let page: serde_json::Value = response.json().await.unwrap();
    assert_eq!(page["orders"].as_array().unwrap().len(), 13);
    assert!(
        page["orders"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["status"] == "Cancelled")
    );
}

/// Past 2,000 matches the search walks the sort index instead of sorting every match; both ways
/// must give the same pages.
#[tokio::test]
async fn a_name_with_thousands_of_matches_pages_the_same_way() {
    let app = TestApp::spawn().await;
    app.login_as(Role::Supervisor).await;
    let orders: Vec<_> = (0..2_600)
        .map(|i| {
            let name = if i % 5 == 0 {
                "Agus Wibowo"
            } else {
                "Budi Santoso"
            };
            order(
                &format!("BULK{i:06}"),
                name,
                500_000 + i * 7 % 1_000,
                "PAID",
                NOV_24_WIB - i * 60,
            )
        })
        .collect();
    app.insert(&orders).await;

    // "budi" matches 2,080 orders (dense); "agus" matches 520 (sparse).
    for (query, expected_count, step) in [("budi", 2_080, 1), ("agus", 520, 5)] {
        let mut seen = Vec::new();
        let mut path = format!("/orders?q={query}");
        loop {
            let (status, html) = app.get(&path).await;
            assert_eq!(status, 200);
            seen.extend(refs(&html));
            match pager_href(&html, "next") {
                Some(next) => path = next,
                None => break,
            }
        }
        assert_eq!(seen.len(), expected_count, "{query}");
        let expected: Vec<_> = (0..2_600)
            .filter(|i| (i % 5 == 0) == (step == 5))
            .map(|i| format!("BULK{i:06}"))
            .collect();
        assert_eq!(seen, expected, "{query}: newest first, no gaps, no repeats");
    }
}
