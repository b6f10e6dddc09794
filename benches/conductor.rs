//! Benchmarks behind docs/performance.md. Run with `cargo bench --bench conductor`.
//!
//! - `engine/season/*`: one 26-version season of the baseline (78 track-cycles), summary
//!   detail (what `simulate` without `--out` runs) and full detail (what datasets need).
//! - `dataset/encode_only`: ArrowWriter over the four record batches of one part (8 seeds),
//!   prebuilt in memory, into memory: the floor for writing a dataset.
//! - `dataset/end_to_end/*`: `dataset::write` of 16 seeds (two parts) into a fresh directory
//!   on a pool of 1 and 2 threads: engine, tables, encoding, files, renames, manifest.
//! - `report/*`: `report::load` + JSON rendering on a 48-seed, three-policy run (polars
//!   scans and aggregations, bootstrap), and drawing the four charts as SVG and PNG.
//!
//! Every benchmark checks its result, so none can measure a no-op.

use std::hint::black_box;
use std::path::PathBuf;

use arrow_array::RecordBatch;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use parquet::arrow::ArrowWriter;

use conductor::dataset::{self, Options, RunSpec, Shard, tables};
use conductor::engine::{self, Detail, RunResult};
use conductor::model::VersionLabels;
use conductor::plot::style::ChartSet;
use conductor::report;
use conductor::scenario::Scenario;
use conductor::sweep::Sweep;
use conductor::world::SeasonWorld;

const WEEKS: u32 = 26;

fn engine(c: &mut Criterion) {
    let sc = Scenario::baseline();
    let mut g = c.benchmark_group("engine/season");
    let world = SeasonWorld::synthetic(&sc, 1, WEEKS);
    let tracks = engine::run(&sc, &sc.policies[0], world, Detail::Summary)
        .tracks
        .len();
    assert_eq!(tracks, 78);
    g.throughput(Throughput::Elements(tracks as u64));
    for (policy, detail, name) in [
        ("manual", Detail::Summary, "manual"),
        ("robot", Detail::Summary, "robot"),
        ("manual", Detail::Full, "manual_full"),
    ] {
        let p = sc.policy(policy).expect("baseline policy");
        let mut seed = 0;
        g.bench_function(name, |b| {
            b.iter(|| {
                seed += 1;
                let world = SeasonWorld::synthetic(&sc, seed, WEEKS);
                let run = engine::run(&sc, p, world, detail);
                assert_eq!(run.tracks.len(), tracks);
                black_box(run)
            })
        });
    }
    g.finish();
}

fn part_batches(sc: &Scenario, seeds: std::ops::Range<u64>) -> [RecordBatch; 4] {
    let p = sc.policy("manual").expect("baseline policy");
    let runs: Vec<RunResult> = seeds
        .map(|s| engine::run(sc, p, SeasonWorld::synthetic(sc, s, WEEKS), Detail::Full))
        .collect();
    [
        tables::snapshots(sc, &VersionLabels::default(), &runs).expect("snapshots batch"),
        tables::transitions(sc, &VersionLabels::default(), &runs).expect("transitions batch"),
        tables::segments(sc, &VersionLabels::default(), &runs).expect("segments batch"),
        tables::cycles(sc, &VersionLabels::default(), &runs).expect("cycles batch"),
    ]
}

fn encode(batch: &RecordBatch) -> usize {
    let mut buf = Vec::with_capacity(1 << 20);
    let mut w = ArrowWriter::try_new_with_options(
        &mut buf,
        batch.schema(),
        conductor::files::parquet::writer_options(),
    )
    .expect("writer");
    w.write(batch).expect("encode");
    w.close().expect("close");
    buf.len()
}

fn dataset_benches(c: &mut Criterion) {
    let sc = Scenario::baseline();
    let batches = part_batches(&sc, 1..1 + dataset::SEEDS_PER_PART);
    let rows = batches[0].num_rows() as u64;
    let mut g = c.benchmark_group("dataset");
    g.sample_size(10);
    g.throughput(Throughput::Elements(rows));
    g.bench_function("encode_only", |b| {
        b.iter(|| {
            let bytes: usize = batches.iter().map(encode).sum();
            assert!(bytes > 1000);
            bytes
        })
    });

    let tmp = tempfile::tempdir().expect("temporary directory");
    let seeds = 2 * dataset::SEEDS_PER_PART;
    let two_parts = part_batches(&sc, 1..1 + seeds)[0].num_rows() as u64;
    g.throughput(Throughput::Elements(two_parts));
    let mut n = 0;
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        g.bench_function(format!("end_to_end/{threads}_threads"), |b| {
            b.iter_batched(
                || {
                    n += 1;
                    let dir: PathBuf = tmp.path().join(format!("run{n}"));
                    let _ = std::fs::remove_dir_all(tmp.path().join(format!("run{}", n - 1)));
                    dir
                },
                |dir| {
                    let spec = RunSpec {
                        sweep: Sweep {
                            scenario: &sc,
                            policies: vec![sc.policy("manual").expect("baseline policy")],
                            first_seed: 1,
                            seeds,
                            weeks: WEEKS,
                            detail: Detail::Full,
                        },
                        shard: Shard::ALL,
                        source: Default::default(),
                    };
                    let w = pool
                        .install(|| dataset::write(&spec, &dir, &Options::default()))
                        .expect("dataset written");
                    assert_eq!(w.snapshot_rows, two_parts);
                    w
                },
                BatchSize::PerIteration,
            )
        });
    }
    g.finish();
}

/// `conductor report`'s work on a run of the baseline's three policies, 48 seeds × 26
/// versions (3 744 track-cycles per policy): scans, aggregations, bootstrap, rendering; and
/// the four charts as SVG and PNG.
fn report_benches(c: &mut Criterion) {
    let sc = Scenario::baseline();
    let tmp = tempfile::tempdir().expect("temporary directory");
    let dir = tmp.path().join("run");
    let spec = RunSpec {
        sweep: Sweep {
            scenario: &sc,
            policies: sc.policies.iter().collect(),
            first_seed: 1,
            seeds: 48,
            weeks: WEEKS,
            detail: Detail::Full,
        },
        shard: Shard::ALL,
        source: Default::default(),
    };
    let written = dataset::write(&spec, &dir, &Options::default()).expect("dataset written");
    let mut g = c.benchmark_group("report");
    g.sample_size(10);
    g.throughput(Throughput::Elements(written.cycle_rows));
    let dirs = [dir];
    g.bench_function("load_and_render_json", |b| {
        b.iter(|| {
            let r = report::load(&dirs, &report::Options::default()).expect("report");
            let mut json = Vec::new();
            report::render(&r, report::Format::Json, &mut json).expect("json");
            assert!(json.len() > 1000);
            json.len()
        })
    });
    let r = report::load(&dirs, &report::Options::default()).expect("report");
    g.bench_function("charts_svg_and_png", |b| {
        b.iter(|| {
            let mut bytes = 0;
            for chart in report::charts::Chart::ALL {
                bytes += chart.svg(&r).expect("svg").expect("drawn").len();
                bytes += chart.png(&r).expect("png").expect("drawn").len();
            }
            bytes
        })
    });
    g.finish();
}

criterion_group!(benches, engine, dataset_benches, report_benches);
criterion_main!(benches);
