//! The one storage abstraction: a root addressed by URL or plain path, over
//! `object_store`. Callers speak in keys relative to the root and never see
//! which backend is behind it.

use std::ops::Range;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, Context};
use bytes::Bytes;
use futures::future::BoxFuture;
use futures::{FutureExt, TryStreamExt};
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{
    GetOptions, ObjectMeta, ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload,
    UpdateVersion,
};
use parquet::arrow::arrow_reader::ArrowReaderOptions;
use parquet::arrow::async_reader::AsyncFileReader;
use parquet::errors::ParquetError;
use parquet::file::metadata::{ParquetMetaData, ParquetMetaDataReader};

use crate::config::Storage;
use crate::error::config_err;
use crate::util::redact_url;

/// Request settings for object stores, set once per process from the
/// configuration (`storage:`); defaults until then.
static STORAGE: std::sync::OnceLock<Storage> = std::sync::OnceLock::new();

/// Sets how object stores are reached, for every root opened afterwards.
pub fn configure(storage: &Storage) {
    let _ = STORAGE.set(storage.clone());
}

/// Opens an object store root (`s3://`, `az://`, `abfss://`, `gs://`, and
/// the https forms each cloud documents). Credentials and endpoints come
/// from the cloud's own environment variables and pod identity.
fn open_object_store(url: &url::Url) -> Result<(Arc<dyn ObjectStore>, Path), String> {
    use object_store::client::ClientConfigKey;
    use object_store::{BackoffConfig, ObjectStoreScheme, RetryConfig};
    let storage = STORAGE.get().cloned().unwrap_or_default();
    let retry = RetryConfig {
        backoff: BackoffConfig::default(),
        max_retries: storage.request_retries,
        retry_timeout: Duration::from_secs_f64(storage.retry_timeout_seconds.max(0.0)),
    };
    let timeout = format!("{}ms", (storage.timeout_seconds * 1000.0).max(1.0) as u64);
    let connect = format!(
        "{}ms",
        (storage.connect_timeout_seconds * 1000.0).max(1.0) as u64
    );
    let (scheme, path) = ObjectStoreScheme::parse(url).map_err(|e| e.to_string())?;
    let path = Path::parse(path).map_err(|e| e.to_string())?;
    // The same settings for every cloud: credentials and endpoints from the
    // cloud's own variables, then our retries and timeouts.
    macro_rules! build {
        ($builder:ty, $key:ty) => {
            Arc::new(
                <$builder>::from_env()
                    .with_url(url.as_str())
                    .with_retry(retry)
                    .with_config(<$key>::Client(ClientConfigKey::Timeout), timeout)
                    .with_config(<$key>::Client(ClientConfigKey::ConnectTimeout), connect)
                    .build()
                    .map_err(|e| e.to_string())?,
            )
        };
    }
    let store: Arc<dyn ObjectStore> = match scheme {
        ObjectStoreScheme::AmazonS3 => {
            build!(
                object_store::aws::AmazonS3Builder,
                object_store::aws::AmazonS3ConfigKey
            )
        }
        ObjectStoreScheme::MicrosoftAzure => {
            build!(
                object_store::azure::MicrosoftAzureBuilder,
                object_store::azure::AzureConfigKey
            )
        }
        ObjectStoreScheme::GoogleCloudStorage => {
            build!(
                object_store::gcp::GoogleCloudStorageBuilder,
                object_store::gcp::GoogleConfigKey
            )
        }
        _ => return Err("this kind of URL is not a storage root".into()),
    };
    Ok((store, path))
}

/// One object below a root.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Path relative to the root, `/`-separated.
    pub key: String,
    pub size: u64,
    pub last_modified: chrono::DateTime<chrono::Utc>,
    pub e_tag: Option<String>,
}

/// A storage root.
#[derive(Debug, Clone)]
pub struct Store {
    inner: Arc<dyn ObjectStore>,
    prefix: Path,
    url: String,
    /// The file system behind a local root; used for locking and same-disk copies.
    local: Option<Arc<LocalFileSystem>>,
}

