//! The one way handlers reach synchronous code (diesel, bcrypt, file I/O).
//!
//! [`blocking`] runs a closure on actix's blocking thread pool, so an actix worker never waits on
//! SQLite or a password hash, and maps both the closure's error and a failed pool into [`ApiError`].

use crate::error::ApiError;

/// Runs `f` off the async workers and converts its error into an [`ApiError`].
pub async fn blocking<F, T, E>(f: F) -> Result<T, ApiError>
where
    F: FnOnce() -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: Into<ApiError> + Send + 'static,
{
    actix_web::web::block(f).await?.map_err(Into::into)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aniworld_core::ports::RepoError;

    #[actix_web::test]
    async fn values_and_errors_pass_through() {
        let ok: Result<u32, ApiError> = blocking(|| Ok::<_, RepoError>(7)).await;
        assert_eq!(ok.unwrap(), 7);
        let err = blocking(|| Err::<u32, _>(RepoError::NotFound("x".into())))
            .await
            .unwrap_err();
        assert!(matches!(err, ApiError::NotFound(_)));
    }
}
