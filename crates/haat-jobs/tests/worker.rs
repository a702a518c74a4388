//! The job worker against a real PostgreSQL: transactional enqueueing, retries and
//! parking, two workers sharing a queue, a worker that dies holding a job, SMS delivery
//! through the file outbox and a fake webhook provider, and graceful shutdown.
//!
//! Waits are bounded (10 s deadlines, polled); nothing asserts on timings.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use futures::future::BoxFuture;
use haat_db::{ClaimedJob, Db, JobRecord, NewJob, PoolSettings};
use haat_domain::Phone;
use haat_jobs::{
    sms_job, JobError, JobHandler, Registry, SmsJob, Worker, WorkerSettings, SMS_JOB_KIND,
};
use haat_sms::{SmsProviderKind, SmsSender, SmsSettings};
use serde_json::json;
use tokio::sync::{oneshot, Semaphore};
use tokio::task::JoinHandle;
use uuid::Uuid;

const DEADLINE: Duration = Duration::from_secs(10);
const SELLER_PHONE: &str = "+919812345678";

async fn db() -> Db {
    let url = haat_testkit::fresh_database().await;
    connect(&url)
}

fn connect(url: &str) -> Db {
    let settings = PoolSettings {
        max_connections: 12,
        ..PoolSettings::default()
    };
    Db::connect_lazy(url, &settings).unwrap()
}

/// Fast retries and polls so the suite runs quickly; correctness never depends on them.
fn settings() -> WorkerSettings {
    WorkerSettings {
        concurrency: 4,
        lease: Duration::from_secs(5),
        poll_interval: Duration::from_millis(50),
        backoff_base: Duration::from_millis(10),
        backoff_max: Duration::from_millis(50),
        shutdown_timeout: DEADLINE,
    }
}

/// Handler invocations per job id.
type Calls = Arc<Mutex<HashMap<Uuid, u32>>>;

fn calls_for(calls: &Calls, id: Uuid) -> u32 {
    calls.lock().unwrap().get(&id).copied().unwrap_or(0)
}

/// Kind `"scripted"`: fails its first `fail_times` attempts (payload), or fails
/// permanently when the payload says `"permanent": true`; counts every invocation.
struct Scripted {
    calls: Calls,
}

impl JobHandler for Scripted {
    fn kind(&self) -> &'static str {
        "scripted"
    }

    fn run<'a>(&'a self, job: &'a ClaimedJob) -> BoxFuture<'a, Result<(), JobError>> {
        Box::pin(async move {
            *self.calls.lock().unwrap().entry(job.id).or_default() += 1;
            if job.payload["permanent"] == true {
                return Err(JobError::Permanent("bad input".into()));
            }
            let fail_times = job.payload["fail_times"].as_i64().unwrap_or(0);
            if i64::from(job.attempts) <= fail_times {
                return Err(JobError::Retry(format!("flaky attempt {}", job.attempts)));
            }
            Ok(())
        })
    }
}

fn scripted(payload: serde_json::Value) -> NewJob {
    NewJob::new("scripted", payload)
}

struct RunningWorker {
    stop: oneshot::Sender<()>,
    handle: JoinHandle<()>,
}

fn start(db: &Db, handlers: Registry, settings: WorkerSettings) -> RunningWorker {
    let (stop, stopped) = oneshot::channel::<()>();
    let worker = Worker::new(db.clone(), handlers, settings);
    let handle = tokio::spawn(worker.run(async {
        let _ = stopped.await;
    }));
    RunningWorker { stop, handle }
}

impl RunningWorker {
    async fn stop(self) {
        let _ = self.stop.send(());
        tokio::time::timeout(DEADLINE, self.handle)
            .await
            .expect("the worker stops in time")
            .expect("the worker task does not panic");
    }
}

async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + DEADLINE;
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn settled(db: &Db, id: Uuid) -> bool {
    let job = db.job(id).await.unwrap();
    job.done_at.is_some() || job.failed_at.is_some()
}

