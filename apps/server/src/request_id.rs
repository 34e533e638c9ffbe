//! The id of the request being handled: set by the request-context middleware (`context.rs`)
//! in a task-local, read by `ApiError` to put it into error bodies without a handle on the
//! request, and sent as `X-Request-Id`.

tokio::task_local! {
    /// The request id of the request this task handles.
    pub static REQUEST_ID: String;
}

/// Name of the response header carrying the request id.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The id of the request being handled on this task, if any.
pub fn current_request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}
