//! api.md section 11: one error shape with a request id; framework errors never answer 500.

use serde_json::json;

use crate::helpers::spawn_app;

#[actix_web::test]
async fn json_body_errors_are_4xx_in_the_documented_shape() {
    let app = spawn_app().await;
    app.post_raw("/api/auth/login", None, b"{\"password\": ".to_vec())
        .await
        .assert_error(400, "BAD_REQUEST");
    app.post_raw("/api/auth/login", None, Vec::new())
        .await
        .assert_error(400, "BAD_REQUEST");
    app.post_raw("/api/auth/login", None, b"[1,2]".to_vec())
        .await
        .assert_error(422, "VALIDATION_ERROR");
    let r = app
        .post("/api/auth/setup", None, &json!({"master_password": 12345}))
        .await;
    r.assert_error(422, "VALIDATION_ERROR");
    let big = format!("{{\"password\": \"{}\"}}", "x".repeat(2 * 1024 * 1024));
    let r = app
        .post_raw("/api/auth/login", None, big.into_bytes())
        .await;
    r.assert_error(413, "PAYLOAD_TOO_LARGE");
}

#[actix_web::test]
async fn unknown_routes_and_bad_queries() {
    let app = spawn_app().await;
    let t = app.token().await;
    app.get("/api/does-not-exist", Some(&t))
        .await
        .assert_error(404, "NOT_FOUND_ERROR");
    // without a token an unknown path reveals nothing
    app.get("/api/does-not-exist", None)
        .await
        .assert_error(401, "AUTHENTICATION_ERROR");
    let r = app
        .post_empty("/api/config/backups?name=a&name=b", Some(&t))
        .await;
    assert!(r.status < 500, "{}", r.text);
}

#[actix_web::test]
async fn every_response_carries_a_request_id() {
    let app = spawn_app().await;
    let a = app
        .get("/health", None)
        .await
        .header("x-request-id")
        .unwrap();
    let b = app
        .get("/health", None)
        .await
        .header("x-request-id")
        .unwrap();
    assert_ne!(a, b);
    assert!(uuid::Uuid::parse_str(&a).is_ok());
    let r = app.get("/api/config", None).await;
    assert_eq!(
        r.json["request_id"].as_str(),
        r.header("x-request-id").as_deref()
    );
}
