//! api.md section 2: setup, login, logout, status.

use serde_json::json;

use crate::helpers::{PASSWORD, spawn_app};

#[actix_web::test]
async fn status_before_and_after_setup() {
    let app = spawn_app().await;
    let r = app.get("/api/auth/status", None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json, json!({"configured": false, "authenticated": false}));
    // protected routes answer 401 before setup
    app.get("/api/config", None)
        .await
        .assert_error(401, "AUTHENTICATION_ERROR");
    let token = app.token().await;
    let r = app.get("/api/auth/status", None).await;
    assert_eq!(r.json, json!({"configured": true, "authenticated": false}));
    let r = app.get("/api/auth/status", Some(&token)).await;
    assert_eq!(r.json, json!({"configured": true, "authenticated": true}));
    let r = app.get("/api/auth/status", Some("not-a-token")).await;
    assert_eq!(r.json["authenticated"], false);
}

#[actix_web::test]
async fn setup_works_once_and_can_set_the_anime_directory() {
    let app = spawn_app().await;
    let dir = app.data_dir.path().join("anime");
    let r = app
        .post(
            "/api/auth/setup",
            None,
            &json!({"master_password": PASSWORD, "anime_directory": dir.to_str().unwrap()}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json, json!({"status": "ok"}));
    assert_eq!(
        app.config_on_disk()["other"]["anime_directory"],
        dir.to_str().unwrap()
    );
    let again = app
        .post(
            "/api/auth/setup",
            None,
            &json!({"master_password": "Other#Pass2"}),
        )
        .await;
    again.assert_error(400, "BAD_REQUEST");
    // the first password still works, the second does not
    assert_eq!(app.login(PASSWORD, false).await.status, 200);
    app.login("Other#Pass2", false)
        .await
        .assert_error(401, "AUTHENTICATION_ERROR");
}

#[actix_web::test]
async fn an_eight_character_password_with_every_class_is_accepted() {
    let app = spawn_app().await;
    let r = app
        .post(
            "/api/auth/setup",
            None,
            &json!({"master_password": "short1A!"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(app.login("short1A!", false).await.status, 200);
}

#[actix_web::test]
async fn weak_passwords_configure_nothing() {
    let app = crate::helpers::spawn_app_with(
        |c| c["server"]["auth_rate_limit_per_minute"] = json!(100),
        |_| {},
    )
    .await;
    for weak in [
        "Sh#1a",
        "alllowercase1!",
        "ALLUPPER1!",
        "NoDigits!!",
        "NoSpecial12",
    ] {
        let r = app
            .post("/api/auth/setup", None, &json!({"master_password": weak}))
            .await;
        r.assert_error(400, "BAD_REQUEST");
    }
    assert_eq!(
        app.get("/api/auth/status", None).await.json["configured"],
        false
    );
    let r = app
        .post("/api/auth/setup", None, &json!({"password": PASSWORD}))
        .await;
    r.assert_error(422, "VALIDATION_ERROR");
    assert!(
        r.json["details"]["master_password"].is_string(),
        "{}",
        r.text
    );
}

#[actix_web::test]
async fn login_issues_tokens_with_the_documented_lifetimes() {
    let app = spawn_app().await;
    assert_eq!(app.setup().await.status, 201);
    let now = chrono::Utc::now();
    for (remember, hours) in [(false, 24), (true, 24 * 30)] {
        let r = app.login(PASSWORD, remember).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.json["token_type"], "bearer");
        assert!(r.json["access_token"].as_str().unwrap().split('.').count() == 3);
        let exp =
            chrono::DateTime::parse_from_rfc3339(r.json["expires_at"].as_str().unwrap()).unwrap();
        let diff = (exp.with_timezone(&chrono::Utc) - now).num_minutes();
        assert!(
            (hours * 60 - 2..=hours * 60 + 2).contains(&diff),
            "remember={remember}: {diff} min"
        );
        assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
    }
    app.login("Wrong#Pass1", false)
        .await
        .assert_error(401, "AUTHENTICATION_ERROR");
    let r = app
        .post("/api/auth/login", None, &json!({"remember": true}))
        .await;
    r.assert_error(422, "VALIDATION_ERROR");
}

#[actix_web::test]
async fn login_before_setup_is_refused() {
    let app = spawn_app().await;
    app.login(PASSWORD, false)
        .await
        .assert_error(401, "AUTHENTICATION_ERROR");
}

#[actix_web::test]
async fn logout_revokes_only_that_token() {
    let app = spawn_app().await;
    let a = app.token().await;
    let b = app.fresh_token().await;
    assert_eq!(app.get("/api/config", Some(&a)).await.status, 200);
    let r = app.post_empty("/api/auth/logout", Some(&a)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.json,
        json!({"status": "ok", "message": "Logged out successfully"})
    );
    app.get("/api/config", Some(&a))
        .await
        .assert_error(401, "AUTHENTICATION_ERROR");
    assert_eq!(
        app.get("/api/auth/status", Some(&a)).await.json["authenticated"],
        false
    );
    assert_eq!(app.get("/api/config", Some(&b)).await.status, 200);
    app.post_empty("/api/auth/logout", Some(&a))
        .await
        .assert_error(401, "AUTHENTICATION_ERROR");
    app.post_empty("/api/auth/logout", None)
        .await
        .assert_error(401, "AUTHENTICATION_ERROR");
}

#[actix_web::test]
async fn tokens_signed_with_another_secret_are_refused() {
    let app = spawn_app().await;
    let _ = app.token().await;
    let other = spawn_app().await;
    let foreign = other.token().await;
    app.get("/api/config", Some(&foreign))
        .await
        .assert_error(401, "AUTHENTICATION_ERROR");
}
