//! What the bench binaries share: a database of their own per run (rows in the text format of
//! `COPY` come from the core's `store::copy_text`, the encoder the sync's staging uses).

pub mod database;
