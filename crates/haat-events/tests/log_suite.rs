//! One suite for every event log engine (today PostgreSQL; NATS JetStream joins it with
//! its engine): per-store order, replay from any position, a consumer group shared by
//! two instances where one dies mid-batch without an event being lost, positions moved
//! only by an acknowledgement, lag, and the consumer runner end to end.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use haat_db::{Db, PoolSettings};
use haat_events::{
    run_consumer, ConsumerSettings, Event, EventLog, Handler, NatsEventLog, NatsSettings,
    PgEventLog, Subscription, Tail,
};
use uuid::Uuid;

/// Writes `updates` price changes over two stores' products, by SQL; returns the
/// number of captured product updates.
async fn write_changes(db: &Db, updates: usize) -> usize {
    let mut products = Vec::new();
    for _ in 0..2 {
        products.extend(
            haat_testkit::seed::store_with_products(db, 2)
                .await
                .products,
        );
    }
    for n in 0..updates {
        sqlx::query("UPDATE products SET price_minor = $2, version = version + 1 WHERE id = $1")
            .bind(products[n % products.len()])
            .bind(n as i64 + 2)
            .execute(db.pool())
            .await
            .unwrap();
    }
    updates
}

/// Per store, `store_seq` rises by one from event to event.
fn assert_store_order(events: &[Event]) {
    let mut last: HashMap<Uuid, i64> = HashMap::new();
    for event in events {
        if let Some(previous) = last.insert(event.store_id, event.store_seq) {
            assert_eq!(
                event.store_seq,
                previous + 1,
                "store order at {}",
                event.offset
            );
        }
    }
}

/// The suite. `relay` moves everything captured so far into `log`.
async fn check<L, R, F>(log: L, db: Db, relay: R)
where
    L: EventLog + Clone,
    R: Fn() -> F,
    F: Future<Output = ()>,
{
    let captured = write_changes(&db, 40).await;
    relay().await;

    // Replay: everything, in per-store order, and from any position.
    let all = log.replay(0, 10_000).await.unwrap();
    let updates = all.iter().filter(|e| e.op == "update").count();
    assert_eq!(updates, captured);
    assert_store_order(&all);
    assert!(all.iter().all(|e| e.v == haat_events::EVENT_VERSION));
    let from = all[10].offset;
    let tail = log.replay(from, 10_000).await.unwrap();
    assert_eq!(tail.first().map(|e| e.offset), Some(all[11].offset));
    assert_eq!(tail.len(), all.len() - 11);

    // Lag before anyone consumed.
    let lag = log.lag("suite").await.unwrap();
    assert_eq!(lag.events, all.len() as u64);
    assert!(lag.seconds >= 0.0);

    // Two instances of one group: while A holds a batch, B gets nothing; A dies without
    // acknowledging, and B receives the very same batch.
    let mut a = log.subscribe("suite").await.unwrap();
    let mut b = log.subscribe("suite").await.unwrap();
    let first = a.next_batch(5, Duration::from_secs(2)).await.unwrap();
    assert_eq!(first.len(), 5);
    assert_eq!(first[0].offset, all[0].offset);
    let nothing = b.next_batch(5, Duration::from_millis(300)).await.unwrap();
    assert!(nothing.is_empty(), "the turn is A's");
    drop(a);
    let again = b.next_batch(5, Duration::from_secs(5)).await.unwrap();
    assert_eq!(again, first, "A's unacknowledged batch goes to B");
    // A nack gives it back; only an ack moves the group on.
    b.nack().await.unwrap();
    let same = b.next_batch(5, Duration::from_secs(2)).await.unwrap();
    assert_eq!(same, first);
    b.ack().await.unwrap();
    let next = b.next_batch(5, Duration::from_secs(2)).await.unwrap();
    assert_eq!(next[0].offset, first[4].offset + 1);
    b.ack().await.unwrap();
    assert_eq!(
        log.lag("suite").await.unwrap().events,
        all.len() as u64 - 10
    );

    // The runner with two instances: every event handled, in per-store order, and the
    // group caught up.
    let seen = Arc::new(Mutex::new(Vec::new()));
    let stop = tokio_util_like::Stop::default();
    let settings = ConsumerSettings {
        batch: 7,
        wait: Duration::from_millis(200),
        ..ConsumerSettings::default()
    };
    let runners: Vec<_> = (0..2)
        .map(|_| {
            let log = log.clone();
            let handler = Collect(seen.clone());
            let settings = settings.clone();
            let stop = stop.clone();
            tokio::spawn(
                async move { run_consumer(log, "suite", handler, settings, stop.wait()).await },
            )
        })
        .collect();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while log.lag("suite").await.unwrap().events > 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "consumers did not catch up"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop.fire();
    for runner in runners {
        tokio::time::timeout(Duration::from_secs(10), runner)
            .await
            .expect("a runner stops when asked")
            .unwrap();
    }
    let seen = seen.lock().unwrap().clone();
    let mut offsets: Vec<u64> = seen.iter().map(|e| e.offset).collect();
    offsets.dedup();
    let expected: Vec<u64> = all[10..].iter().map(|e| e.offset).collect();
    assert_eq!(offsets, expected, "every remaining event, in order");
    assert_store_order(&seen);
    assert_eq!(log.lag("suite").await.unwrap().events, 0);

    // Following: from the head, only what is appended later, in order; from a position,
    // everything after it.
    let mut head = log.follow(None).await.unwrap();
    assert_eq!(head.position(), all.last().unwrap().offset);
    let mut from = log.follow(Some(all[20].offset)).await.unwrap();
    assert!(head
        .next_batch(10, Duration::from_millis(200))
        .await
        .unwrap()
        .is_empty());
    let more = write_changes(&db, 12).await;
    relay().await;
    let mut followed = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while followed.len() < more + 6 {
        assert!(tokio::time::Instant::now() < deadline, "follow fell short");
        followed.extend(head.next_batch(5, Duration::from_secs(1)).await.unwrap());
    }
    let appended = log
        .replay(all.last().unwrap().offset, 10_000)
        .await
        .unwrap();
    assert_eq!(
        followed, appended,
        "exactly the appended events, in log order"
    );
    assert_eq!(head.position(), appended.last().unwrap().offset);
    let mut caught_up = Vec::new();
    while caught_up.len() < all.len() - 21 + appended.len() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "follow from a position fell short"
        );
        caught_up.extend(from.next_batch(50, Duration::from_secs(1)).await.unwrap());
    }
    assert_eq!(caught_up.first().map(|e| e.offset), Some(all[21].offset));
    assert_store_order(&caught_up);
}

