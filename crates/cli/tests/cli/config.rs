//! Configuration precedence: flags win over OPENDING_* variables, which win over the file.

use crate::process::*;

async fn ttl_of(server: &Server) -> i64 {
    let (status, body) = app_token(&server.base, ACME, HR).await;
    assert_eq!(status, 200, "{body}");
    body["expires_in"].as_i64().unwrap()
}

#[tokio::test]
async fn flags_beat_env_beat_file() {
    let backend = Backend::sqlite();
    let dir = tempdir::Dir::new();
    let file = dir.path().join("opending.toml");
    std::fs::write(&file, "app_token_ttl = 100\nlog_format = \"json\"\n").unwrap();
    let mut args = storage_args(&backend);
    args.extend([
        "--seed".into(),
        world_seed().display().to_string(),
        "--config".into(),
        file.display().to_string(),
    ]);

    let from_file = Server::start(bin(), &args);
    assert_eq!(ttl_of(&from_file).await, 100);
    drop(from_file);

    let mut cmd = bin();
    cmd.env("OPENDING_APP_TOKEN_TTL", "200");
    let from_env = Server::start(cmd, &args);
    // The token from the previous run is still live: its expiry is renewed to the new lifetime.
    assert_eq!(ttl_of(&from_env).await, 200);
    drop(from_env);

    let mut cmd = bin();
    cmd.env("OPENDING_APP_TOKEN_TTL", "200");
    let mut flagged = args.clone();
    flagged.extend(["--app-token-ttl".into(), "300".into()]);
    let from_flag = Server::start(cmd, &flagged);
    assert_eq!(ttl_of(&from_flag).await, 300);
}

#[test]
fn bad_configuration_is_refused_with_a_reason() {
    let dir = tempdir::Dir::new();
    let file = dir.path().join("bad.toml");
    std::fs::write(&file, "listen_port = 1\n").unwrap();
    let out = bin()
        .args(["serve", "--config", &file.display().to_string()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("listen_port"), "{err}");

    let out = bin()
        .args(["serve", "--app-token-ttl", "0", "--memory"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("app_token_ttl"));

    // A database set up with one hash key refuses to start with another.
    let backend = Backend::sqlite();
    let ok = bin()
        .arg("admin")
        .args(storage_args(&backend))
        .args(["org", "list"])
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let Backend::Sqlite(d) = &backend else {
        unreachable!()
    };
    let other = bin()
        .args([
            "admin",
            "--data-dir",
            &d.path().display().to_string(),
            "--hash-key",
            &"02".repeat(32),
            "org",
            "list",
        ])
        .output()
        .unwrap();
    assert!(!other.status.success());
    assert!(String::from_utf8_lossy(&other.stderr).contains("hash key"));
}
