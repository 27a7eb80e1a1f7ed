//! A token handed to a caller survives `kill -9` of the server, with the expiry it was given.
//! SIGTERM lets the server finish and exit cleanly.

use crate::process::*;

fn serve_args(backend: &Backend) -> Vec<String> {
    let mut args = storage_args(backend);
    args.extend([
        "--seed".into(),
        world_seed().display().to_string(),
        "--admin-key".into(),
        ADMIN_KEY.into(),
    ]);
    args
}

both_backends! {
    async fn tokens_survive_kill_dash_nine(backend: Backend) {
        let args = serve_args(&backend);
        let first = Server::start(bin(), &args);
        let mut issued = Vec::new();
        for (corp, client) in [(ACME, HR), (GLOBEX, TRAVEL), (GLOBEX, OPS)] {
            let (status, body) = app_token(&first.base, corp, client).await;
            assert_eq!(status, 200, "{body}");
            let token = body["access_token"].as_str().unwrap().to_owned();
            let exp = introspect(&first.base, &token).await["exp"].as_i64().unwrap();
            issued.push((corp, client, token, exp));
        }
        first.kill9();

        let second = Server::start(bin(), &args);
        for (corp, client, token, exp) in &issued {
            let i = introspect(&second.base, token).await;
            assert_eq!(i["active"], true, "{token} after kill -9: {i}");
            assert_eq!(i["exp"].as_i64(), Some(*exp), "expiry kept");
            // And the restarted server hands the same live token out again.
            let (_, body) = app_token(&second.base, corp, *client).await;
            assert_eq!(body["access_token"].as_str(), Some(token.as_str()));
        }
    }
}

#[cfg(unix)]
#[test]
fn sigterm_shuts_down_cleanly() {
    let backend = Backend::sqlite();
    let mut server = Server::start(bin(), &storage_args(&backend));
    let pid = server.child.id().to_string();
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = server.child.wait().unwrap();
    assert!(exit.success(), "exit after SIGTERM: {exit:?}");
}
