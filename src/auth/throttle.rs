//! Sign-in throttling. Every attempt takes a slot in each of its keys *before* the password is
//! checked, in one write transaction, so N parallel guesses count as N and no more than the limit
//! are ever checked. Keys and their limits (failures within [`WINDOW_SECONDS`]):
//! - one account from one address: [`ACCOUNT_AT_ADDRESS_LIMIT`], so guessing at one account never
//!   locks another, and a stranger elsewhere cannot lock a colleague out by a handful of tries;
//! - one address, any accounts: [`ADDRESS_LIMIT`] (password spraying);
//! - one account, any addresses: [`ACCOUNT_LIMIT`] (distributed guessing).

use crate::db::Pool;
use crate::db::login_throttle::{self, ThrottleRow};
use crate::time::Timestamp;

/// From this many failures on a key, answers are slowed down.
pub const SLOW_AFTER: i64 = 3;
pub const ACCOUNT_AT_ADDRESS_LIMIT: i64 = 5;
pub const ADDRESS_LIMIT: i64 = 20;
pub const ACCOUNT_LIMIT: i64 = 50;
/// The window failures count in, and how long a lock lasts.
pub const WINDOW_SECONDS: i64 = 15 * 60;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThrottleKey {
    key: String,
    limit: i64,
}

/// The address as throttling counts it: an IPv6 client by its /64 (one customer's network; a
/// single host can use any address in it), an IPv4-mapped one as IPv4, anything else as given.
fn address_key(address: &str) -> String {
    match address.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
        Ok(ip) => ip.to_string(),
        Err(_) => address.to_string(),
    }
}

/// The keys one attempt counts against.
pub fn keys_for(email: &str, address: &str) -> Vec<ThrottleKey> {
    let address = address_key(address);
    vec![
        ThrottleKey {
            key: format!("account-at:{email}|{address}"),
            limit: ACCOUNT_AT_ADDRESS_LIMIT,
        },
        ThrottleKey {
            key: format!("address:{address}"),
            limit: ADDRESS_LIMIT,
        },
        ThrottleKey {
            key: format!("account:{email}"),
            limit: ACCOUNT_LIMIT,
        },
    ]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Check the password now.
    Open,
    /// Check it, but only after this many seconds.
    Slow(u64),
    /// Refused until this time (Unix seconds); `first` for the first refusal of this lock (the
    /// one worth an audit event; later ones are only counted).
    Locked { until: Timestamp, first: bool },
}

fn live(row: Option<ThrottleRow>, now: Timestamp) -> ThrottleRow {
    match row {
        Some(r) if now.seconds_since(r.first_failure_at) < WINDOW_SECONDS => r,
        Some(r) if r.locked_until.is_some_and(|u| u > now) => r,
        _ => ThrottleRow {
            failures: 0,
            first_failure_at: now,
            locked_until: None,
            refused: 0,
        },
    }
}