impl Store {
    /// Opens a root. `create` makes a missing local directory (for roots the
    /// pipeline writes); a missing bronze root is reported instead.
    pub fn open(root: &str, create: bool) -> anyhow::Result<Store> {
        let is_url = root.contains("://");
        if is_url && !root.starts_with("file://") {
            // Roots may carry credentials (SAS tokens, user:password): only the
            // redacted form is ever shown.
            let shown = redact_url(root);
            let url = url::Url::parse(root)
                .map_err(|_| config_err(format!("storage root {shown:?} is not a valid URL")))?;
            let (store, prefix) = open_object_store(&url).map_err(|e| {
                config_err(format!(
                    "storage root {shown}: {}; supported are plain paths, file://, s3://, az://, abfss://, gs:// (see the README for credentials)",
                    redact_url(&e)
                ))
            })?;
            return Ok(Store {
                inner: store,
                prefix,
                url: shown.trim_end_matches('/').to_string(),
                local: None,
            });
        }
        let dir = PathBuf::from(root.strip_prefix("file://").unwrap_or(root));
        if !dir.exists() {
            if create {
                std::fs::create_dir_all(&dir)
                    .with_context(|| format!("creating directory {}", dir.display()))?;
            } else {
                return Err(config_err(format!(
                    "directory {} does not exist; create it or point the root elsewhere",
                    dir.display()
                )));
            }
        }
        if !dir.is_dir() {
            return Err(config_err(format!(
                "{} is not a directory; point the root at a folder",
                dir.display()
            )));
        }
        let abs = std::fs::canonicalize(&dir)
            .with_context(|| format!("resolving directory {}", dir.display()))?;
        let fs = Arc::new(
            LocalFileSystem::new_with_prefix(&abs)
                .with_context(|| format!("opening directory {}", abs.display()))?,
        );
        Ok(Store {
            inner: fs.clone(),
            prefix: Path::default(),
            url: root.trim_end_matches('/').to_string(),
            local: Some(fs),
        })
    }

    /// Proves the root can be written before any work starts, so a run that
    /// cannot record its results does not move files first.
    pub async fn check_writable(&self) -> anyhow::Result<()> {
        let key = format!(".aims-dq-write-check-{}", std::process::id());
        self.put(&key, Bytes::from_static(b"ok"))
            .await
            .with_context(|| {
                format!(
                    "{} is not writable; fix its permissions or point the root elsewhere",
                    self.url
                )
            })?;
        self.delete(&key).await
    }

    /// A root in memory (tests, fuzzing).
    pub fn memory() -> Store {
        Store {
            inner: Arc::new(object_store::memory::InMemory::new()),
            prefix: Path::default(),
            url: "memory:".to_string(),
            local: None,
        }
    }

    /// Opens a root that may not exist yet without creating it: a missing
    /// local directory reads as empty (for `--dry-run`, which writes nothing).
    pub fn open_or_empty(root: &str) -> anyhow::Result<Store> {
        let local = !root.contains("://") || root.starts_with("file://");
        let dir = PathBuf::from(root.strip_prefix("file://").unwrap_or(root));
        if local && !dir.exists() {
            return Ok(Store {
                inner: Arc::new(object_store::memory::InMemory::new()),
                prefix: Path::default(),
                url: root.trim_end_matches('/').to_string(),
                local: None,
            });
        }
        Store::open(root, false)
    }

    /// An in-memory copy of a root's objects whose keys end with `suffix`:
    /// a dry run writes into it, so later stages see what would have been
    /// written while the real root stays untouched.
    pub async fn overlay(root: &str, suffix: &str) -> anyhow::Result<Store> {
        let real = Store::open_or_empty(root)?;
        let memory = Store {
            inner: Arc::new(object_store::memory::InMemory::new()),
            prefix: Path::default(),
            url: real.url.clone(),
            local: None,
        };
        for e in real.list("").await? {
            if e.key.ends_with(suffix) {
                if let Some(bytes) = real.get(&e.key).await? {
                    memory.put(&e.key, bytes).await?;
                }
            }
        }
        Ok(memory)
    }

    /// The root as the user gave it.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// A human- and log-friendly address of a key.
    pub fn display(&self, key: &str) -> String {
        format!("{}/{}", self.url, key)
    }

