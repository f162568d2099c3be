//! The five storage roots of a run, opened from the settings.

use crate::config::{OnPass, Settings};
use crate::state::State;
use crate::store::Store;

#[derive(Debug, Clone)]
pub struct Roots {
    pub bronze: Store,
    pub suites: Store,
    pub state: State,
    pub quarantine: Store,
    /// Present when passed files are promoted (`on_pass: copy|move`).
    pub silver: Option<Store>,
}

impl Roots {
    /// Opens every root; local roots the pipeline writes are created when
    /// missing (unless `dry_run`, which creates nothing), the bronze root must exist.
    pub async fn open(settings: &Settings, dry_run: bool) -> anyhow::Result<Roots> {
        let open = |root: &str| {
            if dry_run {
                Store::open_or_empty(root)
            } else {
                Store::open(root, true)
            }
        };
        let roots = Roots {
            bronze: Store::open(&settings.bronze, false)?,
            // A dry run profiles into a copy of the suites, so that its
            // ingest validates with the suites a real run would write.
            suites: if dry_run {
                Store::overlay(&settings.suites, "_validation.yml").await?
            } else {
                open(&settings.suites)?
            },
            state: State::new(open(&settings.state)?),
            quarantine: open(&settings.quarantine)?,
            silver: match settings.on_pass {
                OnPass::None => None,
                _ => Some(open(&settings.silver)?),
            },
        };
        if !dry_run {
            roots.state.store.check_writable().await?;
            roots.quarantine.check_writable().await?;
        }
        Ok(roots)
    }
}
