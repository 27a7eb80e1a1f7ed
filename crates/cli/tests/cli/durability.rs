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
    let exit = server.terminate();
    assert!(exit.success(), "exit after SIGTERM: {exit:?}");
    // The database is closed: no write-ahead log is left beside it.
    let Backend::Sqlite(dir) = &backend else {
        unreachable!()
    };
    assert!(dir.path().join("opending.db").exists());
    assert!(
        !dir.path().join("opending.db-wal").exists(),
        "a WAL file was left behind"
    );
}

mod events {
    //! An event accepted by the server — raised, or delivered but not yet acknowledged —
    //! survives `kill -9` and is delivered after the restart.

    use opending_testkit::stream::{ack, connect, data_of, next_event_within};
    use serde_json::json;

    use crate::process::*;

    fn emulator(backend: &Backend) -> (std::process::Command, Vec<String>) {
        let mut args = super::serve_args(backend);
        args.push("--emulator".into());
        let mut cmd = bin();
        // A short ACK timeout, so the lease of a delivery cut off by the kill runs out quickly.
        cmd.env("OPENDING_EVENTS__ACK_TIMEOUT_MS", "1000");
        cmd.env("OPENDING_EVENTS__POLL_INTERVAL_MS", "100");
        (cmd, args)
    }

    fn dept(f: &serde_json::Value) -> i64 {
        data_of(f)["deptId"][0].as_i64().unwrap()
    }

    both_backends! {
        async fn events_survive_kill_dash_nine(backend: Backend) {
            let (cmd, args) = emulator(&backend);
            let first = Server::start(cmd, &args);
            for d in [11, 12, 13] {
                let (status, body) = post(&format!("{}/_opending/events", first.base),
                    json!({"eventType": "org_dept_create", "corpId": ACME, "data": {"deptId": [d]}}), None).await;
                assert_eq!(status, 201, "{body}");
            }
            // The first is delivered and never acknowledged: the kill cuts it off mid-delivery.
            let mut ws = connect(&first.base, DIR).await;
            let f = next_event_within(&mut ws, std::time::Duration::from_secs(30)).await;
            assert_eq!(dept(&f), 11);
            first.kill9();

            let (cmd, args) = emulator(&backend);
            let second = Server::start(cmd, &args);
            let mut ws = connect(&second.base, DIR).await;
            for d in [11, 12, 13] {
                let f = next_event_within(&mut ws, std::time::Duration::from_secs(30)).await;
                assert_eq!(dept(&f), d, "in order, none lost");
                ack(&mut ws, &f).await;
            }
        }
    }
}
