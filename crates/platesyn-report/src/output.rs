//! Atomic file output that never overwrites an input.
//!
//! Every file this crate writes goes through [`OutputGuard::write_atomic`]: the bytes are written
//! to a hidden temporary file in the destination directory, flushed to disk, then renamed over
//! the destination. A reader therefore sees either the old file or the complete new one, never a
//! half-written file, and a failed write leaves no temporary file behind.

use std::collections::HashSet;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::ReportError;

/// Process-wide counter so two writes from one process never share a temporary name.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Knows the input files of a run and refuses to write an output over any of them.
///
/// Paths are compared after resolving symlinks and `..` (the output's directory is resolved when
/// the output does not exist yet), so `./a/../plate.csv` still matches `plate.csv`.
#[derive(Debug, Clone, Default)]
pub struct OutputGuard {
    protected: Vec<PathBuf>,
    /// The same paths, for a constant-time check (a screen has thousands of inputs and writes
    /// thousands of figures).
    lookup: HashSet<PathBuf>,
}

impl OutputGuard {
    /// A guard that protects nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Declares `input` as an input of this run: any later write to it fails with
    /// [`ReportError::WouldOverwriteInput`].
    pub fn protect(&mut self, input: impl AsRef<Path>) -> &mut Self {
        let input = input.as_ref();
        let resolved = resolve(input);
        self.lookup.insert(resolved.clone());
        self.protected.push(resolved);
        self
    }

    /// The resolved paths currently protected.
    pub fn protected(&self) -> &[PathBuf] {
        &self.protected
    }

    /// Whether writing to `path` would overwrite a protected input.
    pub fn is_protected(&self, path: &Path) -> bool {
        self.lookup.contains(&resolve(path))
    }

