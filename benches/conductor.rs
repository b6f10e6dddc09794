//! Benchmarks behind docs/performance.md. Run with `cargo bench --bench conductor`.
//!
//! - `engine/season/*`: one 26-version season of the baseline (78 track-cycles), summary
//!   detail (what `simulate` without `--out` runs) and full detail (what datasets need).
//! - `dataset/encode_only`: ArrowWriter over the three record batches of one part (8 seeds),
//!   prebuilt in memory, into memory: the floor for writing a dataset.
//! - `dataset/end_to_end/*`: `dataset::write` of 16 seeds (two parts) into a fresh directory
//!   on a pool of 1 and 2 threads: engine, tables, encoding, files, renames, manifest.
//!
//! Every benchmark checks its result, so none can measure a no-op.

use std::hint::black_box;
use std::path::PathBuf;

use arrow_array::RecordBatch;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use parquet::arrow::ArrowWriter;

use conductor::dataset::{self, Options, RunSpec, Shard, tables};
use conductor::engine::{self, Detail, RunResult};
use conductor::scenario::Scenario;
use conductor::sweep::Sweep;

const WEEKS: u32 = 26;

fn engine(c: &mut Criterion) {
    let sc = Scenario::baseline();
    let mut g = c.benchmark_group("engine/season");
    let tracks = engine::run(&sc, &sc.policies[0], 1, WEEKS, Detail::Summary)
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
                let run = engine::run(&sc, p, seed, WEEKS, detail);
                assert_eq!(run.tracks.len(), tracks);
                black_box(run)
            })
        });
    }
    g.finish();
}

fn part_batches(sc: &Scenario, seeds: std::ops::Range<u64>) -> [RecordBatch; 3] {
    let p = sc.policy("manual").expect("baseline policy");
    let runs: Vec<RunResult> = seeds
        .map(|s| engine::run(sc, p, s, WEEKS, Detail::Full))
        .collect();
    [
        tables::snapshots(sc, &runs).expect("snapshots batch"),
        tables::transitions(sc, &runs).expect("transitions batch"),
        tables::cycles(sc, &runs).expect("cycles batch"),
    ]
}

fn encode(batch: &RecordBatch) -> usize {
    let mut buf = Vec::with_capacity(1 << 20);
    let mut w =
        ArrowWriter::try_new_with_options(&mut buf, batch.schema(), dataset::writer_options())
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

criterion_group!(benches, engine, dataset_benches);
criterion_main!(benches);
