//! PostgreSQL's binary `COPY` format, read and written incrementally: rows arrive in
//! chunks of any size from `COPY … TO STDOUT (FORMAT binary)` and leave in batches for
//! `COPY … FROM STDIN (FORMAT binary)`, so a table of any size passes through a buffer
//! of about one batch. Binary needs no escaping, and columns a rule keeps are copied as
//! bytes without decoding.

use anyhow::{bail, Context};

const SIGNATURE: &[u8] = b"PGCOPY\n\xff\r\n\0";
/// Send to the target once this much is buffered.
pub const BATCH_BYTES: usize = 1 << 20;

/// Splits the binary stream into rows.
#[derive(Default)]
pub struct Reader {
    buffer: Vec<u8>,
    /// Where unread bytes start.
    start: usize,
    header_done: bool,
    finished: bool,
}

/// One row: each field's byte range in the reader's buffer, `None` for NULL.
pub type Fields = Vec<Option<std::ops::Range<usize>>>;

impl Reader {
    pub fn push(&mut self, chunk: &[u8]) {
        if self.start > 0 && self.start == self.buffer.len() {
            self.buffer.clear();
            self.start = 0;
        } else if self.start > BATCH_BYTES {
            self.buffer.drain(..self.start);
            self.start = 0;
        }
        self.buffer.extend_from_slice(chunk);
    }

    pub fn bytes(&self) -> &[u8] {
        &self.buffer
    }

    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// The next complete row, or `None` when more bytes are needed (or the trailer came).
    pub fn next_row(&mut self, fields: &mut Fields) -> anyhow::Result<bool> {
        if self.finished {
            return Ok(false);
        }
        if !self.header_done {
            let available = &self.buffer[self.start..];
            if available.len() < SIGNATURE.len() + 8 {
                return Ok(false);
            }
            if &available[..SIGNATURE.len()] != SIGNATURE {
                bail!("the source did not send binary COPY data");
            }
            let extension = read_i32(&available[SIGNATURE.len() + 4..]) as usize;
            let header = SIGNATURE.len() + 8 + extension;
            if available.len() < header {
                return Ok(false);
            }
            self.start += header;
            self.header_done = true;
        }
        let available = &self.buffer[self.start..];
        if available.len() < 2 {
            return Ok(false);
        }
        let count = i16::from_be_bytes([available[0], available[1]]);
        if count == -1 {
            self.finished = true;
            self.start += 2;
            return Ok(false);
        }
        let mut offset = 2;
        fields.clear();
        for _ in 0..count {
            if available.len() < offset + 4 {
                return Ok(false);
            }
            let length = read_i32(&available[offset..]);
            offset += 4;
            if length < 0 {
                fields.push(None);
                continue;
            }
            let length = length as usize;
            if available.len() < offset + length {
                return Ok(false);
            }
            let begin = self.start + offset;
            fields.push(Some(begin..begin + length));
            offset += length;
        }
        self.start += offset;
        Ok(true)
    }
}

fn read_i32(bytes: &[u8]) -> i32 {
    i32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])
}

/// Builds the binary stream for the target.
pub struct Writer {
    pub buffer: Vec<u8>,
}

impl Writer {
    pub fn new() -> Writer {
        let mut buffer = Vec::with_capacity(BATCH_BYTES + 64 * 1024);
        buffer.extend_from_slice(SIGNATURE);
        buffer.extend_from_slice(&0i32.to_be_bytes());
        buffer.extend_from_slice(&0i32.to_be_bytes());
        Writer { buffer }
    }

    pub fn begin_row(&mut self, fields: usize) -> anyhow::Result<()> {
        let count = i16::try_from(fields).context("too many columns")?;
        self.buffer.extend_from_slice(&count.to_be_bytes());
        Ok(())
    }

    pub fn field(&mut self, value: Option<&[u8]>) -> anyhow::Result<()> {
        match value {
            None => self.buffer.extend_from_slice(&(-1i32).to_be_bytes()),
            Some(bytes) => {
                let length = i32::try_from(bytes.len()).context("a value over 2 GiB")?;
                self.buffer.extend_from_slice(&length.to_be_bytes());
                self.buffer.extend_from_slice(bytes);
            }
        }
        Ok(())
    }

    pub fn finish(&mut self) {
        self.buffer.extend_from_slice(&(-1i16).to_be_bytes());
    }

    pub fn is_full(&self) -> bool {
        self.buffer.len() >= BATCH_BYTES
    }

    pub fn take(&mut self) -> Vec<u8> {
        std::mem::replace(
            &mut self.buffer,
            Vec::with_capacity(BATCH_BYTES + 64 * 1024),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_written_are_read_back_from_chunks_of_any_size() {
        let mut writer = Writer::new();
        for n in 0..100u32 {
            writer.begin_row(3).unwrap();
            writer.field(Some(&n.to_be_bytes())).unwrap();
            writer.field(None).unwrap();
            writer.field(Some(format!("row {n}").as_bytes())).unwrap();
        }
        writer.finish();
        let stream = writer.take();
        for chunk_size in [1, 7, 64, stream.len()] {
            let mut reader = Reader::default();
            let mut fields = Fields::new();
            let mut seen = Vec::new();
            for chunk in stream.chunks(chunk_size) {
                reader.push(chunk);
                while reader.next_row(&mut fields).unwrap() {
                    let text = &reader.bytes()[fields[2].clone().unwrap()];
                    assert!(fields[1].is_none());
                    seen.push(String::from_utf8(text.to_vec()).unwrap());
                }
            }
            assert!(reader.is_finished());
            assert_eq!(seen.len(), 100, "chunks of {chunk_size}");
            assert_eq!(seen[99], "row 99");
        }
    }
}
