//! `cancel-desk user …` as an administrator runs it: the real binary, passwords on stdin.

use std::io::Write;
use std::process::{Command, Stdio};

/// The audit key file the binary uses for the database `db` (next to it).
pub(crate) fn audit_key_path(db: &str) -> std::path::PathBuf {
    match db.strip_prefix("sqlite://") {
        Some(file) => format!("{file}.audit.key").into(),
        // A PostgreSQL test database: a key file named after it.
        None => std::env::temp_dir().join(format!(
            "{}.audit.key",
            db.rsplit('/').next().unwrap_or("postgres")
        )),
    }
}

/// Runs `cancel-desk ARGS` with the audit key at `key` and no database of its own: (succeeded,
/// stdout + stderr).
pub(crate) fn run_with_key(key: &std::path::Path, args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_cancel-desk"))
        .args(args)
        .env("CANCEL_DESK_AUDIT_KEY_PATH", key)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .output()
        .expect("the binary runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// Runs `cancel-desk ARGS` on the database `db` with `stdin`: (succeeded, stdout + stderr).
pub(crate) fn run(db: &str, args: &[&str], stdin: &str) -> (bool, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cancel-desk"))
        .args(args)
        .env("DATABASE_URL", db)
        .env("CANCEL_DESK_AUDIT_KEY_PATH", audit_key_path(db))
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[tokio::test]
async fn add_change_disable_and_reset_are_audited_and_never_store_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let test_db = crate::common::TestDb::new(dir.path(), "users.db").await;
    let db = test_db.url.clone();
    let secret = "kopi-susu-gula-aren-42";

    let (ok, out) = run(
        &db,
        &[
            "user",
            "add",
            "--email",
            "Rina@Merchant.co.id",
            "--role",
            "finance",
        ],
        &format!("{secret}\n"),
    );
    assert!(ok, "{out}");
    assert!(out.contains("created rina@merchant.co.id (finance)"));
    let (ok, out) = run(
        &db,
        &[
            "user",
            "add",
            "--email",
            "rina@merchant.co.id",
            "--role",
            "admin",
        ],
        &format!("{secret}\n"),
    );
    assert!(!ok && out.contains("already exists"), "{out}");
    let (ok, out) = run(
        &db,
        &[
            "user",
            "add",
            "--email",
            "x@merchant.co.id",
            "--role",
            "boss",
        ],
        &format!("{secret}\n"),
    );
    assert!(!ok && out.contains("role"), "{out}");
    let (ok, out) = run(
        &db,
        &[
            "user",
            "add",
            "--email",
            "y@merchant.co.id",
            "--role",
            "finance",
        ],
        "short\n",
    );
    assert!(!ok && out.contains("at least 12"), "{out}");
    assert!(
        run(
            &db,
            &[
                "user",
                "set-role",
                "--email",
                "rina@merchant.co.id",
                "--role",
                "supervisor"
            ],
            ""
        )
        .0
    );
    assert!(
        run(
            &db,
            &["user", "reset-password", "--email", "rina@merchant.co.id"],
            "another-long-password\n"
        )
        .0
    );
    assert!(
        run(
            &db,
            &["user", "disable", "--email", "rina@merchant.co.id"],
            ""
        )
        .0
    );
    let (ok, out) = run(
        &db,
        &["user", "disable", "--email", "nobody@merchant.co.id"],
        "",
    );
    assert!(!ok && out.contains("no user"), "{out}");

    let pool = cancel_desk::db::connect(&db).await.unwrap();
    let user = cancel_desk::db::users::find_by_email(&pool, "rina@merchant.co.id")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.role, "supervisor");
    assert!(user.disabled_at.is_some());
    assert!(cancel_desk::auth::password::verify(
        "another-long-password",
        &user.password_hash
    ));
    assert!(!user.password_hash.contains("another-long-password"));

    let actions: Vec<(String, String)> =
        sqlx::query_as("SELECT actor, action FROM audit_events ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
    let names: Vec<_> = actions.iter().map(|(_, a)| a.as_str()).collect();
    assert_eq!(
        names,
        [
            "user.created",
            "user.role_changed",
            "user.password_reset",
            "user.disabled"
        ]
    );
    assert!(actions.iter().all(|(actor, _)| actor == "system:cli"));
    let everything: Vec<String> = sqlx::query_scalar("SELECT details FROM audit_events")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert!(everything.iter().all(|d| !d.contains(secret)
        && !d.contains("another-long-password")
        && !d.contains("argon2")));
    assert_eq!(
        cancel_desk::audit::verify(
            &pool,
            &cancel_desk::audit::key::AuditKey::load_or_create(&audit_key_path(&db)).unwrap()
        )
        .await
        .unwrap()
        .first_break,
        None
    );

    // The password flag does not exist.
    let (ok, out) = run(
        &db,
        &[
            "user",
            "add",
            "--email",
            "z@merchant.co.id",
            "--role",
            "finance",
            "--password",
            "x",
        ],
        "",
    );
    assert!(!ok && out.contains("unexpected argument"), "{out}");
}
