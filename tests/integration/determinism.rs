//! The same inputs and seed give the same output on any thread count.

use crate::util::conductor;

#[test]
fn threads_1_and_2_print_identical_summaries() {
    let run = |threads: &str| {
        let out = conductor()
            .args([
                "simulate",
                "--seeds",
                "12",
                "--weeks",
                "8",
                "--format",
                "json",
                "--threads",
                threads,
            ])
            .output()
            .unwrap();
        assert!(out.status.success());
        out.stdout
    };
    let one = run("1");
    assert_eq!(one, run("2"));
    assert!(one.len() > 1000);
}

#[test]
fn different_seeds_give_different_worlds() {
    let run = |seed: &str| {
        conductor()
            .args([
                "simulate", "--seeds", "3", "--weeks", "4", "--format", "json", "--seed", seed,
            ])
            .output()
            .unwrap()
            .stdout
    };
    assert_ne!(run("1"), run("100"));
}