/// Takes a slot for one attempt in every key, or refuses it when any key is locked or full.
/// A taken slot counts as a failure until [`succeeded`] gives it back.
pub async fn admit(
    pool: &Pool,
    keys: &[ThrottleKey],
    now: Timestamp,
) -> Result<Admission, sqlx::Error> {
    let mut tx = crate::db::begin_write(pool).await?;
    login_throttle::prune(&mut tx, now.plus_seconds(-WINDOW_SECONDS), now).await?;
    let mut rows = Vec::with_capacity(keys.len());
    for key in keys {
        let row = live(login_throttle::get(&mut tx, &key.key).await?, now);
        // Locked, or full without a lock yet (slots taken by attempts still being checked).
        let until = row
            .locked_until
            .filter(|u| *u > now)
            .or((row.failures >= key.limit)
                .then_some(row.first_failure_at.plus_seconds(WINDOW_SECONDS)));
        if let Some(until) = until {
            login_throttle::put(
                &mut tx,
                &key.key,
                ThrottleRow {
                    refused: row.refused + 1,
                    ..row
                },
            )
            .await?;
            tx.commit().await?;
            return Ok(Admission::Locked {
                until,
                first: row.refused == 0,
            });
        }
        rows.push(row);
    }
    let mut slowest = 0;
    for (key, row) in keys.iter().zip(rows) {
        let failures = row.failures + 1;
        if failures > SLOW_AFTER {
            slowest = slowest.max((failures - SLOW_AFTER).min(3));
        }
        login_throttle::put(
            &mut tx,
            &key.key,
            ThrottleRow {
                failures,
                first_failure_at: row.first_failure_at,
                locked_until: None,
                refused: row.refused,
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(if slowest > 0 {
        Admission::Slow(slowest as u64)
    } else {
        Admission::Open
    })
}

/// The admitted attempt failed: its slots stay counted, and a key that reached its limit locks
/// for [`WINDOW_SECONDS`]. Returns when sign-in opens again if this failure locked it.
pub async fn failed(
    pool: &Pool,
    keys: &[ThrottleKey],
    now: Timestamp,
) -> Result<Option<Timestamp>, sqlx::Error> {
    let mut tx = crate::db::begin_write(pool).await?;
    let mut locked = None;
    for key in keys {
        let Some(row) = login_throttle::get(&mut tx, &key.key).await? else {
            continue;
        };
        if row.failures >= key.limit && row.locked_until.is_none() {
            let until = now.plus_seconds(WINDOW_SECONDS);
            login_throttle::put(
                &mut tx,
                &key.key,
                ThrottleRow {
                    locked_until: Some(until),
                    ..row
                },
            )
            .await?;
            locked = Some(until);
        }
    }
    tx.commit().await?;
    Ok(locked)
}

/// The admitted attempt signed in: the account's keys are cleared and the address gets its slot
/// back (its other failures still count).
pub async fn succeeded(pool: &Pool, keys: &[ThrottleKey]) -> Result<(), sqlx::Error> {
    let mut tx = crate::db::begin_write(pool).await?;
    for key in keys {
        if key.key.starts_with("address:") {
            if let Some(row) = login_throttle::get(&mut tx, &key.key).await? {
                if row.failures <= 1 {
                    login_throttle::delete(&mut tx, &key.key).await?;
                } else {
                    login_throttle::put(
                        &mut tx,
                        &key.key,
                        ThrottleRow {
                            failures: row.failures - 1,
                            ..row
                        },
                    )
                    .await?;
                }
            }
        } else {
            login_throttle::delete(&mut tx, &key.key).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_expired_window_starts_again_but_a_lock_outlives_it() {
        let old = ThrottleRow {
            failures: 4,
            first_failure_at: Timestamp::default(),
            locked_until: None,
            refused: 0,
        };
        let at = |seconds| Timestamp::from_seconds(seconds);
        assert_eq!(live(Some(old), at(WINDOW_SECONDS)).failures, 0);
        assert_eq!(live(Some(old), at(WINDOW_SECONDS - 1)).failures, 4);
        let locked = ThrottleRow {
            locked_until: Some(at(WINDOW_SECONDS * 2)),
            ..old
        };
        assert_eq!(live(Some(locked), at(WINDOW_SECONDS + 5)), locked);
    }

    #[test]
    fn keys_separate_account_address_and_both() {
        let keys = keys_for("a@x.id", "10.0.0.1");
        assert_eq!(keys.len(), 3);
        assert!(keys.iter().all(|k| k.limit >= ACCOUNT_AT_ADDRESS_LIMIT));
        assert_ne!(keys_for("b@x.id", "10.0.0.1")[0], keys[0]);
    }

    #[test]
    fn ipv6_clients_count_by_their_64_and_mapped_ones_as_ipv4() {
        assert_eq!(address_key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(
            keys_for("a@x.id", "2001:db8:1:2::99"),
            keys_for("a@x.id", "2001:db8:1:2:ffff::1")
        );
        assert_eq!(address_key("::ffff:10.0.0.1"), "10.0.0.1");
        assert_eq!(address_key("10.0.0.1"), "10.0.0.1");
    }
}
