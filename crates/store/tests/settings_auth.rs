//! SettingsRepo and AuthRepo on a real database file, across a reopen.

mod common;

use aniworld_core::ports::{AuthRepo, SettingsRepo};
use chrono::{DateTime, Duration, TimeZone, Utc};
use common::TestDb;

#[test]
fn settings_set_get_overwrite_delete() {
    let db = TestDb::new();
    let s = &db.store;
    assert_eq!(s.get_setting("jwt_secret").unwrap(), None);
    s.set_setting("jwt_secret", "abc").unwrap();
    assert_eq!(s.get_setting("jwt_secret").unwrap().as_deref(), Some("abc"));
    s.set_setting("jwt_secret", "def").unwrap();
    assert_eq!(s.get_setting("jwt_secret").unwrap().as_deref(), Some("def"));
    s.set_setting("empty", "").unwrap();
    assert_eq!(s.get_setting("empty").unwrap().as_deref(), Some(""));
    s.delete_setting("jwt_secret").unwrap();
    assert_eq!(s.get_setting("jwt_secret").unwrap(), None);
    // deleting a missing key is fine
    s.delete_setting("jwt_secret").unwrap();
    assert_eq!(s.get_setting("empty").unwrap().as_deref(), Some(""));
}

#[test]
fn settings_keep_odd_text_exactly() {
    let db = TestDb::new();
    let value = "ünïcödé 'quotes' \"double\" ; DROP TABLE settings; --\n\t\u{0}end";
    db.store.set_setting("weird key ' \"", value).unwrap();
    assert_eq!(
        db.store.get_setting("weird key ' \"").unwrap().as_deref(),
        Some(value)
    );
}

#[test]
fn settings_survive_a_reopen() {
    let db = TestDb::new();
    db.store.set_setting("queue_running", "true").unwrap();
    db.store.set_setting("password_hash", "$2b$12$abc").unwrap();
    let db = db.reopen();
    assert_eq!(
        db.store.get_setting("queue_running").unwrap().as_deref(),
        Some("true")
    );
    assert_eq!(
        db.store.get_setting("password_hash").unwrap().as_deref(),
        Some("$2b$12$abc")
    );
}

#[test]
fn revoked_tokens_are_revoked_until_purged_after_expiry() {
    let db = TestDb::new();
    let s = &db.store;
    let now = Utc.with_ymd_and_hms(2026, 5, 1, 12, 0, 0).unwrap();
    assert!(!s.is_token_revoked("a").unwrap());
    s.revoke_token("a", now + Duration::hours(1)).unwrap();
    s.revoke_token("b", now - Duration::seconds(1)).unwrap();
    s.revoke_token("c", now + Duration::days(30)).unwrap();
    // revoking twice is fine
    s.revoke_token("a", now + Duration::hours(1)).unwrap();
    assert!(s.is_token_revoked("a").unwrap());
    assert!(s.is_token_revoked("b").unwrap());
    assert!(!s.is_token_revoked("d").unwrap());

    assert_eq!(s.purge_expired_revocations(now).unwrap(), 1);
    assert!(!s.is_token_revoked("b").unwrap());
    assert!(s.is_token_revoked("a").unwrap());
    assert_eq!(s.purge_expired_revocations(now).unwrap(), 0);

    assert_eq!(
        s.purge_expired_revocations(now + Duration::hours(2))
            .unwrap(),
        1
    );
    assert!(!s.is_token_revoked("a").unwrap());
    assert!(s.is_token_revoked("c").unwrap());
}

#[test]
fn revocations_survive_a_reopen() {
    let db = TestDb::new();
    db.store
        .revoke_token("jti-1", Utc::now() + Duration::days(1))
        .unwrap();
    let db = db.reopen();
    assert!(db.store.is_token_revoked("jti-1").unwrap());
    assert!(!db.store.is_token_revoked("jti-2").unwrap());
}

#[test]
fn failed_logins_count_per_client_from_its_last_success() {
    let db = TestDb::new();
    let s = &db.store;
    let t0 = Utc.with_ymd_and_hms(2026, 5, 1, 12, 0, 0).unwrap();
    let at = |m: i64| t0 + Duration::minutes(m);
    assert!(s.failed_logins_since_success("1.1.1.1").unwrap().is_empty());

    s.record_login_attempt("1.1.1.1", false, at(0)).unwrap();
    s.record_login_attempt("2.2.2.2", false, at(1)).unwrap();
    assert_eq!(
        s.failed_logins_since_success("1.1.1.1").unwrap(),
        vec![at(0)]
    );
    assert_eq!(
        s.failed_logins_since_success("2.2.2.2").unwrap(),
        vec![at(1)]
    );

    // a success resets only the client that made it
    s.record_login_attempt("1.1.1.1", true, at(2)).unwrap();
    assert!(s.failed_logins_since_success("1.1.1.1").unwrap().is_empty());
    assert_eq!(
        s.failed_logins_since_success("2.2.2.2").unwrap(),
        vec![at(1)]
    );

    s.record_login_attempt("3.3.3.3", false, at(3)).unwrap();
    s.record_login_attempt("1.1.1.1", false, at(4)).unwrap();
    s.record_login_attempt("2.2.2.2", false, at(5)).unwrap();
    assert_eq!(
        s.failed_logins_since_success("2.2.2.2").unwrap(),
        vec![at(1), at(5)]
    );
    assert_eq!(
        s.failed_logins_since_success("1.1.1.1").unwrap(),
        vec![at(4)]
    );
    // the brake counts every client's failures in its window
    assert_eq!(s.failed_logins_since(at(0)).unwrap(), 5);
    assert_eq!(s.failed_logins_since(at(3)).unwrap(), 3);
    assert_eq!(s.failed_logins_since(at(6)).unwrap(), 0);

    // the lockout state survives a restart
    let db = db.reopen();
    assert_eq!(
        db.store.failed_logins_since_success("2.2.2.2").unwrap(),
        vec![at(1), at(5)]
    );
    db.store
        .record_login_attempt("2.2.2.2", true, at(6))
        .unwrap();
    assert!(
        db.store
            .failed_logins_since_success("2.2.2.2")
            .unwrap()
            .is_empty()
    );

    // housekeeping deletes old rows only
    assert_eq!(db.store.purge_login_attempts(at(3)).unwrap(), 3);
    db.store.record_login_attempt("y", false, at(7)).unwrap();
    assert_eq!(
        db.store.failed_logins_since_success("y").unwrap(),
        vec![at(7)]
    );
    assert_eq!(db.store.failed_logins_since(at(0)).unwrap(), 4);
}

#[test]
fn login_times_keep_sub_second_precision() {
    let db = TestDb::new();
    let t = Utc.timestamp_opt(1_780_000_000, 123_456_789).unwrap();
    db.store.record_login_attempt("c", false, t).unwrap();
    assert_eq!(db.store.failed_logins_since_success("c").unwrap(), vec![t]);
}

#[test]
fn concurrent_writers_from_threads_all_land() {
    let db = TestDb::new();
    let handles: Vec<_> = (0..8)
        .map(|t| {
            let s = db.store.clone();
            std::thread::spawn(move || {
                for i in 0..25 {
                    s.set_setting(&format!("k{t}-{i}"), "v").unwrap();
                    s.record_login_attempt(&format!("c{t}"), false, Utc::now())
                        .unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(
        db.store.failed_logins_since(DateTime::UNIX_EPOCH).unwrap(),
        200
    );
    assert_eq!(
        db.store.failed_logins_since_success("c7").unwrap().len(),
        25
    );
    assert_eq!(db.store.get_setting("k7-24").unwrap().as_deref(), Some("v"));
}
