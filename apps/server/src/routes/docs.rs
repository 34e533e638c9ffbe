//! API documentation: the OpenAPI document at `/openapi.json`, Swagger UI at `/api/docs` (vendored
//! by utoipa-swagger-ui) and ReDoc at `/api/redoc` (vendored under `static/vendor/`). Nothing is
//! fetched from the network at build or run time.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use utoipa_swagger_ui::SwaggerUi;

/// The ReDoc page: loads the vendored bundle and a small init script, no inline script.
const REDOC_PAGE: &str = r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Aniworld API - ReDoc</title>
</head>
<body>
<div id="redoc"></div>
<script src="/static/vendor/redoc.standalone.js"></script>
<script src="/static/redoc-init.js"></script>
</body>
</html>
"#;

/// Registers the documentation routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        SwaggerUi::new("/api/docs/{_:.*}").url("/openapi.json", crate::openapi::document()),
    )
    .service(web::resource("/api/docs").route(web::get().to(redirect_docs)))
    .service(web::resource("/api/redoc").route(web::get().to(redoc)));
    crate::assets::configure(cfg);
}

async fn redirect_docs() -> HttpResponse {
    HttpResponse::MovedPermanently()
        .insert_header((header::LOCATION, "/api/docs/"))
        .finish()
}

async fn redoc() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(REDOC_PAGE)
}
