//! The metric names and labels dashboards depend on: a rename must fail a test.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use haat_media::{process_image, ImagePolicy};
use metrics::{
    Counter, CounterFn, Gauge, Histogram, HistogramFn, Key, KeyName, Metadata, Recorder,
    SharedString, Unit,
};

/// A recorder that remembers each metric as `name{label=value,...}` with its total.
#[derive(Default)]
struct CapturingRecorder {
    metrics: Mutex<Vec<(String, Arc<Total>)>>,
}

#[derive(Default)]
struct Total {
    count: AtomicU64,
}

impl CounterFn for Total {
    fn increment(&self, value: u64) {
        self.count.fetch_add(value, Ordering::Relaxed);
    }
    fn absolute(&self, value: u64) {
        self.count.store(value, Ordering::Relaxed);
    }
}

impl HistogramFn for Total {
    fn record(&self, _value: f64) {
        self.count.fetch_add(1, Ordering::Relaxed);
    }
}

impl CapturingRecorder {
    fn handle(&self, key: &Key) -> Arc<Total> {
        let labels: Vec<String> = key
            .labels()
            .map(|label| format!("{}={}", label.key(), label.value()))
            .collect();
        let name = format!("{}{{{}}}", key.name(), labels.join(","));
        let mut metrics = self.metrics.lock().unwrap();
        if let Some((_, total)) = metrics.iter().find(|(existing, _)| *existing == name) {
            return Arc::clone(total);
        }
        let total = Arc::new(Total::default());
        metrics.push((name, Arc::clone(&total)));
        total
    }

    fn total(&self, name: &str) -> u64 {
        let metrics = self.metrics.lock().unwrap();
        metrics
            .iter()
            .find(|(existing, _)| existing == name)
            .map_or(0, |(_, total)| total.count.load(Ordering::Relaxed))
    }
}

impl Recorder for CapturingRecorder {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        Counter::from_arc(self.handle(key))
    }
    fn register_gauge(&self, _: &Key, _: &Metadata<'_>) -> Gauge {
        Gauge::noop()
    }
    fn register_histogram(&self, key: &Key, _: &Metadata<'_>) -> Histogram {
        Histogram::from_arc(self.handle(key))
    }
}

fn small_jpeg() -> Vec<u8> {
    let mut jpeg = Vec::new();
    image::RgbImage::from_pixel(64, 48, image::Rgb([10, 200, 30]))
        .write_to(
            &mut std::io::Cursor::new(&mut jpeg),
            image::ImageFormat::Jpeg,
        )
        .unwrap();
    jpeg
}

#[test]
fn processing_time_and_rejections_are_recorded() {
    let recorder = CapturingRecorder::default();
    let policy = ImagePolicy::default();
    metrics::with_local_recorder(&recorder, || {
        process_image(&small_jpeg(), &policy).unwrap();
        process_image(b"%PDF-1.7", &policy).unwrap_err();
        process_image(b"plain text", &policy).unwrap_err();
        process_image(&[], &policy).unwrap_err();
    });
    assert_eq!(recorder.total("haat_image_process_seconds{}"), 1);
    assert_eq!(
        recorder.total("haat_image_rejected_total{reason=unsupported_image_type}"),
        2
    );
    assert_eq!(
        recorder.total("haat_image_rejected_total{reason=empty_image}"),
        1
    );
}