    /// Keys are `object_store` paths relative to the root, in their stored
    /// (percent-encoded) form, so a key read from a listing addresses the
    /// same object in any root. A key that is not a valid path (`..`, `.`,
    /// empty segments) is encoded part by part instead, so it cannot leave
    /// its root.
    fn path(&self, key: &str) -> Path {
        let mut path = self.prefix.clone();
        match Path::parse(key) {
            Ok(rel) => {
                for part in rel.parts() {
                    path = path.join(part);
                }
            }
            Err(_) => {
                for part in key.split('/').filter(|p| !p.is_empty()) {
                    path = path.join(part);
                }
            }
        }
        path
    }

    fn key_of(&self, location: &Path) -> String {
        match location.prefix_match(&self.prefix) {
            Some(parts) => parts
                .map(|p| p.as_ref().to_string())
                .collect::<Vec<_>>()
                .join("/"),
            None => location.as_ref().to_string(),
        }
    }

    fn entry(&self, meta: ObjectMeta) -> Entry {
        Entry {
            key: self.key_of(&meta.location),
            size: meta.size,
            last_modified: meta.last_modified,
            e_tag: meta.e_tag,
        }
    }

    /// Every object below `dir` (a key prefix, "" for the whole root), sorted by key.
    pub async fn list(&self, dir: &str) -> anyhow::Result<Vec<Entry>> {
        let prefix = self.path(dir);
        let prefix = if prefix.as_ref().is_empty() {
            None
        } else {
            Some(&prefix)
        };
        let metas: Vec<ObjectMeta> = self
            .inner
            .list(prefix)
            .try_collect()
            .await
            .with_context(|| format!("listing {}", self.display(dir)))?;
        let mut entries: Vec<Entry> = metas.into_iter().map(|m| self.entry(m)).collect();
        entries.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(entries)
    }

    pub async fn head(&self, key: &str) -> anyhow::Result<Option<Entry>> {
        match self.inner.head(&self.path(key)).await {
            Ok(meta) => Ok(Some(self.entry(meta))),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(anyhow!(e).context(format!("reading metadata of {}", self.display(key)))),
        }
    }

    pub async fn get(&self, key: &str) -> anyhow::Result<Option<Bytes>> {
        match self.inner.get(&self.path(key)).await {
            Ok(r) => {
                Ok(Some(r.bytes().await.with_context(|| {
                    format!("reading {}", self.display(key))
                })?))
            }
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(anyhow!(e).context(format!("reading {}", self.display(key)))),
        }
    }

    pub async fn put(&self, key: &str, bytes: Bytes) -> anyhow::Result<()> {
        self.inner
            .put(&self.path(key), PutPayload::from(bytes))
            .await
            .with_context(|| format!("writing {}", self.display(key)))?;
        Ok(())
    }

