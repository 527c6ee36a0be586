//! Storage for uploaded files (home-visit photos, attachments), kept outside the web root.
//!
//! The database holds only a key; the bytes live behind a [`FileStore`]. Keys are relative paths
//! made by the store itself (for example `photos/2026/11/3f2a….jpg`), never names sent by a
//! client, and they are still checked here so that no key can reach outside the store's root.
//! [`LocalDisk`] is the implementation for one server; another one (object storage) can take its
//! place behind the same trait.

use std::fs::{self, File, OpenOptions};
use std::io::{self, ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Where uploaded files live. Keys are relative paths made by the store (e.g.
/// `"photos/2026/11/3f2a….jpg"`); see [`check_key`] for what a key may contain.
pub trait FileStore: Send + Sync + std::fmt::Debug {
    /// Stores `bytes` under `key`, replacing what was there. Atomic: a reader sees either the old
    /// content or the new one, never a part, and a crash leaves no half-written file under `key`.
    fn put(&self, key: &str, bytes: &[u8]) -> io::Result<()>;
    /// The bytes stored under `key`, or `None` when there is nothing.
    fn get(&self, key: &str) -> io::Result<Option<Vec<u8>>>;
    /// Removes what is stored under `key`; a missing file is not an error.
    fn delete(&self, key: &str) -> io::Result<()>;
}

/// A shared file store, as handed to the web layer.
pub type Files = Arc<dyn FileStore>;

/// Files on the local disk under one root directory (which must not be served as-is).
#[derive(Debug, Clone)]
pub struct LocalDisk {
    root: PathBuf,
}

impl LocalDisk {
    /// A store under `root`; the directory is created on the first [`put`](FileStore::put).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn path_of(&self, key: &str) -> io::Result<PathBuf> {
        check_key(key)?;
        Ok(self.root.join(key))
    }
}

/// Checks that `key` is a safe relative path: only ASCII letters, digits, `/`, `-`, `_` and
/// `.`; segments separated by single `/`, none empty (so no leading or trailing `/`) and none
/// starting with `.` (so no `.`, no `..` and no hidden names, which the store keeps for its own
/// temporary files). Anything else is [`ErrorKind::InvalidInput`].
pub fn check_key(key: &str) -> io::Result<()> {
    let invalid = |why: &str| {
        Err(io::Error::new(
            ErrorKind::InvalidInput,
            format!("file key {key:?}: {why}"),
        ))
    };
    if key.is_empty() {
        return invalid("empty");
    }
    if let Some(c) = key
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '_' | '.')))
    {
        return invalid(&format!("character {c:?} not allowed"));
    }
    for segment in key.split('/') {
        if segment.is_empty() {
            return invalid("empty path segment");
        }
        if segment.starts_with('.') {
            return invalid("path segment starts with '.'");
        }
    }
    Ok(())
}

/// Distinguishes temporary files of concurrent writes within this process.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

impl FileStore for LocalDisk {
    fn put(&self, key: &str, bytes: &[u8]) -> io::Result<()> {
        let path = self.path_of(key)?;
        let dir = path.parent().unwrap_or(&self.root);
        fs::create_dir_all(dir)?;
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
        // Same directory, so the rename below stays on one file system and is atomic. The leading
        // dot keeps it apart from every valid key.
        let temp = dir.join(format!(
            ".{name}.{}-{}.tmp",
            std::process::id(),
            TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let written = (|| {
            let mut file = OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&temp)?;
            file.write_all(bytes)?;
            file.sync_all()?;
            drop(file);
            fs::rename(&temp, &path)
        })();
        if let Err(e) = written {
            let _ = fs::remove_file(&temp);
            return Err(e);
        }
        sync_dir(dir)
    }

    fn get(&self, key: &str) -> io::Result<Option<Vec<u8>>> {
        match fs::read(self.path_of(key)?) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn delete(&self, key: &str) -> io::Result<()> {
        match fs::remove_file(self.path_of(key)?) {
            Err(e) if e.kind() != ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}

/// Makes the rename durable: on Unix a directory entry is only safe once the directory is synced.
#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh directory under the system temp dir, removed when dropped.
    struct TempRoot(PathBuf);

    impl TempRoot {
        fn new() -> Self {
            Self(std::env::temp_dir().join(format!("ruamjai-files-test-{}", uuid::Uuid::new_v4())))
        }
    }

    impl Drop for TempRoot {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn put_get_delete_round_trip() {
        let root = TempRoot::new();
        let store = LocalDisk::new(&root.0);
        assert_eq!(store.root(), root.0.as_path());
        let key = "photos/2026/11/3f2a-9c_01.jpg";

        assert_eq!(store.get(key).unwrap(), None);
        store.put(key, b"first").unwrap();
        assert_eq!(store.get(key).unwrap().as_deref(), Some(&b"first"[..]));
        assert_eq!(fs::read(root.0.join(key)).unwrap(), b"first");

        // Replacing leaves the new content and no temporary file behind.
        store.put(key, b"second, longer").unwrap();
        assert_eq!(
            store.get(key).unwrap().as_deref(),
            Some(&b"second, longer"[..])
        );
        let names: Vec<_> = fs::read_dir(root.0.join("photos/2026/11"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, ["3f2a-9c_01.jpg"]);

        store.delete(key).unwrap();
        assert_eq!(store.get(key).unwrap(), None);
        assert!(!root.0.join(key).exists());
    }

    #[test]
    fn empty_file_is_stored() {
        let root = TempRoot::new();
        let store: Files = Arc::new(LocalDisk::new(&root.0));
        store.put("empty", b"").unwrap();
        assert_eq!(store.get("empty").unwrap(), Some(Vec::new()));
    }

    #[test]
    fn delete_of_missing_is_ok() {
        let root = TempRoot::new();
        let store = LocalDisk::new(&root.0);
        // Neither the file nor the root exists.
        store.delete("photos/none.jpg").unwrap();
        store.put("photos/a.jpg", b"a").unwrap();
        store.delete("photos/b.jpg").unwrap();
        assert_eq!(
            store.get("photos/a.jpg").unwrap().as_deref(),
            Some(&b"a"[..])
        );
    }

    #[test]
    fn bad_keys_are_refused() {
        let root = TempRoot::new();
        let store = LocalDisk::new(&root.0);
        let bad = [
            "",
            "/etc/passwd",
            "../outside.jpg",
            "photos/../../outside.jpg",
            "photos/..",
            "photos/./a.jpg",
            ".",
            "photos//a.jpg",
            "photos/",
            "photos/.hidden",
            "photos\\a.jpg",
            "photos/a b.jpg",
            "photos/รูป.jpg",
            "photos/a.jpg\0",
            "C:/a.jpg",
        ];
        for key in bad {
            for result in [
                store.put(key, b"x").err(),
                store.get(key).err(),
                store.delete(key).err(),
            ] {
                let e = result.unwrap_or_else(|| panic!("{key:?} was accepted"));
                assert_eq!(e.kind(), ErrorKind::InvalidInput, "{key:?}: {e}");
            }
        }
        // Nothing was written anywhere, not even the root.
        assert!(!root.0.exists());

        for good in ["a", "photos/2026/11/3f2a.jpg", "A-b_c.1.2/x"] {
            check_key(good).unwrap();
        }
    }
}
