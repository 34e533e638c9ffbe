//! [`Json`]: the body extractor of every JSON endpoint.
//!
//! It reads the body through the app's `JsonConfig` (`error::json_config`: `Content-Type:
//! application/json` required, else 415; the size limit, else 413; JSON that is not well formed,
//! an empty body included, 400), then deserializes the JSON value into `T` while tracking the
//! path, so a body of the wrong shape answers 422 naming the offending field's JSON path
//! (`episodes[0].season`) in `details` (`error::body_error`). Handlers take `body::Json<T>`
//! where they would take `web::Json<T>`.

use std::ops::Deref;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::body_error;

/// A JSON request body of type `T`.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T> Json<T> {
    /// The body.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Json<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let value = web::Json::<Value>::from_request(req, payload);
        Box::pin(async move {
            let web::Json(value) = value.await?;
            serde_path_to_error::deserialize(value)
                .map(Json)
                .map_err(|e| body_error(e).into())
        })
    }
}

/// An optional JSON request body: None when the request carries no body (no `Content-Length`
/// or `0`, and not chunked); otherwise read exactly as [`Json`], so a bad body is refused and
/// never taken for an absent one.
#[derive(Debug)]
pub struct OptionalJson<T>(pub Option<T>);

impl<T: DeserializeOwned + 'static> FromRequest for OptionalJson<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let headers = req.headers();
        let chunked = headers.contains_key(actix_web::http::header::TRANSFER_ENCODING);
        let empty = match headers.get(actix_web::http::header::CONTENT_LENGTH) {
            Some(len) => len.to_str().is_ok_and(|l| l.trim() == "0"),
            None => !chunked,
        };
        if empty {
            return Box::pin(async { Ok(OptionalJson(None)) });
        }
        let body = Json::<T>::from_request(req, payload);
        Box::pin(async move { Ok(OptionalJson(Some(body.await?.into_inner()))) })
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    use crate::error::{ApiError, body_error};

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Episode {
        season: u32,
        episode: u32,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Add {
        #[serde(rename = "serie_id")]
        series_id: String,
        episodes: Vec<Episode>,
    }

    /// The `field` and message a body gets.
    fn check(body: serde_json::Value, field: &str) {
        let err = serde_path_to_error::deserialize::<_, Add>(body).unwrap_err();
        let ApiError::Validation { details, .. } = body_error(err) else {
            panic!("not a validation error");
        };
        assert_eq!(details["field"], field, "{details}");
        assert!(details[field].is_string(), "{details}");
    }

    #[test]
    fn every_kind_of_bad_field_is_named_by_its_json_path() {
        let ep = json!({"season": 1, "episode": 1});
        // wrong type
        check(json!({"serie_id": 5, "episodes": []}), "serie_id");
        check(
            json!({"serie_id": "k", "episodes": [ep, {"season": "1", "episode": 1}]}),
            "episodes[1].season",
        );
        // missing field, at the top and nested
        check(json!({"episodes": []}), "serie_id");
        check(
            json!({"serie_id": "k", "episodes": [{"season": 1}]}),
            "episodes[0].episode",
        );
        // out of range for the type
        check(
            json!({"serie_id": "k", "episodes": [{"season": -1, "episode": 1}]}),
            "episodes[0].season",
        );
        check(
            json!({"serie_id": "k", "episodes": [{"season": 1, "episode": 4294967296_u64}]}),
            "episodes[0].episode",
        );
        // the body as a whole
        check(json!("all of them"), "body");
    }
}