    /// Deletes a key; a key that is already gone is not an error (so a
    /// repeated quarantine move stays safe).
    pub async fn delete(&self, key: &str) -> anyhow::Result<()> {
        match self.inner.delete(&self.path(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(anyhow!(e).context(format!("deleting {}", self.display(key)))),
        }
    }

    /// Copies a key of this root to a key of another (or the same) root.
    pub async fn copy_to(&self, key: &str, dest: &Store, dest_key: &str) -> anyhow::Result<()> {
        let what = || {
            format!(
                "copying {} to {}",
                self.display(key),
                dest.display(dest_key)
            )
        };
        if let (Some(src), Some(dst)) = (self.local_path(key), dest.local_path(dest_key)) {
            let tmp = dst.with_extension("dq-partial");
            if let Some(parent) = dst.parent() {
                std::fs::create_dir_all(parent).with_context(what)?;
            }
            std::fs::copy(&src, &tmp).with_context(what)?;
            std::fs::rename(&tmp, &dst).with_context(what)?;
            return Ok(());
        }
        if Arc::ptr_eq(&self.inner, &dest.inner) {
            return self
                .inner
                .copy(&self.path(key), &dest.path(dest_key))
                .await
                .with_context(what);
        }
        let bytes = self
            .get(key)
            .await?
            .ok_or_else(|| anyhow!("{} does not exist", self.display(key)))
            .with_context(what)?;
        dest.put(dest_key, bytes).await.with_context(what)
    }

    fn local_path(&self, key: &str) -> Option<PathBuf> {
        self.local
            .as_ref()?
            .path_to_filesystem(&self.path(key))
            .ok()
    }

    /// Read-modify-write of one small object that other processes may be
    /// updating too: compare-and-swap on object stores, a lock file and an
    /// atomic rename on local disk. `f` gets the current bytes (None when
    /// absent) and returns the new ones; it may be called more than once.
    pub async fn update<F>(&self, key: &str, mut f: F) -> anyhow::Result<()>
    where
        F: FnMut(Option<Bytes>) -> anyhow::Result<Bytes>,
    {
        if let Some(path) = self.local_path(key) {
            let _lock = LocalLock::acquire(path.with_extension("lock")).await?;
            let current = self.get(key).await?;
            let next = f(current)?;
            // LocalFileSystem writes to a staging file and renames it into place.
            return self.put(key, next).await;
        }
        let location = self.path(key);
        for attempt in 0..64u32 {
            let (current, version) =
                match self.inner.get_opts(&location, GetOptions::default()).await {
                    Ok(r) => {
                        let version = UpdateVersion {
                            e_tag: r.meta.e_tag.clone(),
                            version: r.meta.version.clone(),
                        };
                        (Some(r.bytes().await?), Some(version))
                    }
                    Err(object_store::Error::NotFound { .. }) => (None, None),
                    Err(e) => {
                        return Err(anyhow!(e).context(format!("reading {}", self.display(key))))
                    }
                };
            let next = f(current)?;
            let mode = match version {
                Some(v) => PutMode::Update(v),
                None => PutMode::Create,
            };
            let opts = PutOptions {
                mode,
                ..Default::default()
            };
            match self
                .inner
                .put_opts(&location, PutPayload::from(next), opts)
                .await
            {
                Ok(_) => return Ok(()),
                Err(object_store::Error::Precondition { .. })
                | Err(object_store::Error::AlreadyExists { .. }) => {
                    // Somebody else wrote first: back off a little and merge again.
                    let jitter = crate::util::random_u64() % 50;
                    tokio::time::sleep(Duration::from_millis(10 * attempt as u64 + jitter)).await;
                }
                Err(e) => return Err(anyhow!(e).context(format!("writing {}", self.display(key)))),
            }
        }
        Err(anyhow!(
            "gave up updating {} after 64 conflicting writes",
            self.display(key)
        ))
    }

    /// A parquet reader for one object that fetches only the byte ranges it
    /// needs and counts them.
    pub fn parquet_reader(&self, entry: &Entry) -> StoreReader {
        StoreReader {
            store: self.inner.clone(),
            path: self.path(&entry.key),
            size: entry.size,
            fetched: Arc::new(AtomicU64::new(0)),
        }
    }
}

/// An exclusive lock on a file next to the object (`flock`): the kernel
/// releases it when its holder exits, even on `kill -9`, so a crashed run
/// never blocks the next one.
struct LocalLock {
    _file: std::fs::File,
}

impl LocalLock {
    async fn acquire(path: PathBuf) -> anyhow::Result<LocalLock> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating directory {}", parent.display()))?;
        }
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .with_context(|| format!("opening lock file {}", path.display()))?;
        let start = std::time::Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(LocalLock { _file: file }),
                Err(std::fs::TryLockError::WouldBlock) => {
                    if start.elapsed() > Duration::from_secs(300) {
                        return Err(anyhow!(
                            "lock {} has been held by another run for 5 minutes; is a run stuck?",
                            path.display()
                        ));
                    }
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                Err(std::fs::TryLockError::Error(e)) => {
                    return Err(anyhow!(e).context(format!("locking {}", path.display())))
                }
            }
        }
    }
}

/// Parquet access to one stored object by ranged reads. Clones share the
/// count of bytes fetched (parts of a file read in parallel).
#[derive(Clone)]
pub struct StoreReader {
    store: Arc<dyn ObjectStore>,
    path: Path,
    size: u64,
    fetched: Arc<AtomicU64>,
}

