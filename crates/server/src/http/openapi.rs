//! `GET /openapi.json`: the OpenAPI 3.1 description of every JSON endpoint, generated from the
//! handlers' `#[utoipa::path]` annotations and the wire types' `ToSchema` derives, so it cannot
//! drift from the code. Each routing module owns an `ApiDoc` listing its annotated handlers; this
//! file merges them and adds what is common to all (security schemes, the opaque 500).
//!
//! The HTML pages and static files are not described (they are not an API); the route-coverage
//! test (`tests/api/openapi.rs`) lists them by name, so a new route must be either described or
//! listed there. See docs/api.md, "OpenAPI document".

use std::sync::{Arc, LazyLock};

use axum::{
    http::{header, HeaderValue},
    response::{IntoResponse, Response},
};
use utoipa::{
    openapi::{
        security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme},
        ContentBuilder, OpenApi as Document, Ref, ResponseBuilder,
    },
    OpenApi,
};

use super::error::ErrorBody;

/// The document's skeleton: metadata, `/openapi.json` itself, the shared schemas.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "opending",
        description = "DingTalk-compatible authorization server and contact API. Error bodies are DingTalk's `{code, requestid, message[, accessdenieddetail]}`; every response carries `x-acs-request-id`. Operations tagged `emulator` exist only in emulator mode; those tagged `admin` only when an admin key is configured.",
        license(name = "Apache-2.0")
    ),
    paths(openapi_json),
    components(schemas(ErrorBody)),
    tags(
        (name = "oauth2", description = "App and user access tokens, introspection (docs/dingtalk/dingtalk-wire.md §4)"),
        (name = "contact", description = "The contact API, behind `x-acs-dingtalk-access-token`"),
        (name = "legacy", description = "DingTalk's legacy (oapi) paths: always HTTP 200, failures as `errcode`/`errmsg` (docs/dingtalk/dingtalk-wire-2.md §1)"),
        (name = "directory", description = "The org directory's legacy reads (`/topapi/…`, `/user/…`): always HTTP 200 (docs/dingtalk/dingtalk-wire-2.md §D)"),
        (name = "openauth", description = "The JSON API of the openAuth consent page"),
        (name = "admin", description = "The admin API (`Authorization: Bearer <admin key>`)"),
        (name = "emulator", description = "Emulator-only control API (`serve --emulator`)"),
        (name = "health", description = "Readiness"),
        (name = "meta", description = "This document"),
    )
)]
struct Skeleton;

/// This document.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "meta",
    operation_id = "openapi",
    security(()),
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json", body = serde_json::Value))
)]
pub async fn openapi_json() -> Response {
    static JSON: LazyLock<Arc<str>> = LazyLock::new(|| {
        document()
            .to_json()
            .expect("the OpenAPI document serializes")
            .into()
    });
    let mut resp = JSON.to_string().into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

/// The whole document: every module's `ApiDoc` merged, plus the security schemes and the 500
/// every operation can answer.
pub fn document() -> Document {
    let mut doc = Skeleton::openapi();
    doc.merge(super::oauth2::ApiDoc::openapi());
    doc.merge(super::contact::ApiDoc::openapi());
    doc.merge(super::legacy::ApiDoc::openapi());
    doc.merge(super::directory::ApiDoc::openapi());
    doc.merge(super::sns::ApiDoc::openapi());
    doc.merge(super::isv::ApiDoc::openapi());
    doc.merge(super::sso::ApiDoc::openapi());
    doc.merge(super::stream::ApiDoc::openapi());
    doc.merge(super::pages::openauth::ApiDoc::openapi());
    doc.merge(super::pages::dd::ApiDoc::openapi());
    doc.merge(super::admin::ApiDoc::openapi());
    doc.merge(super::emulator::ApiDoc::openapi());
    doc.merge(super::health::ApiDoc::openapi());

    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "appToken",
        SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
            super::extract::TOKEN_HEADER,
            "An app or user access token, the raw value (no `Bearer`)",
        ))),
    );
    components.add_security_scheme(
        "adminKey",
        SecurityScheme::Http(
            utoipa::openapi::security::HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some("The admin key (`--admin-key` / `admin_key`)"))
                .build(),
        ),
    );
    components.add_security_scheme(
        "clientBasic",
        SecurityScheme::Http(Http::new(HttpAuthScheme::Basic)),
    );
    components.add_security_scheme(
        "session",
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
            super::pages::SESSION_COOKIE,
            "The signed-in user's session (set by `/login`)",
        ))),
    );

    // Any operation can fail internally (storage outage, timeout): the path family's opaque 500.
    let internal = ResponseBuilder::new()
        .description(
            "`server.error` (`service.system.error` under `/v1.0/contact/`): an internal fault; the cause is only logged",
        )
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        )
        .build();
    for item in doc.paths.paths.values_mut() {
        for op in [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
            if op.tags.as_ref().is_some_and(|t| {
                t.iter()
                    .any(|t| t == "meta" || t == "health" || t == "legacy" || t == "directory")
            }) {
                continue;
            }
            op.responses
                .responses
                .entry("500".to_owned())
                .or_insert_with(|| internal.clone().into());
        }
    }
    doc
}
