//! `cancel-desk import orders FILE.csv` as a finance team runs it: the real binary on a file.

use crate::users_cli::run;

const HEADER: &str =
    "partner_reference_no,merchant_id,amount,paid_at,customer_name,customer_phone,item_description";

fn line(reference: &str, amount: &str) -> String {
    format!(
        "{reference},216620000000000000000,{amount},2026-11-24T10:00:00+07:00,\"Santoso, Budi\",0811-2345-6789,Pulsa Telkomsel 50rb"
    )
}

async fn setup(file: &str, contents: &[u8]) -> (tempfile::TempDir, crate::common::TestDb, String) {
    let dir = tempfile::tempdir().unwrap();
    let test_db = crate::common::TestDb::new(dir.path(), "import.db").await;
    let path = dir.path().join(file);
    std::fs::write(&path, contents).unwrap();
    (dir, test_db, path.display().to_string())
}

async fn orders(db: &crate::common::TestDb) -> Vec<(String, Option<String>, String)> {
    let pool = cancel_desk::db::connect(&db.url).await.unwrap();
    let rows = sqlx::query_as(
        "SELECT partner_reference_no, customer_name, source FROM orders ORDER BY partner_reference_no",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    pool.close().await;
    rows
}

#[tokio::test]
async fn a_good_file_imports_and_a_second_run_changes_nothing() {
    let csv = format!(
        "{HEADER}\n{}\n{}\n",
        line("CSV-1", "15000.00"),
        line("CSV-2", "99.50")
    );
    let (_dir, db, path) = setup("orders.csv", csv.as_bytes()).await;
    let (ok, out) = run(&db.url, &["import", "orders", &path, "--dry-run"], "");
    assert!(ok, "{out}");
    assert!(out.contains("dry run (nothing written): 2 rows"), "{out}");
    assert!(out.contains("2 created"), "{out}");
    assert!(orders(&db).await.is_empty(), "--dry-run writes nothing");

    let (ok, out) = run(&db.url, &["import", "orders", &path], "");
    assert!(ok, "{out}");
    assert!(
        out.contains("2 created, 0 updated, 0 unchanged, 0 rejected"),
        "{out}"
    );
    let stored = orders(&db).await;
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[0].1.as_deref(), Some("Santoso, Budi"));
    assert_eq!(stored[0].2, "import");
    assert!(!std::path::Path::new(&format!("{path}.errors.csv")).exists());

    let (ok, out) = run(&db.url, &["import", "orders", &path], "");
    assert!(ok, "{out}");
    assert!(out.contains("0 created, 0 updated, 2 unchanged"), "{out}");
}

#[tokio::test]
async fn bad_rows_and_repeated_references_are_each_reported_by_line_and_column() {
    let csv = format!(
        "{HEADER}\n{}\n{}\n{}\n{}\nCSV-5,216620000000000000000,1.00\n{}\n",
        line("CSV-1", "15000.00"),
        line("CSV-2", "15000"),
        line("", "1.00"),
        line("CSV-1", "15000.00"),
        line("CSV-6", "2.00"),
    );
    let (_dir, db, path) = setup("orders.csv", csv.as_bytes()).await;
    let (ok, out) = run(&db.url, &["import", "orders", &path], "");
    assert!(ok, "{out}");
    assert!(out.contains("6 rows"), "{out}");
    assert!(out.contains("2 created"), "{out}");
    assert!(out.contains("4 rejected"), "{out}");
    let errors = std::fs::read_to_string(format!("{path}.errors.csv")).unwrap();
    let lines: Vec<&str> = errors.lines().collect();
    assert_eq!(lines[0], "line,column,reason");
    assert!(lines.iter().any(|l| l.starts_with("3,amount,")), "{errors}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("4,partner_reference_no,is required")),
        "{errors}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("5,partner_reference_no,repeats line 2")),
        "{errors}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with("6,,has 3 fields")),
        "{errors}"
    );
    assert_eq!(lines.len(), 5, "{errors}");
    let refs: Vec<String> = orders(&db).await.into_iter().map(|o| o.0).collect();
    assert_eq!(refs, ["CSV-1", "CSV-6"]);
}

#[tokio::test]
async fn a_wrong_header_an_empty_file_and_non_utf8_text_are_refused_plainly() {
    let (_dir, db, path) = setup("wrong.csv", b"order_id,amount\nX,1.00\n").await;
    let (ok, out) = run(&db.url, &["import", "orders", &path], "");
    assert!(!ok);
    assert!(
        out.contains("missing partner_reference_no, merchant_id"),
        "{out}"
    );
    assert!(out.contains("unknown order_id"), "{out}");

    let (_dir2, db2, empty) = setup("empty.csv", b"").await;
    let (ok, out) = run(&db2.url, &["import", "orders", &empty], "");
    assert!(!ok);
    assert!(out.contains("the file is empty"), "{out}");

    // Windows-1252 "Müller": one byte 0xFC, not UTF-8.
    let mut latin = format!("{HEADER}\n").into_bytes();
    latin.extend_from_slice(
        b"CSV-L,216620000000000000000,1.00,2026-11-24T10:00:00+07:00,M\xfcller,,\n",
    );
    latin.extend_from_slice(format!("{}\n", line("CSV-OK", "1.00")).as_bytes());
    let (_dir3, db3, latin_path) = setup("latin.csv", &latin).await;
    let (ok, out) = run(&db3.url, &["import", "orders", &latin_path], "");
    assert!(ok, "{out}");
    assert!(
        out.contains("line 2: customer_name: is not UTF-8 text"),
        "{out}"
    );
    assert!(out.contains("1 created"), "{out}");
    assert!(orders(&db).await.is_empty() && orders(&db2).await.is_empty());
}

#[tokio::test]
async fn a_reference_repeated_batches_apart_is_still_caught_with_its_first_line() {
    let mut csv = format!("{HEADER}\n");
    for i in 0..6_000 {
        csv.push_str(&line(&format!("CSV-{i:05}"), "1.00"));
        csv.push('\n');
    }
    // Line 6002 repeats line 2, more than one 5,000-row batch later.
    csv.push_str(&line("CSV-00000", "2.00"));
    csv.push('\n');
    let (_dir, db, path) = setup("big.csv", csv.as_bytes()).await;
    let (ok, out) = run(&db.url, &["import", "orders", &path], "");
    assert!(ok, "{out}");
    assert!(out.contains("6000 created"), "{out}");
    assert!(out.contains("1 rejected"), "{out}");
    assert!(
        out.contains("line 6002: partner_reference_no: repeats line 2 of this file"),
        "{out}"
    );
}
