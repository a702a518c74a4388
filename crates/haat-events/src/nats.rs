//! The NATS JetStream engine (`HAAT_EVENT_LOG=nats://…`): one stream with file storage,
//! a subject per store (`haat.events.<store id>`), the stream sequence as the offset.
//!
//! The relay publishes a leased outbox batch with `Nats-Msg-Id` = the event id and
//! awaits every acknowledgement before deleting the rows; a relay that dies in between
//! publishes them again and JetStream's duplicate window drops the copies, so offsets
//! stay gap-free and no event is stored twice.
//!
//! A consumer group is a durable pull consumer with explicit acknowledgement of the
//! whole batch (`AckPolicy::All` on its last message), `max_ack_pending` equal to the
//! batch window and one waiting pull request at a time: while one instance holds a
//! batch, the others get nothing, so a group processes in order; a batch an instance never acknowledges is redelivered after
//! `ack_wait`, a refused one (`nack`) at once.

use std::time::Duration;

use async_nats::jetstream::{self, consumer, stream, AckKind};
use bytes::Bytes;
use futures::StreamExt;
use haat_db::Db;

use crate::{Event, EventLog, EventLogError, Lag, Result, Subscription, Tail, EVENT_VERSION};

#[derive(Clone, Debug)]
pub struct NatsSettings {
    pub stream: String,
    /// A batch not acknowledged within this is delivered again.
    pub ack_wait: Duration,
    /// Events one instance of a group may hold unacknowledged (its batch size).
    pub window: i64,
    /// Events older than this are dropped from the stream.
    pub max_age: Duration,
    /// How long JetStream remembers event ids to drop re-published copies.
    pub duplicate_window: Duration,
}

impl Default for NatsSettings {
    fn default() -> Self {
        NatsSettings {
            stream: "HAAT_EVENTS".to_owned(),
            ack_wait: Duration::from_secs(30),
            window: 500,
            max_age: Duration::from_secs(7 * 24 * 3600),
            duplicate_window: Duration::from_secs(10 * 60),
        }
    }
}

fn engine(error: impl std::fmt::Display) -> EventLogError {
    EventLogError::Engine(error.to_string())
}

#[derive(Clone, Debug)]
pub struct NatsEventLog {
    client: async_nats::Client,
    jetstream: jetstream::Context,
    stream: stream::Stream,
    settings: NatsSettings,
}

impl NatsEventLog {
    /// Connects and creates the stream if it does not exist.
    pub async fn connect(url: &str, settings: NatsSettings) -> Result<NatsEventLog> {
        let client = async_nats::connect(url).await.map_err(engine)?;
        let jetstream = jetstream::new(client.clone());
        let stream = jetstream
            .get_or_create_stream(stream::Config {
                name: settings.stream.clone(),
                subjects: vec!["haat.events.>".to_owned()],
                storage: stream::StorageType::File,
                max_age: settings.max_age,
                duplicate_window: settings.duplicate_window,
                ..stream::Config::default()
            })
            .await
            .map_err(engine)?;
        Ok(NatsEventLog {
            client,
            jetstream,
            stream,
            settings,
        })
    }

    /// The durable consumer groups of the stream (ordered, per-process tails are
    /// ephemeral and not listed), by name.
    pub async fn groups(&self) -> Result<Vec<String>> {
        let mut consumers = self.stream.consumers();
        let mut names = Vec::new();
        while let Some(info) = consumers.next().await {
            let info = info.map_err(engine)?;
            if info.config.durable_name.is_some() {
                names.push(info.name);
            }
        }
        names.sort();
        Ok(names)
    }

    /// The stream's last sequence (its head offset).
    pub async fn last_sequence(&self) -> Result<u64> {
        let mut info = self.stream.clone();
        Ok(info.info().await.map_err(engine)?.state.last_sequence)
    }

