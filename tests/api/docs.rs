//! OpenAPI document, Swagger UI and ReDoc, all served locally.

use actix_web::http::Method;

use crate::helpers::{send, spawn_app};

#[actix_web::test]
async fn the_document_describes_the_endpoints_of_this_service() {
    let app = spawn_app().await;
    let r = app.get("/openapi.json", None).await;
    assert_eq!(r.status, 200);
    assert!(r.json["openapi"].as_str().unwrap().starts_with("3."));
    let paths = r.json["paths"].as_object().unwrap();
    for (path, method) in [
        ("/api/auth/setup", "post"),
        ("/api/auth/login", "post"),
        ("/api/auth/logout", "post"),
        ("/api/auth/status", "get"),
        ("/api/config", "get"),
        ("/api/config", "put"),
        ("/api/config/validate", "post"),
        ("/api/config/backups", "get"),
        ("/api/config/backups", "post"),
        ("/api/config/backups/{backup_name}/restore", "post"),
        ("/api/config/backups/{backup_name}", "delete"),
        ("/api/config/directory", "post"),
        ("/health", "get"),
        ("/health/detailed", "get"),
    ] {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} undocumented"
        );
    }
}

#[actix_web::test]
async fn swagger_ui_and_redoc_load_only_local_assets() {
    let app = spawn_app().await;
    let r = app.get("/api/docs", None).await;
    assert!(matches!(r.status, 200 | 301 | 308), "{}", r.status);
    let page = app.get("/api/docs/", None).await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("swagger-ui"), "{}", page.text);
    for asset in [
        "/api/docs/swagger-ui.css",
        "/api/docs/swagger-ui-bundle.js",
        "/api/docs/swagger-initializer.js",
    ] {
        let r = app.get(asset, None).await;
        assert_eq!(r.status, 200, "{asset}");
    }
    assert!(
        app.get("/api/docs/swagger-initializer.js", None)
            .await
            .text
            .contains("/openapi.json")
    );
    let redoc = app.get("/api/redoc", None).await;
    assert_eq!(redoc.status, 200);
    assert!(!redoc.text.contains("https://"), "{}", redoc.text);
    let re = regex::Regex::new(r#"src="([^"]+)""#).unwrap();
    let scripts: Vec<String> = re
        .captures_iter(&redoc.text)
        .map(|c| c[1].to_string())
        .collect();
    assert_eq!(scripts.len(), 2, "{scripts:?}");
    for s in scripts {
        // Relative to the page (/api/redoc), so ReDoc works under server.base_path as well.
        let s = s
            .strip_prefix("..")
            .expect("a URL relative to /api/redoc")
            .to_string();
        let r = app.get(&s, None).await;
        assert_eq!(r.status, 200, "{s}");
        assert!(
            r.header("content-type").unwrap().contains("javascript"),
            "{s}"
        );
    }
    assert!(
        app.get("/static/vendor/redoc.standalone.js", None)
            .await
            .text
            .len()
            > 1_000_000
    );
}

/// The schema a `$ref` names, or the schema itself.
fn resolve<'a>(doc: &'a serde_json::Value, schema: &'a serde_json::Value) -> &'a serde_json::Value {
    match schema["$ref"].as_str() {
        Some(r) => {
            let name = r.trim_start_matches("#/components/schemas/");
            &doc["components"]["schemas"][name]
        }
        None => schema,
    }
}

#[actix_web::test]
async fn queue_add_has_its_own_request_and_response_schemas() {
    let app = spawn_app().await;
    let doc = app.get("/openapi.json", None).await.json;
    let op = &doc["paths"]["/api/queue/add"]["post"];
    let req = resolve(
        &doc,
        &op["requestBody"]["content"]["application/json"]["schema"],
    );
    for field in ["serie_id", "serie_folder", "episodes", "priority"] {
        assert!(req["properties"].get(field).is_some(), "{field}: {req}");
    }
    assert!(req["properties"].get("link").is_none(), "{req}");
    let res = resolve(
        &doc,
        &op["responses"]["201"]["content"]["application/json"]["schema"],
    );
    for field in ["added_items", "item_ids", "failed_items"] {
        assert!(res["properties"].get(field).is_some(), "{field}: {res}");
    }
    // /api/anime/add keeps its own
    let anime = &doc["paths"]["/api/anime/add"]["post"];
    let req = resolve(
        &doc,
        &anime["requestBody"]["content"]["application/json"]["schema"],
    );
    assert!(req["properties"].get("link").is_some(), "{req}");
}

