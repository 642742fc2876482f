//! The streams each provider is synced by. Each stores every page or day window with its
//! checkpoint through the run's [`RunContext`](super::engine::RunContext), so a run stopped at
//! any point resumes after the last one stored.

pub(super) mod meta;
pub(super) mod pancake;
