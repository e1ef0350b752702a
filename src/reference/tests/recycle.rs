//! The server's life: recycling the mocks keeps state, shutdown frees the port, start-up
//! errors are values.

use std::time::Duration;

use serde_json::json;

use super::support::*;
use crate::profile::{AccountName, CodeSource, reference_profile};
use crate::reference::{Api, ReferenceError, ServeOptions, serve};

#[tokio::test]
async fn recycled_server_keeps_answering_and_keeps_its_keys() {
    let options = ServeOptions {
        recycle_after: Some(5),
        ..ServeOptions::default()
    };
    let server = serve(Api::Txty, &reference_profile(), options)
        .await
        .unwrap();
    let base = server.base_url();
    let login = || {
        client()
            .post(format!("{base}/user/newapikey/login.json"))
            .form(&[
                ("user", "alice"),
                ("pass", ALICE_PASSWORD),
                ("description", "t"),
            ])
    };
    let key = send(login()).await.json()["newapikey"]["key"]
        .as_str()
        .unwrap()
        .to_string();
    for _ in 0..7 {
        assert_eq!(send(login()).await.json()["success"], "ADDED_KEY");
    }
    // The recycler waits for 50 ms of quiet; allow a slow machine plenty of time.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while server.recycles() == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no recycle after 8 requests"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let view = client()
        .get(format!("{base}/view/user/api.json"))
        .query(&[("user", "alice"), ("key", key.as_str())]);
    let answer = send(view).await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.json()["user"],
        json!({"controluser": 0, "username": "alice", "status": 10})
    );
    let again = send(login()).await.json();
    assert_eq!(
        again["newapikey"]["controlapikey"], 9,
        "the id counter survived too"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn without_recycling_nothing_is_remounted() {
    let server = serve(Api::Payroll, &reference_profile(), ServeOptions::default())
        .await
        .unwrap();
    for _ in 0..3 {
        send(client().get(format!("{}/login", server.base_url()))).await;
    }
    assert_eq!(server.recycles(), 0);
    server.shutdown().await;
}

#[tokio::test]
async fn shutdown_frees_the_port_and_unknown_paths_are_404() {
    let server = serve(
        Api::Coldstream,
        &reference_profile(),
        ServeOptions::default(),
    )
    .await
    .unwrap();
    let address = server.address();
    assert_eq!(server.base_url(), format!("http://{address}"));
    assert!(server.base_url().starts_with("http://127.0.0.1:"));
    let unknown = send(client().get(format!("{}/nope", server.base_url()))).await;
    assert_eq!(unknown.status, 404);
    let wrong_method = send(client().get(format!("{}/account/login", server.base_url()))).await;
    assert_eq!(wrong_method.status, 404);
    server.shutdown().await;
    assert!(tokio::net::TcpStream::connect(address).await.is_err());
    // The port can be taken again at once.
    let options = ServeOptions {
        bind: address,
        ..ServeOptions::default()
    };
    let again = serve(Api::Coldstream, &reference_profile(), options)
        .await
        .unwrap();
    assert_eq!(again.address(), address);
    again.shutdown().await;
}

#[tokio::test]
async fn start_up_errors_are_values() {
    let holder = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = holder.local_addr().unwrap();
    let options = ServeOptions {
        bind: taken,
        ..ServeOptions::default()
    };
    let err = serve(Api::Txty, &reference_profile(), options)
        .await
        .unwrap_err();
    assert!(matches!(err, ReferenceError::Bind { addr, .. } if addr == taken));
    assert!(
        err.to_string()
            .starts_with(&format!("cannot listen on {taken}: ")),
        "{err}"
    );

    let mut profile = reference_profile();
    profile
        .accounts
        .get_mut(&AccountName::TWO_FACTOR)
        .unwrap()
        .code = Some(CodeSource::Command("cat code.txt".into()));
    let err = serve(Api::Txty, &profile, ServeOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ReferenceError::UnusableAccount {
                role: "two_factor",
                ..
            }
        ),
        "{err}"
    );
}
