//! The reader's entry point on malformed input: random bytes, every fixture truncated at
//! random lengths, and fixtures with random bytes flipped or overwritten. Each must give an
//! `Ok` or an `Err`, never a panic, quickly. Fixed seed: the same inputs on every run.
//! `LIF_NIR_FUZZ_SCALE=N` runs N times as many (a longer soak, e.g. in release mode).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// xorshift64*: enough for picking bytes and positions.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn fixtures() -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/nir");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "nir"))
        .collect();
    files.sort();
    assert!(files.len() >= 5);
    files
        .into_iter()
        .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
        .collect()
}

/// Runs the entry point (parse, then validate, then import) on `bytes`; fails the test on
/// a panic.
fn try_one(bytes: Vec<u8>, what: &str, slowest: &mut Duration) -> bool {
    let t = Instant::now();
    let r = catch_unwind(AssertUnwindSafe(|| {
        lif_nir::Nir::from_bytes(bytes).and_then(|n| {
            // What `lif-sim nir inspect` does with a graph before (or without) validating it.
            let _ = n.graph.shapes();
            for st in lif_nir::memory::Storage::ALL {
                let _ = lif_nir::memory::footprint(&n.graph, st);
            }
            n.graph.validate().map(|_| {
                // And what `lif-sim nir run` does with a valid graph: an import never panics.
                let _ = lif_nir::import(&n, &lif_nir::ImportOptions::default());
                n
            })
        })
    }));
    *slowest = (*slowest).max(t.elapsed());
    match r {
        Ok(r) => r.is_ok(),
        Err(_) => panic!("the reader panicked on {what}"),
    }
}

#[test]
fn malformed_files_are_errors_never_panics() {
    let files = fixtures();
    let scale: usize = std::env::var("LIF_NIR_FUZZ_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let mut rng = Rng(0x6c69_662d_6e69_7221);
    let mut slowest = Duration::ZERO;
    let (mut ok, mut total) = (0usize, 0usize);
    let start = Instant::now();
    // Random bytes, some behind a valid HDF5 signature so the reader goes deeper.
    for i in 0..300 * scale {
        let n = rng.below(4096);
        let mut b: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
        if i % 2 == 0 && b.len() >= 8 {
            b[..8].copy_from_slice(b"\x89HDF\r\n\x1a\n");
        }
        assert!(!try_one(b, &format!("random bytes #{i}"), &mut slowest));
        total += 1;
    }
    // Every fixture truncated at random lengths (and at 0): never a whole graph.
    for (name, bytes) in &files {
        for k in 0..150 * scale {
            let cut = if k == 0 { 0 } else { rng.below(bytes.len()) };
            let what = format!("{name} truncated to {cut} bytes");
            try_one(bytes[..cut].to_vec(), &what, &mut slowest);
            total += 1;
        }
    }
    // Flipped bits and overwritten bytes; many land in padding and still read fine.
    for (name, bytes) in &files {
        for k in 0..600 * scale {
            let mut b = bytes.clone();
            let edits = 1 + rng.below(8);
            for _ in 0..edits {
                let at = rng.below(b.len());
                if k % 2 == 0 {
                    b[at] ^= 1 << rng.below(8);
                } else {
                    b[at] = rng.next() as u8;
                }
            }
            ok += usize::from(try_one(b, &format!("{name} edit #{k}"), &mut slowest));
            total += 1;
        }
    }
    eprintln!(
        "{total} malformed inputs in {:.2} s ({ok} edited files still valid), slowest {:.3} s",
        start.elapsed().as_secs_f64(),
        slowest.as_secs_f64()
    );
    assert!(
        slowest < Duration::from_secs(5),
        "one input took {slowest:?}"
    );
}
