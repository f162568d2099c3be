//! What happens to a file after its verdict: promotion to silver, or the
//! quarantine move (copy → sidecar → delete, safe to repeat).

use bytes::Bytes;
use serde::Serialize;

use crate::store::{Entry, Store};

/// Moves a bronze file to quarantine with a `.dq.json` sidecar holding the
/// full result. A different file already quarantined under the same key is
/// kept: the new one gets the run id in its name. Returns the quarantine key.
pub async fn quarantine<T: Serialize>(
    bronze: &Store,
    entry: &Entry,
    quarantine: &Store,
    run_id: &str,
    sidecar: &T,
) -> anyhow::Result<String> {
    let mut key = entry.key.clone();
    if let Some(existing) = quarantine.head(&key).await? {
        // Same bytes (a repeated move after a crash) may be overwritten; anything else is kept.
        let same = existing.size == entry.size
            && existing.e_tag.is_some()
            && existing.e_tag == entry.e_tag;
        if !same {
            let stem = key.strip_suffix(".parquet").unwrap_or(&key).to_string();
            key = format!("{stem}.{run_id}.parquet");
        }
    }
    bronze.copy_to(&entry.key, quarantine, &key).await?;
    let sidecar_json = serde_json::to_vec_pretty(sidecar)?;
    quarantine
        .put(&format!("{key}.dq.json"), Bytes::from(sidecar_json))
        .await?;
    // Only once the copy and its sidecar are in place does the original go.
    bronze.delete(&entry.key).await?;
    Ok(key)
}

/// Copies (or moves) a passed file to silver.
pub async fn promote(
    bronze: &Store,
    entry: &Entry,
    silver: &Store,
    remove: bool,
) -> anyhow::Result<()> {
    bronze.copy_to(&entry.key, silver, &entry.key).await?;
    if remove {
        bronze.delete(&entry.key).await?;
    }
    Ok(())
}
