//! OpenAPI document, Swagger UI and ReDoc, all served locally.

use crate::helpers::spawn_app;

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
