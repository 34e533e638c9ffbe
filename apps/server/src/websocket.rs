//! The WebSocket protocol of api.md section 9 (`/ws/connect`): the service's events as messages,
//! client messages, rooms and the per-client session that forwards hub messages, and the limits
//! of unauthenticated connections.
//! The routes are in `routes/ws.rs`.

pub mod limits;
pub mod messages;
pub mod protocol;
pub mod session;
