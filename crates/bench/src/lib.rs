//! What the bench binaries share: a database of their own per run, and rows written in the
//! text format of `COPY`.

pub mod copy_text;
pub mod database;
