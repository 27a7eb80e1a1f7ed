//! A small local HTTP stub for what opending cannot produce on purpose.

use std::{
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

use axum::{
    body::Bytes,
    http::{HeaderMap, Method, StatusCode, Uri},
    response::{IntoResponse, Response},
    Router,
};
use opending_client::Client;
use serde_json::{json, Value};

use crate::helpers::client_for;

/// What the stub answers.
#[derive(Clone)]
pub enum Reply {
    Json(u16, Value),
    Html(u16, &'static str),
    Slow(Duration, Value),
    /// A redirect with this status to this location.
    Redirect(u16, String),
}

pub fn token(value: &str, expires_in: i64) -> Reply {
    Reply::Json(
        200,
        json!({"access_token": value, "expires_in": expires_in}),
    )
}

/// A request as the stub saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: Method,
    pub uri: Uri,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// An HTTP stub answering the n-th request with `script(n)`.
pub struct Stub {
    pub base: String,
    pub hits: Arc<AtomicUsize>,
    pub seen: Arc<Mutex<Vec<Seen>>>,
}

impl Stub {
    pub async fn start(script: impl Fn(usize) -> Reply + Send + Sync + 'static) -> Self {
        let hits = Arc::new(AtomicUsize::new(0));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(script);
        let (h, s) = (hits.clone(), seen.clone());
        let app = Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let (h, s, script) = (h.clone(), s.clone(), script.clone());
                async move {
                    let n = h.fetch_add(1, Ordering::SeqCst);
                    s.lock().unwrap().push(Seen {
                        method,
                        uri,
                        headers,
                        body,
                    });
                    answer(script(n)).await
                }
            },
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { base, hits, seen }
    }

    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    pub fn client(&self) -> Client {
        client_for(&self.base)
    }
}

async fn answer(reply: Reply) -> Response {
    let status = |s: u16| StatusCode::from_u16(s).unwrap();
    match reply {
        Reply::Json(s, body) => (
            status(s),
            [("x-acs-request-id", "HEADER-REQUEST-ID")],
            axum::Json(body),
        )
            .into_response(),
        Reply::Html(s, body) => (status(s), [("content-type", "text/html")], body).into_response(),
        Reply::Redirect(s, to) => (status(s), [("location", to)]).into_response(),
        Reply::Slow(wait, body) => {
            tokio::time::sleep(wait).await;
            axum::Json(body).into_response()
        }
    }
}