impl StoreReader {
    /// Metadata that points past the end of the file means bad bytes, not
    /// a storage problem worth retrying.
    fn check_range(&self, range: &Range<u64>) -> parquet::errors::Result<()> {
        if range.end > self.size || range.start > range.end {
            return Err(ParquetError::General(format!(
                "the file's metadata points at bytes {}..{}, beyond its end ({} bytes): it is corrupt or truncated",
                range.start, range.end, self.size
            )));
        }
        Ok(())
    }

    /// A counter of the bytes this reader fetched, readable after the reader is consumed.
    pub fn fetched_counter(&self) -> Arc<AtomicU64> {
        self.fetched.clone()
    }
}

/// Wraps a store error so that it can be told apart from a decoding error:
/// store errors are transient candidates, decoding errors mean bad bytes.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct StoreIoError(#[source] pub object_store::Error);

fn io_err(e: object_store::Error) -> ParquetError {
    ParquetError::External(Box::new(StoreIoError(e)))
}

impl AsyncFileReader for StoreReader {
    fn get_bytes(&mut self, range: Range<u64>) -> BoxFuture<'_, parquet::errors::Result<Bytes>> {
        async move {
            self.check_range(&range)?;
            let len = range.end.saturating_sub(range.start);
            let bytes = self
                .store
                .get_range(&self.path, range)
                .await
                .map_err(io_err)?;
            self.fetched.fetch_add(len, Ordering::Relaxed);
            Ok(bytes)
        }
        .boxed()
    }

    fn get_byte_ranges(
        &mut self,
        ranges: Vec<Range<u64>>,
    ) -> BoxFuture<'_, parquet::errors::Result<Vec<Bytes>>> {
        async move {
            for r in &ranges {
                self.check_range(r)?;
            }
            let len: u64 = ranges.iter().map(|r| r.end.saturating_sub(r.start)).sum();
            let bytes = self
                .store
                .get_ranges(&self.path, &ranges)
                .await
                .map_err(io_err)?;
            self.fetched.fetch_add(len, Ordering::Relaxed);
            Ok(bytes)
        }
        .boxed()
    }

    fn get_metadata<'a>(
        &'a mut self,
        options: Option<&'a ArrowReaderOptions>,
    ) -> BoxFuture<'a, parquet::errors::Result<Arc<ParquetMetaData>>> {
        async move {
            let size = self.size;
            // The page indexes are read only when asked for (a sampling
            // reader uses the offset index to fetch just the pages it needs).
            let mut reader = ParquetMetaDataReader::new().with_prefetch_hint(Some(64 * 1024));
            if let Some(options) = options {
                reader = reader
                    .with_column_index_policy(options.column_index_policy())
                    .with_offset_index_policy(options.offset_index_policy());
            }
            let meta = reader.load_and_finish(self, size).await?;
            Ok(Arc::new(meta))
        }
        .boxed()
    }
}

#[cfg(test)]
mod url_tests {
    use super::Store;

    #[test]
    fn cloud_root_urls_open_without_network_and_keep_their_prefix() {
        for (url, prefix) in [
            ("s3://bucket/some/prefix", "some/prefix"),
            ("s3a://bucket/prefix", "prefix"),
            (
                "abfss://container@acct.dfs.core.windows.net/prefix",
                "prefix",
            ),
            (
                "abfss://workspace@onelake.dfs.fabric.microsoft.com/item.Lakehouse/Files/prefix",
                "item.Lakehouse/Files/prefix",
            ),
            (
                "https://acct.blob.core.windows.net/container/prefix",
                "prefix",
            ),
            ("gs://bucket/prefix", "prefix"),
        ] {
            let store = Store::open(url, false).unwrap_or_else(|e| panic!("{url}: {e:#}"));
            assert_eq!(store.prefix.as_ref(), prefix, "{url}");
            assert_eq!(store.url(), url);
        }
    }

    #[test]
    fn unsupported_urls_are_configuration_errors() {
        for url in ["ftp://host/path", "memory:///x", "s3://"] {
            let err = Store::open(url, false).unwrap_err();
            assert_eq!(crate::error::exit_code_for(&err), 2, "{url}: {err:#}");
            assert!(err.to_string().contains("storage root"), "{url}: {err:#}");
        }
    }
}
