//! The routes machines call: DANA's Finish Notify and the order intake API. They carry a
//! signature or a bearer token instead of a session, so they sit outside the session guard,
//! each with its own body limit, and every answer carries an `X-Request-Id`.

use axum::Router;
use axum::routing::{get, post};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};

use crate::state::AppState;

/// DANA's notifications are a few kilobytes.
const NOTIFY_MAX_BODY_BYTES: usize = 64 * 1024;

pub fn machine_routes(state: &AppState) -> Router<AppState> {
    use crate::web::limits::limit_unsized_bodies;
    let mut router = Router::new()
        .route(super::api::ORDERS_PATH, post(super::api::post_orders))
        .route(super::api::OPENAPI_PATH, get(super::api::openapi))
        .layer(axum::middleware::from_fn_with_state(
            super::api::MAX_BODY_BYTES,
            limit_unsized_bodies,
        ));
    if let Some(receiver) = &state.notify {
        router = router.route(
            &receiver.path,
            post(super::notify::receive).layer(tower_http::limit::RequestBodyLimitLayer::new(
                NOTIFY_MAX_BODY_BYTES,
            )),
        );
    }
    router
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}