struct Collect(Arc<Mutex<Vec<Event>>>);

impl Handler for Collect {
    async fn handle(&self, events: &[Event]) -> Result<(), String> {
        self.0.lock().unwrap().extend_from_slice(events);
        Ok(())
    }
}

/// A tiny shutdown signal for the runners (avoids a dependency for tests).
mod tokio_util_like {
    use std::sync::Arc;

    use tokio::sync::watch;

    #[derive(Clone)]
    pub struct Stop(Arc<watch::Sender<bool>>);

    impl Default for Stop {
        fn default() -> Self {
            Stop(Arc::new(watch::channel(false).0))
        }
    }

    impl Stop {
        pub fn fire(&self) {
            let _ = self.0.send(true);
        }

        pub fn wait(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
            let mut receiver = self.0.subscribe();
            async move {
                let _ = receiver.wait_for(|stopped| *stopped).await;
            }
        }
    }
}

#[tokio::test]
async fn postgresql() {
    let url = haat_testkit::fresh_database().await;
    let db = Db::connect_lazy(&url, &PoolSettings::default()).unwrap();
    let log = PgEventLog::new(db.clone());
    let relay_db = db.clone();
    check(log, db, move || {
        let db = relay_db.clone();
        async move { while db.relay_to_log(1000).await.unwrap().moved > 0 {} }
    })
    .await;
}

#[tokio::test]
async fn nats_jetstream() {
    let nats = haat_testkit::nats::start_nats().await;
    let url = haat_testkit::fresh_database().await;
    let db = Db::connect_lazy(&url, &PoolSettings::default()).unwrap();
    let settings = NatsSettings {
        ack_wait: Duration::from_secs(2),
        window: 5,
        ..NatsSettings::default()
    };
    let log = NatsEventLog::connect(&nats.url, settings).await.unwrap();
    let relay_log = log.clone();
    let relay_db = db.clone();
    check(log, db, move || {
        let log = relay_log.clone();
        let db = relay_db.clone();
        async move { while log.relay(&db, 1000).await.unwrap() > 0 {} }
    })
    .await;
}
