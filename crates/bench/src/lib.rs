//! What the bench binaries share: a database of their own per run, rows written in the text
//! format of `COPY`, and the synced tables filled with it.

pub mod copy_text;
pub mod database;
pub mod tables;
