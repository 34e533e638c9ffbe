//! The OpenAPI document (the base description plus each area's `Doc`, merged) and the routes
//! that serve it: `/openapi.json`, Swagger UI and ReDoc.
//!
//! Adding an area: one line in [`document`] (`doc.merge(routes::<area>::Doc::openapi());`).
//!
//! The error answers that follow from how the service is built are added to every operation here
//! rather than repeated on each handler ([`complete_error_answers`]): 401 for operations that need
//! a token; 400, 413, 415 and 422 for operations with a JSON body; 422 for operations with query
//! parameters; 404 for operations with path parameters; 403 for state-changing operations
//! (foreign `Origin` before setup); 429 under `/api/` (per-Origin limit). Every error answer
//! carries the api.md body ([`ErrorBody`], or [`RateLimitBody`] with `Retry-After` for 429).
//! Descriptions that a handler gives itself are kept.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use utoipa::OpenApi;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{
    ContentBuilder, HeaderBuilder, Ref, RefOr, Response, ResponseBuilder, Type,
    schema::ObjectBuilder,
};
use utoipa_swagger_ui::SwaggerUi;

use crate::error::{ErrorBody, JSON_LIMIT, RateLimitBody};
use crate::routes;

#[derive(OpenApi)]
#[openapi(
    info(title = "Aniworld API", description = "Self-hosted anime library manager. Protected endpoints need \
        `Authorization: Bearer <token>` from `POST /api/auth/login`."),
    tags(
        (name = "auth", description = "Master password and tokens"),
        (name = "config", description = "Configuration and backups"),
        (name = "health", description = "Health checks"),
    ),
    components(schemas(ErrorBody, RateLimitBody))
)]
struct Base;

/// The whole OpenAPI document of the service.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = Base::openapi();
    doc.merge(routes::health::Doc::openapi());
    doc.merge(routes::auth::Doc::openapi());
    doc.merge(routes::config::Doc::openapi());
    doc.merge(routes::anime::Doc::openapi());
    doc.merge(routes::queue::Doc::openapi());
    doc.merge(routes::history::Doc::openapi());
    doc.merge(routes::wanted::Doc::openapi());
    doc.merge(routes::scheduler::Doc::openapi());
    doc.merge(routes::ws::Doc::openapi());
    doc.merge(routes::nfo::Doc::openapi());
    doc.merge(routes::notifications::Doc::openapi());
    doc.merge(routes::system::Doc::openapi());
    doc.merge(routes::ui::Doc::openapi());
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .build(),
        ),
    );
    complete_error_answers(&mut doc);
    doc
}

/// Adds the error answers described in the module docs to every operation.
fn complete_error_answers(doc: &mut utoipa::openapi::OpenApi) {
    for (path, item) in doc.paths.paths.iter_mut() {
        let operations = [
            (false, &mut item.get),
            (false, &mut item.head),
            (false, &mut item.options),
            (true, &mut item.post),
            (true, &mut item.put),
            (true, &mut item.delete),
            (true, &mut item.patch),
        ];
        for (changes_state, op) in operations {
            if let Some(op) = op.as_mut() {
                complete_operation(path, changes_state, op);
            }
        }
    }
}

fn complete_operation(path: &str, changes_state: bool, op: &mut Operation) {
    let has = |op: &Operation, place: ParameterIn| {
        op.parameters.iter().flatten().any(|p| match p {
            RefOr::T(p) => p.parameter_in == place,
            RefOr::Ref(_) => false,
        })
    };
    let protected = op.security.as_ref().is_some_and(|s| !s.is_empty());
    let body = op.request_body.is_some();
    let query = has(op, ParameterIn::Query);
    let path_params = has(op, ParameterIn::Path);
    let mut add = |status: u16, description: &str| add_answer(op, status, description);
    if body {
        add(
            400,
            "The body is not well-formed JSON (an empty body included)",
        );
    }
    if protected {
        add(401, "No valid bearer token");
    }
    if changes_state {
        add(
            403,
            "Before setup: the request's Origin is not this service's own origin",
        );
    }
    if path_params {
        add(404, "Nothing by that name");
    }
    if body {
        add(413, &format!("The body is larger than {JSON_LIMIT} bytes"));
        add(415, "The body is not sent as application/json");
    }
    if body || query {
        add(
            422,
            "A field is missing, has the wrong type or an out-of-range value; `details.field` \
             names its JSON path",
        );
    }
    if path.starts_with("/api/") {
        add(
            429,
            "Too many requests with this Origin (server.origin_rate_limit_per_minute)",
        );
    }
    // Answers the handler documents without a body get the error body.
    for (status, answer) in op.responses.responses.iter_mut() {
        let error = status.parse::<u16>().is_ok_and(|s| s >= 400);
        if let (true, RefOr::T(answer)) = (error, answer)
            && answer.content.is_empty()
        {
            *answer = error_answer(status == "429", &answer.description);
        }
    }
}

