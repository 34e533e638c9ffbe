//! The OpenAPI document: the base description plus each area's `Doc`, merged.
//!
//! Adding an area: one line in [`document`] (`doc.merge(routes::<area>::Doc::openapi());`).

use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

use crate::routes;

#[derive(OpenApi)]
#[openapi(
    info(title = "Aniworld API", description = "Self-hosted anime library manager. Protected endpoints need \
        `Authorization: Bearer <token>` from `POST /api/auth/login`."),
    tags(
        (name = "auth", description = "Master password and tokens"),
        (name = "config", description = "Configuration and backups"),
        (name = "health", description = "Health checks"),
    )
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
    doc.merge(routes::scheduler::Doc::openapi());
    doc.merge(routes::ws::Doc::openapi());
    doc.merge(routes::nfo::Doc::openapi());
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
    doc
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
        ] {
            assert!(doc["paths"].get(path).is_some(), "{path} missing");
        }
        assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    }
}