    /// Writes `bytes` to `path` atomically (temporary file in the same directory, fsync, rename).
    ///
    /// Fails without touching anything when `path` is a protected input. On any error the
    /// temporary file is removed.
    pub fn write_atomic(&self, path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
        let mut f = self.create_atomic(path)?;
        f.write_all(bytes).map_err(|source| ReportError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        f.commit()
    }

    /// Opens a streaming atomic output: write to the returned [`AtomicFile`], then
    /// [`AtomicFile::commit`] it. Until the commit the data sit in a hidden temporary file in
    /// the destination directory; dropping the [`AtomicFile`] uncommitted removes it, so a
    /// reader never sees a half-written `path`.
    pub fn create_atomic(&self, path: &Path) -> Result<AtomicFile, ReportError> {
        if self.is_protected(path) {
            return Err(ReportError::WouldOverwriteInput {
                path: path.to_path_buf(),
            });
        }
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let file_name = path
            .file_name()
            .ok_or_else(|| ReportError::Io {
                path: path.to_path_buf(),
                source: std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    "output path has no file name",
                ),
            })?
            .to_string_lossy()
            .into_owned();
        let tmp = dir.join(format!(
            ".{file_name}.tmp-{}-{}",
            std::process::id(),
            TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let file = fs::File::create(&tmp).map_err(|source| ReportError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(AtomicFile {
            file: Some(file),
            tmp,
            path: path.to_path_buf(),
        })
    }
}

/// An output being written: a hidden temporary file renamed over its destination by
/// [`AtomicFile::commit`], removed when dropped uncommitted. See [`OutputGuard::create_atomic`].
#[derive(Debug)]
pub struct AtomicFile {
    file: Option<fs::File>,
    tmp: PathBuf,
    path: PathBuf,
}

impl AtomicFile {
    /// The destination path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A second handle on the temporary file (for writers that must own theirs); everything
    /// written through it is part of the output.
    pub fn try_clone_file(&self) -> Result<fs::File, ReportError> {
        self.handle()
            .and_then(|f| f.try_clone().map_err(|source| self.io_err(source)))
    }

    fn handle(&self) -> Result<&fs::File, ReportError> {
        self.file
            .as_ref()
            .ok_or_else(|| self.io_err(std::io::Error::other("output already committed")))
    }

    fn io_err(&self, source: std::io::Error) -> ReportError {
        ReportError::Io {
            path: self.path.clone(),
            source,
        }
    }

    /// Flushes the data to disk and renames the temporary file over the destination.
    pub fn commit(mut self) -> Result<(), ReportError> {
        let Some(f) = self.file.take() else {
            return Err(self.io_err(std::io::Error::other("output already committed")));
        };
        let result = f.sync_all().and_then(|()| {
            drop(f);
            fs::rename(&self.tmp, &self.path)
        });
        match result {
            Ok(()) => Ok(()),
            Err(e) => {
                let _ = fs::remove_file(&self.tmp);
                Err(self.io_err(e))
            }
        }
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self.file.as_mut() {
            Some(f) => f.write(buf),
            None => Err(std::io::Error::other("output already committed")),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self.file.as_mut() {
            Some(f) => f.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            // Best effort: an uncommitted output leaves nothing behind.
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

/// Resolves symlinks and `..`; for a path that does not exist yet, resolves its directory and
/// re-appends the file name; falls back to the path as given.
fn resolve(path: &Path) -> PathBuf {
    if let Ok(p) = fs::canonicalize(path) {
        return p;
    }
    match (path.parent(), path.file_name()) {
        (Some(parent), Some(name)) => {
            let parent = if parent.as_os_str().is_empty() {
                Path::new(".")
            } else {
                parent
            };
            fs::canonicalize(parent).map_or_else(|_| path.to_path_buf(), |p| p.join(name))
        }
        _ => path.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn atomic_write_replaces_content_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out.csv");
        let guard = OutputGuard::new();
        guard.write_atomic(&out, b"first").unwrap();
        guard.write_atomic(&out, b"second").unwrap();
        assert_eq!(fs::read(&out).unwrap(), b"second");
        assert_eq!(entries(dir.path()), vec!["out.csv".to_string()]);
    }

    #[test]
    fn refuses_to_overwrite_a_protected_input_even_via_dotdot() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("sub")).unwrap();
        let input = dir.path().join("plate.csv");
        fs::write(&input, b"raw data").unwrap();
        let mut guard = OutputGuard::new();
        guard.protect(&input);
        let sneaky = dir.path().join("sub").join("..").join("plate.csv");
        let err = guard.write_atomic(&sneaky, b"oops").unwrap_err();
        assert!(matches!(err, ReportError::WouldOverwriteInput { .. }));
        assert!(err.to_string().contains("plate.csv"));
        assert_eq!(fs::read(&input).unwrap(), b"raw data");
        assert_eq!(
            entries(dir.path()),
            vec!["plate.csv".to_string(), "sub".to_string()]
        );
    }

    #[test]
    fn streaming_output_appears_only_when_committed() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("big.csv");
        let guard = OutputGuard::new();
        let mut f = guard.create_atomic(&out).unwrap();
        f.write_all(b"a,b\n").unwrap();
        let mut second = f.try_clone_file().unwrap();
        second.write_all(b"1,2\n").unwrap();
        assert!(!out.exists(), "visible before commit");
        f.commit().unwrap();
        assert_eq!(fs::read(&out).unwrap(), b"a,b\n1,2\n");
        assert_eq!(entries(dir.path()), vec!["big.csv".to_string()]);
        // dropped uncommitted: nothing is left, the old file stays
        let mut g = guard.create_atomic(&out).unwrap();
        g.write_all(b"partial").unwrap();
        drop(g);
        assert_eq!(fs::read(&out).unwrap(), b"a,b\n1,2\n");
        assert_eq!(entries(dir.path()), vec!["big.csv".to_string()]);
    }

    #[test]
    fn failed_write_names_the_file_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("missing_dir").join("x.csv");
        let err = OutputGuard::new().write_atomic(&out, b"x").unwrap_err();
        assert!(err.to_string().contains("x.csv"), "{err}");
        assert!(entries(dir.path()).is_empty());
    }
}
