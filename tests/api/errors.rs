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

#[actix_web::test]
async fn every_422_from_a_json_body_names_the_json_path_of_the_field() {
    let app = spawn_app().await;
    let t = app.token().await;
    let ep = json!({"season": 1, "episode": 1});
    let add = |episodes: serde_json::Value| json!({"serie_id": "frieren", "serie_folder": "Frieren", "episodes": episodes});
    for (body, field) in [
        // wrong types
        (
            add(json!([ep, {"season": "one", "episode": 1}])),
            "episodes[1].season",
        ),
        (add(json!("all")), "episodes"),
        (
            json!({"serie_id": 7, "serie_folder": "F", "episodes": [ep]}),
            "serie_id",
        ),
        // missing fields, at the top and nested
        (json!({"serie_folder": "F", "episodes": [ep]}), "serie_id"),
        (add(json!([ep, ep, {"season": 1}])), "episodes[2].episode"),
        // out of range: for the type, and for what the store holds
        (
            add(json!([{"season": -1, "episode": 1}])),
            "episodes[0].season",
        ),
        (
            add(json!([ep, {"season": 1, "episode": 2147483648_u64}])),
            "episodes[1].episode",
        ),
        // refused values
        (add(json!([])), "episodes"),
        (
            json!({"serie_id": "k", "serie_folder": "F", "episodes": [ep], "priority": "URGENT"}),
            "priority",
        ),
    ] {
        let r = app.post("/api/queue/add", Some(&t), &body).await;
        r.assert_error(422, "VALIDATION_ERROR");
        assert_eq!(r.json["details"]["field"], field, "{body}: {}", r.text);
        // the older key (the field itself) still carries the problem
        assert!(r.json["details"][field].is_string(), "{body}: {}", r.text);
    }
    for (path, body, field) in [
        (
            "/api/auth/login",
            json!({"password": "x", "remember": "yes"}),
            "remember",
        ),
        (
            "/api/nfo/batch/create",
            json!({"serie_ids": ["a", 5]}),
            "serie_ids[1]",
        ),
        (
            "/api/nfo/batch/create",
            json!({"serie_ids": [], "max_concurrent": 11}),
            "max_concurrent",
        ),
        (
            "/api/queue/reorder",
            json!({"item_ids": [[]]}),
            "item_ids[0]",
        ),
        ("/api/anime/search", json!({}), "query"),
        (
            "/api/config/directory",
            json!({"directory": ["x"]}),
            "directory",
        ),
    ] {
        let r = app.post(path, Some(&t), &body).await;
        r.assert_error(422, "VALIDATION_ERROR");
        assert_eq!(
            r.json["details"]["field"], field,
            "{path} {body}: {}",
            r.text
        );
    }
    // Well-formed JSON of the wrong shape is 422; JSON that is not well formed is 400.
    let r = app
        .post_raw("/api/queue/add", Some(&t), b"\"all of them\"".to_vec())
        .await;
    r.assert_error(422, "VALIDATION_ERROR");
    assert_eq!(r.json["details"]["field"], "body", "{}", r.text);
    app.post_raw(
        "/api/queue/add",
        Some(&t),
        b"{\"serie_id\": \"k\",}".to_vec(),
    )
    .await
    .assert_error(400, "BAD_REQUEST");
}
