//! One service per data folder: a second `aniworld` on the same folder exits at once, non-zero,
//! naming the folder and the PID of the one that holds it, and leaves the database alone while
//! the first keeps serving.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::{client, send, start_binary, test_config, write_config};

#[actix_web::test]
async fn a_second_service_on_the_same_data_folder_exits_naming_the_holder() {
    let data = tempfile::tempdir().unwrap();
    let cwd = tempfile::tempdir().unwrap();
    write_config(data.path(), &test_config());
    let first = start_binary(data.path(), cwd.path(), &[]);
    let db = data.path().join("aniworld.db");
    let db_before = std::fs::metadata(&db).unwrap().modified().unwrap();

    let started = Instant::now();
    let mut second = Command::new(env!("CARGO_BIN_EXE_aniworld"))
        .args(["serve", "--port", "0", "--data-dir"])
        .arg(data.path())
        .current_dir(cwd.path())
        .env_remove("ANIWORLD_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary starts");
    let status = loop {
        if let Some(s) = second.try_wait().unwrap() {
            break s;
        }
        if started.elapsed() > Duration::from_secs(20) {
            let _ = second.kill();
            panic!("the second service did not exit");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let output = second.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !status.success(),
        "exit status {status:?}; stderr: {stderr}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    let folder = data.path().display().to_string();
    assert!(stderr.contains(&folder), "{stderr}");
    assert!(
        stderr.contains(&format!("PID {}", first.child.id())),
        "{stderr}"
    );
    assert!(!stderr.contains("listening on"), "{stderr}");
    assert_eq!(
        std::fs::metadata(&db).unwrap().modified().unwrap(),
        db_before,
        "the database was touched"
    );

    // The first one keeps serving, and stops cleanly.
    let r = send(
        &client(),
        &first.address,
        actix_web::http::Method::GET,
        "/api/auth/status",
        None,
        None,
        &[],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    first.stop();
    // Once it is gone, the folder is free again.
    let again = start_binary(data.path(), cwd.path(), &[]);
    again.stop();
}