#[actix_web::test]
async fn every_operation_lists_the_error_answers_it_can_give() {
    let app = spawn_app().await;
    let doc = app.get("/openapi.json", None).await.json;
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let answers = op["responses"].as_object().unwrap();
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            let has_param = |place: &str| params.iter().any(|p| p["in"] == place);
            let mut expected = Vec::new();
            if op["security"].as_array().is_some_and(|s| !s.is_empty()) {
                expected.push("401");
            }
            if op.get("requestBody").is_some() {
                expected.extend(["400", "413", "415", "422"]);
            }
            if has_param("query") {
                expected.push("422");
            }
            if has_param("path") {
                expected.push("404");
            }
            if path.starts_with("/api/") {
                expected.push("429");
            }
            if method != "get" {
                expected.push("403");
            }
            for status in expected {
                let answer = answers
                    .get(status)
                    .unwrap_or_else(|| panic!("{method} {path} does not list {status}"));
                let schema = answer["content"]["application/json"]["schema"]["$ref"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{method} {path} {status} has no body"));
                let want = if status == "429" {
                    "RateLimitBody"
                } else {
                    "ErrorBody"
                };
                assert!(schema.ends_with(want), "{method} {path} {status}: {schema}");
            }
            // every documented error has the error body
            for (status, answer) in answers {
                if status.as_str() >= "400" {
                    assert!(
                        answer["content"]["application/json"]["schema"].is_object(),
                        "{method} {path} {status}"
                    );
                }
            }
            checked += 1;
        }
    }
    assert!(checked > 40, "{checked}");
    let error = &doc["components"]["schemas"]["ErrorBody"];
    for field in ["success", "error", "message", "details", "request_id"] {
        assert!(error["properties"].get(field).is_some(), "{field}: {error}");
    }
    assert!(
        doc["paths"]["/api/auth/login"]["post"]["responses"]["429"]["headers"]
            .get("Retry-After")
            .is_some()
    );
}

#[actix_web::test]
async fn limits_enforced_by_the_service_are_in_the_schema() {
    let app = spawn_app().await;
    let doc = app.get("/openapi.json", None).await.json;
    let param = |path: &str, method: &str, name: &str| {
        doc["paths"][path][method]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("{method} {path} has no {name}"))["schema"]
            .clone()
    };
    let body = |path: &str, method: &str| {
        resolve(
            &doc,
            &doc["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"],
        )
        .clone()
    };
    let name = param("/api/config/backups", "post", "name");
    let pattern = regex::Regex::new(name["pattern"].as_str().expect("pattern")).unwrap();
    for ok in ["nightly", "a.json", "A-b_c.1", &"x".repeat(64)] {
        assert!(pattern.is_match(ok), "{ok}");
    }
    for bad in [".hidden", "a/b", "a b", "", &"x".repeat(65)] {
        assert!(!pattern.is_match(bad), "{bad}");
    }
    let page = param("/api/anime", "get", "page");
    assert_eq!(page["minimum"], 1, "{page}");
    let per_page = param("/api/anime", "get", "per_page");
    assert_eq!(per_page["minimum"], 1, "{per_page}");
    assert_eq!(per_page["maximum"], 1000, "{per_page}");
    let query = param("/api/anime/search", "get", "query");
    assert_eq!(query["minLength"], 1, "{query}");
    assert_eq!(query["maxLength"], 200, "{query}");
    let search = body("/api/anime/search", "post");
    assert_eq!(search["properties"]["query"]["minLength"], 1, "{search}");
    let add = body("/api/queue/add", "post");
    assert_eq!(add["properties"]["episodes"]["minItems"], 1, "{add}");
    assert_eq!(add["properties"]["serie_id"]["minLength"], 1, "{add}");
    let episode = resolve(&doc, &add["properties"]["episodes"]["items"]);
    assert_eq!(
        episode["properties"]["season"]["maximum"], 2147483647_u64,
        "{episode}"
    );
    for (path, method) in [("/api/queue/reorder", "post"), ("/api/queue", "delete")] {
        let ids = body(path, method);
        assert_eq!(
            ids["properties"]["item_ids"]["minItems"], 1,
            "{path}: {ids}"
        );
    }
    let batch = body("/api/nfo/batch/create", "post");
    assert_eq!(
        batch["properties"]["max_concurrent"]["minimum"], 1,
        "{batch}"
    );
    assert_eq!(
        batch["properties"]["max_concurrent"]["maximum"], 10,
        "{batch}"
    );
    let setup = body("/api/auth/setup", "post");
    assert_eq!(
        setup["properties"]["master_password"]["minLength"], 8,
        "{setup}"
    );
    let dir = body("/api/config/directory", "post");
    assert_eq!(dir["properties"]["directory"]["minLength"], 1, "{dir}");
    let scheduler = body("/api/scheduler/config", "post");
    assert_eq!(
        scheduler["properties"]["interval_minutes"]["minimum"], 1,
        "{scheduler}"
    );
    assert!(
        scheduler["properties"]["schedule_time"]["pattern"].is_string(),
        "{scheduler}"
    );
}

