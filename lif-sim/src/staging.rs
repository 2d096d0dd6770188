//! The output folder appears whole or not at all, and nothing a user owns is deleted.
//!
//! A run writes into a hidden staging folder beside the destination and renames it into
//! place at the end. `--force` replaces only a folder that lif-sim wrote (it holds the
//! [`MARKER`] file), and only once the new results are complete: the old folder is renamed
//! aside, the new one moved in, then the old one removed. The destination is checked again
//! at the rename, so of two runs racing for one folder one wins and the other fails.
//! SIGINT and SIGTERM remove the staging folder; staging folders left by a process that
//! died otherwise (killed, out of memory) are removed by the next run in the same place.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The file that marks a folder as lif-sim's output.
pub const MARKER: &str = ".lif-sim-output";

/// Prefix of staging and set-aside folders (`.lif-sim-PID-K.partial`, `.lif-sim-PID-K.old`).
const PREFIX: &str = ".lif-sim-";

/// Staging folders of this process, removed on SIGINT and SIGTERM.
static LIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Removes this process's staging folders on SIGINT and SIGTERM, then exits (130).
pub fn remove_on_signals() {
    // Without a handler a signal only leaves a folder behind, which the next run removes.
    let _ = ctrlc::set_handler(|| {
        if let Ok(live) = LIVE.lock() {
            for dir in live.iter() {
                let _ = std::fs::remove_dir_all(dir);
            }
        }
        std::process::exit(130);
    });
}

/// A staging folder that becomes `dest` on [`Staging::commit`] and is removed otherwise.
pub struct Staging {
    dir: PathBuf,
    dest: PathBuf,
    force: bool,
    done: bool,
}

/// What is at an output path.
enum Found {
    Nothing,
    EmptyFolder,
    /// A folder lif-sim wrote.
    Ours,
    /// A folder with files lif-sim did not write.
    Theirs,
    NotAFolder,
}

fn found(path: &Path) -> Found {
    match std::fs::symlink_metadata(path) {
        Err(_) => Found::Nothing,
        Ok(m) if !m.is_dir() => Found::NotAFolder,
        Ok(_) => match path.read_dir().map(|mut d| d.next().is_none()) {
            Ok(true) => Found::EmptyFolder,
            _ if path.join(MARKER).is_file() => Found::Ours,
            _ => Found::Theirs,
        },
    }
}

/// `dest` as an absolute path without `.` components and with a last component that names
/// a folder.
fn resolve(dest: &Path) -> Result<PathBuf, String> {
    let abs = std::path::absolute(dest).map_err(|e| format!("--out {}: {e}", dest.display()))?;
    let mut clean = PathBuf::new();
    for c in abs.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                if !clean.pop() {
                    return Err(format!("--out {}: not a folder name", dest.display()));
                }
            }
            other => clean.push(other),
        }
    }
    if clean.file_name().is_none() {
        return Err(format!("--out {}: not a folder name", dest.display()));
    }
    Ok(clean)
}

/// The output options every command that writes a folder takes.
#[derive(clap::Args)]
pub struct OutputArgs {
    /// Output folder (created; must not exist or be empty unless --force).
    #[arg(long)]
    pub out: PathBuf,
    /// Replace a non-empty output folder.
    #[arg(long)]
    pub force: bool,
    /// Skip the plots (PNG and SVG).
    #[arg(long)]
    pub no_plots: bool,
}

impl OutputArgs {
    /// The staging folder for `--out`, removed on SIGINT and SIGTERM until committed.
    pub fn stage(&self) -> Result<Staging, String> {
        remove_on_signals();
        Staging::new(&self.out, self.force)
    }
}

impl Staging {
    /// Checks `dest` and creates the staging folder beside it.
    pub fn new(dest: &Path, force: bool) -> Result<Self, String> {
        let shown = dest.display();
        let dest = resolve(dest)?;
        check(&dest, force, &shown.to_string())?;
        let parent = dest.parent().unwrap_or(Path::new("/")).to_path_buf();
        remove_stale(&parent);
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = parent.join(format!(
            "{PREFIX}{}-{}.partial",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("--out {shown}: cannot create a folder there: {e}"))?;
        if let Ok(mut live) = LIVE.lock() {
            live.push(dir.clone());
        }
        let marker = dir.join(MARKER);
        std::fs::write(
            &marker,
            "written by lif-sim; --force may replace this folder\n",
        )
        .map_err(|e| format!("writing {}: {e}", marker.display()))?;
        Ok(Self {
            dir,
            dest,
            force,
            done: false,
        })
    }

    /// Where the run writes `file`.
    pub fn path(&self, file: &str) -> PathBuf {
        self.dir.join(file)
    }

    /// Moves the finished results into place.
    pub fn commit(mut self) -> Result<(), String> {
        let shown = self.dest.display().to_string();
        check(&self.dest, self.force, &shown)?;
        let aside = match found(&self.dest) {
            Found::Ours => {
                let aside = self.dir.with_extension("old");
                std::fs::rename(&self.dest, &aside).map_err(|e| {
                    format!("--out {shown}: cannot move the old results aside: {e}")
                })?;
                Some(aside)
            }
            _ => None,
        };
        // rename(2) replaces an empty folder and refuses a non-empty one, so a folder that
        // another run filled since the check above is never overwritten.
        if let Err(e) = std::fs::rename(&self.dir, &self.dest) {
            if let Some(aside) = &aside {
                let _ = std::fs::rename(aside, &self.dest);
            }
            return Err(match found(&self.dest) {
                Found::Ours | Found::Theirs => {
                    format!("--out {shown}: another run wrote it meanwhile; nothing was replaced")
                }
                _ => format!("--out {shown}: {e}"),
            });
        }
        self.done = true;
        if let Ok(mut live) = LIVE.lock() {
            live.retain(|d| d != &self.dir);
        }
        if let Some(aside) = aside {
            std::fs::remove_dir_all(&aside).map_err(|e| {
                format!(
                    "--out {shown}: the old results stay in {}: {e}",
                    aside.display()
                )
            })?;
        }
        Ok(())
    }
}

/// Whether a run may write `dest` (with `--force` or not).
fn check(dest: &Path, force: bool, shown: &str) -> Result<(), String> {
    match found(dest) {
        Found::Nothing | Found::EmptyFolder => Ok(()),
        Found::NotAFolder => Err(format!("--out {shown}: exists and is not a folder")),
        Found::Ours if force => Ok(()),
        Found::Ours => Err(format!(
            "--out {shown}: exists and is not empty (use --force to replace it)"
        )),
        Found::Theirs => Err(format!(
            "--out {shown}: exists and is not empty, and lif-sim did not write it \
             (no {MARKER} in it): choose another folder, --force replaces only lif-sim's own"
        )),
    }
}

/// Removes staging and set-aside folders in `parent` whose process is gone.
fn remove_stale(parent: &Path) {
    let proc = Path::new("/proc");
    if !proc.is_dir() {
        return;
    }
    let Ok(entries) = parent.read_dir() else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(PREFIX)) else {
            continue;
        };
        let Some((pid, tail)) = rest.split_once('-') else {
            continue;
        };
        let ours = tail.ends_with(".partial") || tail.ends_with(".old");
        if ours && pid.parse::<u32>().is_ok() && !proc.join(pid).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_dir_all(&self.dir);
            if let Ok(mut live) = LIVE.lock() {
                live.retain(|d| d != &self.dir);
            }
        }
    }
}
