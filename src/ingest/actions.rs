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
    if quarantine.head(&key).await?.is_some() && !earlier_move_of(quarantine, &key, entry).await? {
        let stem = key.strip_suffix(".parquet").unwrap_or(&key).to_string();
        key = format!("{stem}.{run_id}.parquet");
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

/// Whether the copy already under `key` is this very file, left by a move
/// that a crash interrupted: a copy without its sidecar (the source is only
/// deleted after the sidecar is written), or one whose sidecar names the
/// same source version. Anything else is a different file and is kept.
async fn earlier_move_of(quarantine: &Store, key: &str, entry: &Entry) -> anyhow::Result<bool> {
    let Some(sidecar) = quarantine.get(&format!("{key}.dq.json")).await? else {
        return Ok(true);
    };
    let sidecar: serde_json::Value = serde_json::from_slice(&sidecar).unwrap_or_default();
    let lineage = &sidecar["lineage"];
    Ok(entry.e_tag.is_some()
        && lineage["etag"].as_str() == entry.e_tag.as_deref()
        && lineage["file_size_bytes"].as_u64() == Some(entry.size))
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