#[actix_web::test]
async fn a_wrong_method_answers_405_with_allow() {
    let app = spawn_app().await;
    let t = app.token().await;
    for (method, path, allow) in [
        (Method::POST, "/api/queue/status", vec!["GET"]),
        (Method::PUT, "/api/anime/search", vec!["GET", "POST"]),
        (Method::DELETE, "/api/config", vec!["GET", "PUT"]),
        (Method::GET, "/api/auth/login", vec!["POST"]),
        (Method::POST, "/api/queue/some-id", vec!["DELETE"]),
        (Method::DELETE, "/health", vec!["GET"]),
    ] {
        let r = send(
            &app.client,
            &app.address,
            method.clone(),
            path,
            Some(&t),
            None,
            &[],
        )
        .await;
        r.assert_error(405, "METHOD_NOT_ALLOWED");
        let header = r
            .header("allow")
            .unwrap_or_else(|| panic!("{method} {path}: no Allow"));
        let mut got: Vec<&str> = header.split(',').map(str::trim).collect();
        got.sort_unstable();
        assert_eq!(got, allow, "{method} {path}");
    }
    // An unknown path is still 404.
    app.get("/api/queue/status/extra", Some(&t))
        .await
        .assert_error(404, "NOT_FOUND_ERROR");
}

#[test]
fn each_schema_name_is_defined_by_one_area() {
    use utoipa::OpenApi;
    let areas = [
        ("health", aniworld_server::routes::health::Doc::openapi()),
        ("auth", aniworld_server::routes::auth::Doc::openapi()),
        ("config", aniworld_server::routes::config::Doc::openapi()),
        ("anime", aniworld_server::routes::anime::Doc::openapi()),
        ("queue", aniworld_server::routes::queue::Doc::openapi()),
        (
            "scheduler",
            aniworld_server::routes::scheduler::Doc::openapi(),
        ),
        ("ws", aniworld_server::routes::ws::Doc::openapi()),
        ("nfo", aniworld_server::routes::nfo::Doc::openapi()),
    ];
    let mut seen: std::collections::BTreeMap<String, (&str, serde_json::Value)> =
        Default::default();
    for (area, doc) in &areas {
        let doc = serde_json::to_value(doc).unwrap();
        for (name, schema) in doc["components"]["schemas"]
            .as_object()
            .cloned()
            .unwrap_or_default()
        {
            if let Some((other, earlier)) = seen.get(&name) {
                assert_eq!(
                    earlier, &schema,
                    "schema {name} of {area} hides the one of {other}"
                );
            } else {
                seen.insert(name, (area, schema));
            }
        }
    }
}
