//! The Stream client and the callback receiver against a real opending server: events raised
//! through the emulator arrive typed, `Later` gets the event sent again, `Success` ends it.

use std::sync::{Arc, Mutex};

use opending_client::{
    emulator::EmulatorClient,
    stream::{Event, EventAck, EventPayload, StreamClient},
};

use crate::helpers::*;

async fn state_of(emu: &EmulatorClient, id: &str) -> serde_json::Value {
    for _ in 0..300 {
        let events = emu.events(Some(DIR.0)).await.unwrap();
        if let Some(e) = events
            .iter()
            .find(|e| e["eventId"] == id && e["state"] == "acked")
        {
            return e.clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("event {id} never acknowledged");
}

both_backends! {
    async fn the_stream_client_receives_typed_events_and_acks_them(backend: Backend) {
        let server = TestServer::spawn_with(backend, |c| {
            c.emulator.enabled = true;
            c.events.retry_base_ms = 50;
            c.events.poll_interval_ms = 50;
        }).await;
        let client = server.client();
        let emu = EmulatorClient::new(client.clone());
        let seen: Arc<Mutex<Vec<Event>>> = Arc::default();
        let stream = StreamClient::new(client, creds(DIR));
        let log = seen.clone();
        let running = tokio::spawn(async move {
            stream
                .run(move |e: Event| {
                    let log = log.clone();
                    async move {
                        let mut log = log.lock().unwrap();
                        log.push(e);
                        // The first delivery is put off; its redelivery is taken.
                        if log.len() == 1 { EventAck::Later } else { EventAck::Success }
                    }
                })
                .await
        });
        let raised = emu
            .raise_event("org_dept_create", Some(ACME), None, Some(serde_json::json!({"deptId": [808]})))
            .await
            .unwrap();
        let id = raised[0]["eventId"].as_str().unwrap().to_owned();
        let done = state_of(&emu, &id).await;
        assert_eq!(done["attempts"], 2);
        running.abort();
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 2);
        assert_eq!(seen[0].message_id, seen[1].message_id);
        assert_eq!(seen[0].corp_id, ACME);
        match seen[1].payload() {
            EventPayload::Department(d) => assert_eq!(d.dept_id, [808]),
            other => panic!("{other:?}"),
        }
    }
}