    /// One relay round: publishes up to `limit` captured changes, then deletes them
    /// from the outbox. Returns how many were published (0 when another relay has the
    /// turn or there was nothing).
    pub async fn relay(&self, db: &Db, limit: i64) -> Result<u64> {
        let Some(lease) = db.lease_outbox(limit).await? else {
            return Ok(0);
        };
        let mut acks = Vec::with_capacity(lease.changes.len());
        for change in &lease.changes {
            let event = Event::from(haat_db::LoggedEvent {
                offset: 0,
                change: change.clone(),
            });
            let body = serde_json::to_vec(&event).map_err(engine)?;
            let mut headers = async_nats::HeaderMap::new();
            headers.insert("Nats-Msg-Id", change.event_id.to_string().as_str());
            let ack = self
                .jetstream
                .publish_with_headers(
                    format!("haat.events.{}", change.store_id),
                    headers,
                    Bytes::from(body),
                )
                .await
                .map_err(engine)?;
            acks.push(ack);
        }
        for ack in acks {
            ack.await.map_err(engine)?;
        }
        let published = lease.changes.len() as u64;
        lease.finish().await?;
        Ok(published)
    }
}

/// An event from a stored message; the offset is the stream sequence.
fn decode(payload: &[u8], sequence: u64) -> Result<Event> {
    let mut event: Event = serde_json::from_slice(payload).map_err(engine)?;
    if event.v != EVENT_VERSION {
        return Err(engine(format!("unknown event version {}", event.v)));
    }
    event.offset = sequence;
    Ok(event)
}

impl EventLog for NatsEventLog {
    type Subscription = NatsSubscription;
    type Tail = NatsTail;

    async fn subscribe(&self, group: &str) -> Result<NatsSubscription> {
        let consumer: consumer::PullConsumer = self
            .stream
            .get_or_create_consumer(
                group,
                consumer::pull::Config {
                    durable_name: Some(group.to_owned()),
                    ack_policy: consumer::AckPolicy::All,
                    ack_wait: self.settings.ack_wait,
                    max_ack_pending: self.settings.window,
                    // One pull request at a time: a batch is never split between
                    // instances (the server would deal messages to every waiting request).
                    max_waiting: 1,
                    deliver_policy: consumer::DeliverPolicy::All,
                    ..consumer::pull::Config::default()
                },
            )
            .await
            .map_err(engine)?;
        Ok(NatsSubscription {
            consumer,
            held: Vec::new(),
        })
    }

    async fn replay(&self, after: u64, limit: usize) -> Result<Vec<Event>> {
        let mut events = Vec::new();
        let mut sequence = after + 1;
        let mut info = self.stream.clone();
        let last = info.info().await.map_err(engine)?.state.last_sequence;
        while events.len() < limit && sequence <= last {
            match self.stream.get_raw_message(sequence).await {
                Ok(message) => events.push(decode(&message.payload, message.sequence)?),
                // Gone to retention (or never stored): skip it.
                Err(error) if error.kind() == stream::RawMessageErrorKind::NoMessageFound => {
                    tracing::debug!(sequence, "event no longer in the stream");
                }
                Err(error) => return Err(engine(error)),
            }
            sequence += 1;
        }
        Ok(events)
    }

    async fn lag(&self, group: &str) -> Result<Lag> {
        let mut consumer: consumer::PullConsumer = match self.stream.get_consumer(group).await {
            Ok(consumer) => consumer,
            Err(_) => {
                let mut info = self.stream.clone();
                let state = info.info().await.map_err(engine)?.state.clone();
                return Ok(Lag {
                    events: state.messages,
                    seconds: 0.0,
                });
            }
        };
        let info = consumer.info().await.map_err(engine)?.clone();
        let events = info.num_pending + info.num_ack_pending as u64;
        let seconds = if events == 0 {
            0.0
        } else {
            match self
                .stream
                .get_raw_message(info.ack_floor.stream_sequence + 1)
                .await
            {
                Ok(message) => {
                    let event = decode(&message.payload, message.sequence)?;
                    (time::OffsetDateTime::now_utc() - event.committed_at)
                        .as_seconds_f64()
                        .max(0.0)
                }
                Err(_) => 0.0,
            }
        };
        Ok(Lag { events, seconds })
    }