/// Adds an answer unless the operation documents that status itself.
fn add_answer(op: &mut Operation, status: u16, description: &str) {
    op.responses
        .responses
        .entry(status.to_string())
        .or_insert_with(|| RefOr::T(error_answer(status == 429, description)));
}

/// An error answer: the api.md body, or for 429 the rate-limit body with `Retry-After`.
fn error_answer(rate_limit: bool, description: &str) -> Response {
    let schema = if rate_limit {
        "RateLimitBody"
    } else {
        "ErrorBody"
    };
    let mut answer = ResponseBuilder::new().description(description).content(
        "application/json",
        ContentBuilder::new()
            .schema(Some(Ref::from_schema_name(schema)))
            .build(),
    );
    if rate_limit {
        answer = answer.header(
            "Retry-After",
            HeaderBuilder::new()
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::Integer)
                        .minimum(Some(1)),
                ))
                .description(Some("Seconds until a request can succeed"))
                .build(),
        );
    }
    answer.build()
}

/// The ReDoc page: loads the vendored bundle and a small init script, no inline script.
const REDOC_PAGE: &str = concat!(
    r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Aniworld API - ReDoc</title>
</head>
<body>
<div id="redoc"></div>
<script src="../static/vendor/"#,
    env!("ANIWORLD_ASSETS_VERSION"),
    r#"/redoc.standalone.js"></script>
<script src="../static/"#,
    env!("ANIWORLD_ASSETS_VERSION"),
    r#"/redoc-init.js"></script>
</body>
</html>
"#
);

/// Registers the documentation routes: `/openapi.json`, Swagger UI at `/api/docs`, ReDoc at
/// `/api/redoc` (vendored under `static/vendor/`: nothing is fetched at build or run time), and
/// the static assets.
pub fn configure(cfg: &mut web::ServiceConfig) {
    // Swagger UI loads the document relative to its page, so it works under a base path.
    let swagger = SwaggerUi::new("/api/docs/{_:.*}")
        .url("/openapi.json", document())
        .config(utoipa_swagger_ui::Config::from("../../openapi.json"));
    cfg.service(swagger)
        .service(web::resource("/api/docs").route(web::get().to(redirect_docs)))
        .service(web::resource("/api/redoc").route(web::get().to(redoc)));
    crate::assets::configure(cfg);
}

/// To the Swagger UI, under `server.base_path` when one is set (an absolute path, because not
/// every client resolves a relative `Location`).
async fn redirect_docs(state: web::Data<crate::state::AppState>) -> HttpResponse {
    let base = state.app.config().current().server.base_path.clone();
    HttpResponse::MovedPermanently()
        .insert_header((header::LOCATION, format!("{base}/api/docs/")))
        .finish()
}

async fn redoc() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-cache"))
        .body(REDOC_PAGE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_area_is_in_the_document() {
        let doc = serde_json::to_value(document()).unwrap();
        for path in [
            "/health",
            "/health/detailed",
            "/api/auth/login",
            "/api/config",
            "/api/config/backups/{backup_name}",
            "/api/queue/status",
            "/api/queue/{item_id}",
            "/ws/status",
            "/api/nfo/{serie_id}/create",
            "/api/nfo/missing",
            "/api/notifications/test",
            "/api/notifications/status",
        ] {
            assert!(doc["paths"].get(path).is_some(), "{path} missing");
        }
        assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    }
}
