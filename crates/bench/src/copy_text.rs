//! Rows in the text format of PostgreSQL's `COPY ... FROM STDIN`.

use std::fmt::Write as _;

use chrono::{DateTime, NaiveDate, Utc};

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
}
