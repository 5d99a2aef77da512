//! File-system helpers for the CLI: input expansion (folders, globs), the output-folder
//! safety rules, stale temporary files and SHA-256 digests for the manifest.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};

/// Expand command-line inputs: a folder gives its files (not recursive, hidden files and
/// `*.toml` layouts skipped, sorted by name); a pattern with `*` or `?` in its last component
/// gives the matching files of its folder (sorted); anything else is taken as a file.
pub fn expand_inputs(args: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for arg in args {
        let name = arg
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.contains('*') || name.contains('?') {
            let dir = arg
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            let mut matched: Vec<PathBuf> = list_files(dir)?
                .into_iter()
                .filter(|p| {
                    p.file_name()
                        .is_some_and(|n| glob_match(&name, &n.to_string_lossy()))
                })
                .collect();
            if matched.is_empty() {
                bail!("{}: no file matches this pattern", arg.display());
            }
            matched.sort();
            out.extend(matched);
        } else if arg.is_dir() {
            let mut files: Vec<PathBuf> = list_files(arg)?
                .into_iter()
                .filter(|p| {
                    let n = p
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    !n.starts_with('.') && !n.to_ascii_lowercase().ends_with(".toml")
                })
                .collect();
            files.sort();
            out.extend(files);
        } else {
            out.push(arg.clone());
        }
    }
    Ok(out)
}

fn list_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let rd =
        std::fs::read_dir(dir).with_context(|| format!("{}: cannot list folder", dir.display()))?;
    let mut files = Vec::new();
    for entry in rd {
        let entry = entry.with_context(|| format!("{}: cannot list folder", dir.display()))?;
        let p = entry.path();
        if p.is_file() {
            files.push(p);
        }
    }
    Ok(files)
}

/// Match a file name against a pattern with `*` (any run) and `?` (one character).
pub fn glob_match(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let (mut pi, mut ni) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ni;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ni = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// Refuse an output folder that lies inside an input folder, or that is non-empty
/// without `force`. Creates the folder.
pub fn prepare_out_dir(out: &Path, input_dirs: &[PathBuf], force: bool) -> Result<PathBuf> {
    let abs_out = absolute(out)?;
    for dir in input_dirs {
        let abs_in = absolute(dir)?;
        if abs_out.starts_with(&abs_in) {
            bail!(
                "--out {} lies inside the input folder {}: choose a folder outside the inputs",
                out.display(),
                dir.display()
            );
        }
    }
    if abs_out.exists() {
        if !abs_out.is_dir() {
            bail!("--out {} exists and is not a folder", out.display());
        }
        let non_empty = std::fs::read_dir(&abs_out)
            .with_context(|| format!("{}: cannot list folder", out.display()))?
            .next()
            .is_some();
        if non_empty && !force {
            bail!(
                "--out {} is not empty: pass --force to write into it",
                out.display()
            );
        }
    }
    std::fs::create_dir_all(&abs_out)
        .with_context(|| format!("cannot create {}", out.display()))?;
    Ok(abs_out)
}

/// Remove temporary files (`.NAME.tmp-PID-N`) that a killed run left in `dir` and
/// `dir/figures`; they never carry a final name, so nothing else is touched.
pub fn remove_stale_temps(dir: &Path) -> Result<usize> {
    let mut removed = 0;
    for d in [dir.to_path_buf(), dir.join("figures")] {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in rd.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') && name.contains(".tmp-") && entry.path().is_file() {
                std::fs::remove_file(entry.path()).with_context(|| {
                    format!(
                        "cannot remove stale temporary file {}",
                        entry.path().display()
                    )
                })?;
                removed += 1;
            }
        }
    }
    Ok(removed)
}

/// An absolute, lexically normalized path (the path need not exist).
pub fn absolute(p: &Path) -> Result<PathBuf> {
    let base = if p.is_absolute() {
        PathBuf::new()
    } else {
        std::env::current_dir().context("cannot read the current folder")?
    };
    let mut out = PathBuf::new();
    for comp in base.join(p).components() {
        match comp {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            c => out.push(c.as_os_str()),
        }
    }
    Ok(out)
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    Sha256::digest(bytes)
        .iter()
        .fold(String::with_capacity(64), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("*.txt", "a.txt"));
        assert!(glob_match("plate_??.csv", "plate_01.csv"));
        assert!(!glob_match("*.txt", "a.csv"));
        assert!(glob_match("*", ""));
        assert!(glob_match("a*b*c", "axxbyyc"));
        assert!(!glob_match("a*b*c", "axxbyy"));
    }

    #[test]
    fn sha256_of_abc() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn out_dir_rules() {
        let tmp = std::env::temp_dir().join(format!("platesyn-fsutil-{}", std::process::id()));
        let input = tmp.join("in");
        std::fs::create_dir_all(&input).unwrap();
        let err = prepare_out_dir(&input.join("report"), std::slice::from_ref(&input), false)
            .unwrap_err();
        assert!(err.to_string().contains("inside the input folder"), "{err}");
        let out = tmp.join("out");
        prepare_out_dir(&out, std::slice::from_ref(&input), false).unwrap();
        std::fs::write(out.join("x"), b"1").unwrap();
        let err = prepare_out_dir(&out, std::slice::from_ref(&input), false).unwrap_err();
        assert!(err.to_string().contains("not empty"), "{err}");
        prepare_out_dir(&out, &[input], true).unwrap();
        std::fs::remove_dir_all(&tmp).unwrap();
    }
}