    async fn follow(&self, after: Option<u64>) -> Result<NatsTail> {
        let deliver_policy = match after {
            None => consumer::DeliverPolicy::New,
            Some(after) => consumer::DeliverPolicy::ByStartSequence {
                start_sequence: after + 1,
            },
        };
        let position = match after {
            Some(after) => after,
            None => {
                let mut info = self.stream.clone();
                info.info().await.map_err(engine)?.state.last_sequence
            }
        };
        // An ordered consumer: ephemeral, no acknowledgements, recreated by the client
        // from the last sequence it saw whenever it notices a gap or a lost connection.
        let consumer = self
            .stream
            .create_consumer(consumer::pull::OrderedConfig {
                deliver_policy,
                ..consumer::pull::OrderedConfig::default()
            })
            .await
            .map_err(engine)?;
        let messages = consumer.messages().await.map_err(engine)?;
        Ok(NatsTail {
            client: self.client.clone(),
            messages,
            position,
        })
    }
}

/// An ordered consumer's messages, read in batches.
pub struct NatsTail {
    client: async_nats::Client,
    messages: consumer::pull::Ordered,
    position: u64,
}

impl std::fmt::Debug for NatsTail {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("NatsTail")
            .field("position", &self.position)
            .finish_non_exhaustive()
    }
}

impl NatsTail {
    fn take(&mut self, message: jetstream::Message, events: &mut Vec<Event>) -> Result<()> {
        let sequence = message.info().map_err(engine)?.stream_sequence;
        // The ordered consumer may replay from an earlier point after recreating itself.
        if sequence > self.position {
            events.push(decode(&message.payload, sequence)?);
            self.position = sequence;
        }
        Ok(())
    }
}

impl Tail for NatsTail {
    async fn next_batch(&mut self, max: usize, wait: Duration) -> Result<Vec<Event>> {
        use futures::FutureExt;
        let mut events = Vec::new();
        match tokio::time::timeout(wait, self.messages.next()).await {
            Ok(Some(Ok(message))) => self.take(message, &mut events)?,
            Ok(Some(Err(error))) => return Err(engine(error)),
            Ok(None) => return Err(engine("the ordered consumer ended")),
            Err(_) => {
                // Quiet, or cut off: an idle wait must not pass for health while the
                // connection is down (the client reconnects on its own).
                if self.client.connection_state() != async_nats::connection::State::Connected {
                    return Err(engine("not connected to NATS"));
                }
                return Ok(events);
            }
        }
        while events.len() < max {
            match self.messages.next().now_or_never() {
                Some(Some(Ok(message))) => self.take(message, &mut events)?,
                Some(Some(Err(error))) => return Err(engine(error)),
                Some(None) => return Err(engine("the ordered consumer ended")),
                None => break,
            }
        }
        Ok(events)
    }

    fn position(&self) -> u64 {
        self.position
    }
}

pub struct NatsSubscription {
    consumer: consumer::PullConsumer,
    held: Vec<jetstream::Message>,
}

impl std::fmt::Debug for NatsSubscription {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("NatsSubscription")
            .field("held", &self.held.len())
            .finish_non_exhaustive()
    }
}

impl Subscription for NatsSubscription {
    async fn next_batch(&mut self, max: usize, wait: Duration) -> Result<Vec<Event>> {
        if !self.held.is_empty() {
            self.nack().await?;
        }
        let mut messages = self
            .consumer
            .fetch()
            .max_messages(max.max(1))
            .expires(wait.max(Duration::from_millis(10)))
            .messages()
            .await
            .map_err(engine)?;
        let mut events = Vec::new();
        while let Some(message) = messages.next().await {
            let message = match message {
                Ok(message) => message,
                // Another instance's request is waiting (max_waiting = 1): its turn.
                Err(error) if events.is_empty() => {
                    tracing::debug!(%error, "another instance has the group's turn");
                    tokio::time::sleep(wait.min(Duration::from_millis(100))).await;
                    return Ok(events);
                }
                Err(error) => return Err(engine(error)),
            };
            let sequence = message.info().map_err(engine)?.stream_sequence;
            events.push(decode(&message.payload, sequence)?);
            self.held.push(message);
        }
        Ok(events)
    }

    async fn ack(&mut self) -> Result<()> {
        // AckPolicy::All: acknowledging the last message acknowledges the batch.
        if let Some(last) = self.held.last() {
            last.double_ack().await.map_err(engine)?;
        }
        self.held.clear();
        Ok(())
    }

    async fn nack(&mut self) -> Result<()> {
        for message in self.held.drain(..) {
            message.ack_with(AckKind::Nak(None)).await.map_err(engine)?;
        }
        Ok(())
    }
}
