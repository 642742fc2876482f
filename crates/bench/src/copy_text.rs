//! Rows in the text format of PostgreSQL's `COPY ... FROM STDIN`.

use std::fmt::Write as _;
use std::ops::DerefMut;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::postgres::{PgConnection, PgCopyIn};

/// How much text builds up before it goes to the server: memory stays flat however many rows
/// one COPY takes.
const CHUNK: usize = 1 << 20;

/// Rows in COPY's text format: tab-separated, `\N` for NULL, backslash escapes.
#[derive(Default)]
pub struct Line {
    pub buf: String,
    fields: usize,
}

impl Line {
    fn separate(&mut self) {
        if self.fields > 0 {
            self.buf.push('\t');
        }
        self.fields += 1;
    }

    pub fn value(&mut self, value: impl std::fmt::Display) {
        self.separate();
        let _ = write!(self.buf, "{value}");
    }

    pub fn null(&mut self) {
        self.separate();
        self.buf.push_str("\\N");
    }

    pub fn text(&mut self, text: &str) {
        self.separate();
        for c in text.chars() {
            match c {
                '\\' => self.buf.push_str("\\\\"),
                '\t' => self.buf.push_str("\\t"),
                '\n' => self.buf.push_str("\\n"),
                '\r' => self.buf.push_str("\\r"),
                c => self.buf.push(c),
            }
        }
    }

    pub fn opt_text(&mut self, text: Option<&str>) {
        match text {
            Some(text) => self.text(text),
            None => self.null(),
        }
    }

    pub fn time(&mut self, time: Option<DateTime<Utc>>) {
        match time {
            Some(time) => self.value(time.format("%Y-%m-%d %H:%M:%S%.6f+00")),
            None => self.null(),
        }
    }

    pub fn day(&mut self, day: NaiveDate) {
        self.value(day.format("%Y-%m-%d"));
    }

    pub fn end(&mut self) {
        self.buf.push('\n');
        self.fields = 0;
    }

    /// Ends the row and sends the rows so far once they fill a chunk.
    pub async fn end_into<C: DerefMut<Target = PgConnection>>(
        &mut self,
        copy: &mut PgCopyIn<C>,
    ) -> sqlx::Result<()> {
        self.end();
        if self.buf.len() >= CHUNK {
            copy.send(self.buf.as_bytes()).await?;
            self.buf.clear();
        }
        Ok(())
    }

    /// Sends the rows not sent yet and ends the COPY; answers with the rows it took.
    pub async fn finish<C: DerefMut<Target = PgConnection>>(
        &mut self,
        mut copy: PgCopyIn<C>,
    ) -> sqlx::Result<u64> {
        copy.send(self.buf.as_bytes()).await?;
        self.buf.clear();
        copy.finish().await
    }
}