async fn wait_settled(db: &Db, ids: &[Uuid]) -> Vec<JobRecord> {
    for &id in ids {
        eventually("a job to finish", || settled(db, id)).await;
    }
    let mut records = Vec::new();
    for &id in ids {
        records.push(db.job(id).await.unwrap());
    }
    records
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_job_exists_only_if_its_transaction_commits() {
    let db = db().await;
    let calls = Calls::default();
    // Polling is effectively off: the committed job must be announced by NOTIFY.
    let worker = start(
        &db,
        Registry::new().register(Scripted {
            calls: calls.clone(),
        }),
        WorkerSettings {
            poll_interval: Duration::from_secs(3600),
            ..settings()
        },
    );

    let mut listener = db.job_listener().await.unwrap();
    let mut rolled_back = db.pool().begin().await.unwrap();
    let lost = haat_db::enqueue_job_in(&mut rolled_back, &scripted(json!({})))
        .await
        .unwrap();
    rolled_back.rollback().await.unwrap();
    let mut committed = db.pool().begin().await.unwrap();
    let kept = haat_db::enqueue_job_in(&mut committed, &scripted(json!({})))
        .await
        .unwrap();
    committed.commit().await.unwrap();
    // The commit announced the job (the rollback announced nothing, but absence cannot
    // be waited for).
    let signal = tokio::time::timeout(DEADLINE, listener.wait())
        .await
        .expect("the commit is announced")
        .unwrap();
    assert_eq!(signal, haat_db::JobSignal::Enqueued);

    let records = wait_settled(&db, &[kept]).await;
    worker.stop().await;
    assert!(records[0].done_at.is_some());
    assert_eq!(records[0].attempts, 1);
    assert_eq!(calls_for(&calls, kept), 1);
    assert_eq!(calls_for(&calls, lost), 0);
    assert!(matches!(
        db.job(lost).await,
        Err(haat_db::DbError::NotFound)
    ));
}

/// One case: what a job does, its attempt budget, and how it must end.
struct Case {
    job: NewJob,
    attempts: i32,
    done: bool,
    last_error: Option<&'static str>,
}

fn case(
    kind: &'static str,
    payload: serde_json::Value,
    max_attempts: i32,
    attempts: i32,
    done: bool,
    last_error: Option<&'static str>,
) -> Case {
    Case {
        job: NewJob {
            max_attempts,
            ..NewJob::new(kind, payload)
        },
        attempts,
        done,
        last_error,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn retries_backoff_and_parking() {
    let cases = [
        // Succeeds at once.
        case("scripted", json!({}), 8, 1, true, None),
        // Fails twice, then succeeds on the third attempt.
        case(
            "scripted",
            json!({"fail_times": 2}),
            8,
            3,
            true,
            Some("flaky attempt 2"),
        ),
        // A permanent error parks it at once, attempts left or not.
        case(
            "scripted",
            json!({"permanent": true}),
            8,
            1,
            false,
            Some("bad input"),
        ),
        // Out of attempts: parked with failed_at.
        case(
            "scripted",
            json!({"fail_times": 99}),
            3,
            3,
            false,
            Some("flaky attempt 3"),
        ),
        // No handler for the kind: retried (a newer worker may know it), then parked.
        case(
            "mystery",
            json!({}),
            2,
            2,
            false,
            Some("no handler for this job kind"),
        ),
    ];
    let db = db().await;
    let calls = Calls::default();
    let mut ids = Vec::new();
    for case in &cases {
        ids.push(db.enqueue_job(&case.job).await.unwrap());
    }
    let worker = start(
        &db,
        Registry::new().register(Scripted {
            calls: calls.clone(),
        }),
        settings(),
    );
    let records = wait_settled(&db, &ids).await;
    worker.stop().await;

    for ((case, record), id) in cases.iter().zip(&records).zip(&ids) {
        let what = format!("{:?}", case.job);
        assert_eq!(record.attempts, case.attempts, "{what}");
        assert_eq!(record.done_at.is_some(), case.done, "{what}");
        assert_eq!(record.failed_at.is_some(), !case.done, "{what}");
        assert_eq!(record.last_error.as_deref(), case.last_error, "{what}");
        assert_eq!(record.locked_until, None, "{what}");
        let expected_calls = if case.job.kind == "scripted" {
            case.attempts as u32
        } else {
            0
        };
        assert_eq!(calls_for(&calls, *id), expected_calls, "{what}");
    }
    let counts = db.job_counts().await.unwrap();
    assert_eq!((counts.due, counts.running, counts.failed), (0, 0, 3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_workers_run_each_of_100_jobs_exactly_once() {
    let url = haat_testkit::fresh_database().await;
    let (first_db, second_db) = (connect(&url), connect(&url));
    let mut ids = Vec::new();
    for _ in 0..100 {
        ids.push(first_db.enqueue_job(&scripted(json!({}))).await.unwrap());
    }
    let calls = Calls::default();
    let workers = [&first_db, &second_db].map(|db| {
        let handlers = Registry::new().register(Scripted {
            calls: calls.clone(),
        });
        start(db, handlers, settings())
    });

    let records = wait_settled(&first_db, &ids).await;
    for worker in workers {
        worker.stop().await;
    }
    for (record, id) in records.iter().zip(&ids) {
        assert!(record.done_at.is_some());
        assert_eq!(record.attempts, 1);
        assert_eq!(calls_for(&calls, *id), 1);
    }
    assert_eq!(calls.lock().unwrap().len(), 100);
}

/// A fake SMS provider: records each request's body `id` and `Idempotency-Key` header.
async fn fake_provider() -> (String, Arc<Mutex<Vec<(String, String)>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let app = Router::new().route(
        "/sms",
        post(move |headers: HeaderMap, body: Bytes| {
            let record = record.clone();
            async move {
                let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
                let key = headers
                    .get("idempotency-key")
                    .and_then(|value| value.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                let id = json["id"].as_str().unwrap_or_default().to_owned();
                record.lock().unwrap().push((id, key));
                StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/sms"), seen)
}

fn sms_sender(
    provider: SmsProviderKind,
    outbox: std::path::PathBuf,
    url: Option<String>,
) -> SmsSender {
    SmsSender::from_settings(&SmsSettings {
        provider,
        outbox,
        webhook_url: url,
        webhook_secret: Some("s3cret".into()),
        timeout: Duration::from_secs(2),
        attempts: 1,
        production: false,
    })
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_job_whose_worker_died_runs_again_with_the_same_sms_id() {
    let db = db().await;
    let (url, seen) = fake_provider().await;
    let sender = sms_sender(SmsProviderKind::Webhook, "unused.jsonl".into(), Some(url));
    let phone = Phone::parse(SELLER_PHONE).unwrap();
    let id = db
        .enqueue_job(&sms_job(&phone, "Haat: new order #1001"))
        .await
        .unwrap();

    // A worker claims the job with a short lease, sends the SMS, and dies before it can
    // mark the job done.
    let claimed = db.claim_jobs(Duration::from_secs(1), 10).await.unwrap();
    assert_eq!(claimed.len(), 1);
    SmsJob::new(sender.clone()).run(&claimed[0]).await.unwrap();
    assert!(db
        .claim_jobs(Duration::from_secs(1), 10)
        .await
        .unwrap()
        .is_empty());

    // Once the lease expires, another worker runs it again.
    let worker = start(
        &db,
        Registry::new().register(SmsJob::new(sender)),
        settings(),
    );
    let records = wait_settled(&db, &[id]).await;
    worker.stop().await;
    assert!(records[0].done_at.is_some());
    assert_eq!(records[0].attempts, 2);
    let seen = seen.lock().unwrap().clone();
    let expected = (id.to_string(), id.to_string());
    assert_eq!(seen, vec![expected.clone(), expected]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_file_provider_writes_the_job_id_into_the_outbox() {
    let db = db().await;
    let dir = tempfile::tempdir().unwrap();
    let outbox = dir.path().join("sms-outbox.jsonl");
    let sender = sms_sender(SmsProviderKind::File, outbox.clone(), None);
    let phone = Phone::parse(SELLER_PHONE).unwrap();
    let id = db
        .enqueue_job(&sms_job(&phone, "Haat: new order #1001"))
        .await
        .unwrap();
    let worker = start(
        &db,
        Registry::new().register(SmsJob::new(sender)),
        settings(),
    );
    let records = wait_settled(&db, &[id]).await;
    worker.stop().await;

    assert!(records[0].done_at.is_some());
    let text = std::fs::read_to_string(&outbox).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["id"], id.to_string());
    assert_eq!(lines[0]["to"], SELLER_PHONE);
    assert_eq!(lines[0]["text"], "Haat: new order #1001");
    assert_eq!(lines[0].get("otp"), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn malformed_sms_payloads_fail_permanently_without_echoing_them() {
    let db = db().await;
    let dir = tempfile::tempdir().unwrap();
    let sender = sms_sender(SmsProviderKind::File, dir.path().join("outbox.jsonl"), None);
    let bad_phone = NewJob::new(SMS_JOB_KIND, json!({"to": "12", "text": "secret text"}));
    let no_text = NewJob::new(SMS_JOB_KIND, json!({"to": SELLER_PHONE}));
    let ids = [
        db.enqueue_job(&bad_phone).await.unwrap(),
        db.enqueue_job(&no_text).await.unwrap(),
    ];
    let worker = start(
        &db,
        Registry::new().register(SmsJob::new(sender)),
        settings(),
    );
    let records = wait_settled(&db, &ids).await;
    worker.stop().await;
    for record in records {
        assert!(record.failed_at.is_some());
        assert_eq!(record.attempts, 1);
        let error = record.last_error.unwrap();
        assert!(
            !error.contains("secret") && !error.contains("9812345678"),
            "{error}"
        );
    }
    assert!(!dir.path().join("outbox.jsonl").exists());
}

#[test]
fn job_debug_output_leaves_the_payload_out() {
    let job = sms_job(&Phone::parse(SELLER_PHONE).unwrap(), "secret text");
    let printed = format!("{job:?}");
    assert!(printed.contains("sms"), "{printed}");
    assert!(
        !printed.contains("9812345678") && !printed.contains("secret"),
        "{printed}"
    );
}

/// Kind `"slow"`: reports that it started, then waits for the test to release it.
struct Slow {
    started: tokio::sync::mpsc::UnboundedSender<Uuid>,
    release: Arc<Semaphore>,
    calls: Calls,
}

impl JobHandler for Slow {
    fn kind(&self) -> &'static str {
        "slow"
    }

    fn run<'a>(&'a self, job: &'a ClaimedJob) -> BoxFuture<'a, Result<(), JobError>> {
        Box::pin(async move {
            *self.calls.lock().unwrap().entry(job.id).or_default() += 1;
            let _ = self.started.send(job.id);
            let _permit = self.release.acquire().await.unwrap();
            Ok(())
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn shutdown_stops_claiming_and_lets_the_running_job_finish() {
    let db = db().await;
    let first = db
        .enqueue_job(&NewJob::new("slow", json!({})))
        .await
        .unwrap();
    let second = db
        .enqueue_job(&NewJob::new("slow", json!({})))
        .await
        .unwrap();
    let (started_tx, mut started) = tokio::sync::mpsc::unbounded_channel();
    let release = Arc::new(Semaphore::new(0));
    let calls = Calls::default();
    let handlers = Registry::new().register(Slow {
        started: started_tx,
        release: release.clone(),
        calls: calls.clone(),
    });
    let worker = start(
        &db,
        handlers,
        WorkerSettings {
            concurrency: 1,
            ..settings()
        },
    );

    let running = tokio::time::timeout(DEADLINE, started.recv())
        .await
        .expect("the first job starts")
        .unwrap();
    assert_eq!(running, first);
    // Shut down while the job runs, then let it finish: `run` returns only after it.
    let _ = worker.stop.send(());
    release.add_permits(1);
    tokio::time::timeout(DEADLINE, worker.handle)
        .await
        .expect("the worker stops in time")
        .unwrap();

    let first_record = db.job(first).await.unwrap();
    assert!(first_record.done_at.is_some());
    let second_record = db.job(second).await.unwrap();
    assert_eq!(second_record.attempts, 0);
    assert_eq!(second_record.done_at, None);
    assert_eq!(calls_for(&calls, second), 0);
}
