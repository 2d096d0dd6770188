//! Builds the Cortex-M4F firmware (`examples/firmware-qemu`), runs it under QEMU and checks
//! that every scenario's spike raster and final state equal, bit for bit, what the same
//! lif-core / lif-embedded code computes on this host. Also checks that the firmware links no
//! panic path, and prints instructions per neuron-step (QEMU `-icount`) and the flash size.
//!
//! Needs `qemu-system-arm` and the `thumbv7em-none-eabihf` target: `scripts/setup.sh`
//! installs both. `cargo test --test firmware_qemu -- --nocapture` shows the cost table.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use lif_embedded::cost::NoClock;
use lif_embedded::scenarios::{self, Report};

/// QEMU's `-icount shift`: each instruction advances virtual time by 2^SHIFT ns; SysTick runs
/// at 25 MHz (40 ns), so one tick is 40 / 2^SHIFT instructions.
const ICOUNT_SHIFT: u32 = 4;

fn firmware_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/firmware-qemu")
}

fn build_firmware() -> PathBuf {
    let dir = firmware_dir();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(&dir)
        .args(["build", "--release", "--target-dir"])
        .arg(dir.join("target"))
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET")
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .expect("run cargo");
    assert!(
        out.status.success(),
        "firmware build failed (is the thumbv7em-none-eabihf target installed? run scripts/setup.sh):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir.join("target/thumbv7em-none-eabihf/release/firmware-qemu")
}

/// Runs the ELF in QEMU with a deadline; returns (exit code, stdout).
fn run_qemu(elf: &Path) -> (i32, String) {
    let mut child = Command::new("qemu-system-arm")
        .args([
            "-machine",
            "mps2-an386",
            "-cpu",
            "cortex-m4",
            "-nographic",
            "-monitor",
            "none",
        ])
        .args(["-semihosting-config", "enable=on,target=native"])
        .args(["-icount", &format!("shift={ICOUNT_SHIFT}")])
        .arg("-kernel")
        .arg(elf)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot start qemu-system-arm ({e}); run scripts/setup.sh to install it")
        });
    let deadline = Instant::now() + Duration::from_secs(300);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for qemu") {
            break status;
        }
        if Instant::now() > deadline {
            child.kill().ok();
            let mut so = String::new();
            child.stdout.take().unwrap().read_to_string(&mut so).ok();
            panic!("firmware hung: QEMU killed after 300 s; output so far:\n{so}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    (status.code().unwrap_or(-1), stdout + &stderr)
}

/// Parses `scenario NAME key=value ...` lines.
fn parse(output: &str) -> Vec<(String, Vec<(String, String)>)> {
    output
        .lines()
        .filter_map(|l| l.strip_prefix("scenario "))
        .map(|rest| {
            let mut parts = rest.split_whitespace();
            let name = parts.next().unwrap_or_default().to_owned();
            let kv = parts
                .filter_map(|p| p.split_once('='))
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
            (name, kv)
        })
        .collect()
}

fn llvm_tool(name: &str) -> Option<PathBuf> {
    let sysroot = Command::new("rustc")
        .args(["--print", "sysroot"])
        .output()
        .ok()?;
    let sysroot = String::from_utf8(sysroot.stdout).ok()?;
    let vv = String::from_utf8(Command::new("rustc").arg("-vV").output().ok()?.stdout).ok()?;
    let host = vv.lines().find_map(|l| l.strip_prefix("host: "))?;
    let p = Path::new(sysroot.trim())
        .join("lib/rustlib")
        .join(host)
        .join("bin")
        .join(name);
    p.exists().then_some(p)
}

#[test]
fn firmware_matches_host_bit_for_bit() {
    let elf = build_firmware();

    // No panic path is linked: nothing in lif-core or lif-embedded's step code can panic.
    let nm =
        llvm_tool("llvm-nm").expect("llvm-nm from the llvm-tools component (scripts/setup.sh)");
    let syms = Command::new(nm)
        .arg("--demangle")
        .arg(&elf)
        .output()
        .expect("llvm-nm");
    let syms = String::from_utf8_lossy(&syms.stdout);
    let panics: Vec<&str> = syms
        .lines()
        .filter(|l| {
            l.contains("core::panicking")
                || l.contains("panic_bounds_check")
                || l.contains("unwrap_failed")
                || l.contains("expect_failed")
                || l.contains("slice_index_fail")
                || l.contains("slice_end_index_len_fail")
        })
        .collect();
    assert!(
        panics.is_empty(),
        "the firmware links panic paths:\n{}",
        panics.join("\n")
    );

    let (code, output) = run_qemu(&elf);
    assert!(!output.contains("PANIC"), "firmware panicked:\n{output}");
    assert_eq!(code, 0, "firmware failed (exit {code}):\n{output}");
    let board = parse(&output);

    let mut host: Vec<Report> = Vec::new();
    scenarios::run_all(&NoClock, |r| host.push(*r)).expect("host scenarios");
    assert_eq!(
        board.len(),
        host.len(),
        "scenario count differs; firmware said:\n{output}"
    );

    println!(
        "{:<22} {:>10} {:>8} {:>14}",
        "scenario", "spikes", "instr", "instr/neuron-step"
    );
    for ((name, kv), want) in board.iter().zip(&host) {
        assert_eq!(name, want.name);
        let get = |k: &str| {
            kv.iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
                .unwrap_or("?")
        };
        assert_eq!(get("neuron_steps"), want.neuron_steps.to_string(), "{name}");
        assert_eq!(
            get("spikes"),
            want.spikes.to_string(),
            "{name}: spike count"
        );
        assert_eq!(
            get("spike_digest"),
            format!("{:016x}", want.spike_digest),
            "{name}: spike raster differs"
        );
        assert_eq!(
            get("state_digest"),
            format!("{:016x}", want.state_digest),
            "{name}: final state differs"
        );
        let ticks: f64 = get("ticks").parse().expect("ticks");
        let instr = ticks * 40.0 / f64::from(1u32 << ICOUNT_SHIFT);
        println!(
            "{:<22} {:>10} {:>8.0} {:>14.1}",
            name,
            want.spikes,
            instr,
            instr / f64::from(want.neuron_steps)
        );
    }

    println!("\nstate bytes per neuron (plus one bit of spike):");
    macro_rules! sizes {
        ($($name:literal => $state:ident),+) => {$(
            println!(
                "{:<10} f32 {:>3}  I16F16 {:>3}",
                $name,
                std::mem::size_of::<lif_core::$state<f32>>(),
                std::mem::size_of::<lif_core::$state<lif_core::I16F16>>()
            );
        )+};
    }
    sizes!("leaky" => LeakyState, "lapicque" => LapicqueState, "synaptic" => SynapticState,
           "lif" => LifState, "extended" => ExtendedState);

    if let Some(size) = llvm_tool("llvm-size") {
        let out = Command::new(size).arg(&elf).output().expect("llvm-size");
        println!("{}", String::from_utf8_lossy(&out.stdout));
    }
}
