//! Files, byte spans and line indexes.
//!
//! A [`Span`] is a byte range into a file's text as read (after decoding, see
//! [`decode`]). Line and column are computed only when rendering, through the
//! file's [`LineIndex`], in whatever unit the output format needs.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// Index of a file in a [`SourceMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub usize);

/// A byte range `start..end` (end exclusive) into one file's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span {
            start,
            end: end.max(start),
        }
    }

    pub fn len(&self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }

    /// The span moved `by` bytes to the right (used for embedded documents and BOMs).
    pub fn shifted(&self, by: usize) -> Span {
        Span::new(self.start + by, self.end + by)
    }

    /// The smallest span covering both.
    pub fn cover(&self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    pub fn contains(&self, other: Span) -> bool {
        self.start <= other.start && other.end <= self.end
    }
}

/// The unit in which a column is counted; each output format picks its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnUnit {
    /// Unicode scalar values (JSON contract, human output, SARIF `unicodeCodePoints`).
    Chars,
    /// UTF-16 code units (SARIF default, LSP).
    Utf16,
    /// UTF-8 bytes (reviewdog rdjson).
    Bytes,
}

/// A 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// Byte offsets of line starts; converts offsets to positions in O(log lines).
#[derive(Debug, Clone, Default)]
pub struct LineIndex {
    starts: Vec<usize>,
}

/// Byte offsets where the lines of `text` start. Lines end at `\n`, `\r\n` or a lone
/// `\r`. The first line starts after a BOM, so the BOM takes no column in any unit
/// (an offset inside it is column 1 of line 1).
fn line_starts(text: &str) -> impl Iterator<Item = usize> + '_ {
    let bytes = text.as_bytes();
    // Only line ends are looked at, found a word at a time; in CRLF the LF ends the line.
    let ends = memchr::memchr2_iter(b'\n', b'\r', bytes)
        .filter(move |&i| bytes.get(i) == Some(&b'\n') || is_lone_cr(bytes, i));
    std::iter::once(bom_len(text)).chain(ends.map(|i| i + 1))
}

impl LineIndex {
    /// Lines end at `\n`, `\r\n` or a lone `\r`.
    pub fn new(text: &str) -> Self {
        LineIndex {
            starts: line_starts(text).collect(),
        }
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// 0-based line containing `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        self.starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1)
    }

    /// Byte offset where 0-based `line` starts.
    pub fn line_start(&self, line: usize) -> usize {
        self.starts.get(line).copied().unwrap_or(0)
    }

    /// 1-based line and column of `offset` in `text`, column counted in `unit`.
    pub fn position(&self, text: &str, offset: usize, unit: ColumnUnit) -> Position {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line = self.line_of(offset);
        let start = self.line_start(line).min(offset);
        let prefix = text.get(start..offset).unwrap_or("");
        let column = match unit {
            ColumnUnit::Chars => prefix.chars().count(),
            ColumnUnit::Utf16 => prefix.encode_utf16().count(),
            ColumnUnit::Bytes => prefix.len(),
        };
        Position {
            line: line + 1,
            column: column + 1,
        }
    }
}

/// Where the lines of a released text that is all ASCII start, in about 1.3 bytes a
/// line (it is kept for every released file, most of which never show a finding). In
/// ASCII a column is the same in every unit, so positions need no second read of the
/// file; the machine formats show nothing else of a file.
#[derive(Debug, Clone)]
struct AsciiLines {
    /// The length of each line but the last, LEB128-coded: one byte below 128.
    lengths: Box<[u8]>,
    /// For every [`LINES_PER_CHECKPOINT`]th line: its start, and where its length
    /// begins in `lengths`. A position decodes at most that many lengths.
    checkpoints: Box<[(u32, u32)]>,
}

const LINES_PER_CHECKPOINT: usize = 32;

impl AsciiLines {
    /// None unless `text` is ASCII and its offsets fit in 32 bits.
    fn of(text: &str) -> Option<Self> {
        if !text.is_ascii() || u32::try_from(text.len()).is_err() {
            return None;
        }
        let mut lengths = Vec::new();
        let mut checkpoints = Vec::new();
        let mut starts = line_starts(text).enumerate().peekable();
        while let Some((line, start)) = starts.next() {
            if line % LINES_PER_CHECKPOINT == 0 {
                checkpoints.push((
                    u32::try_from(start).ok()?,
                    u32::try_from(lengths.len()).ok()?,
                ));
            }
            if let Some(&(_, next)) = starts.peek() {
                push_leb128(&mut lengths, next - start);
            }
        }
        Some(AsciiLines {
            lengths: lengths.into(),
            checkpoints: checkpoints.into(),
        })
    }

    /// As [`LineIndex::position`] gives for the text these lines came from (`len`
    /// bytes long).
    fn position(&self, len: usize, offset: usize) -> Position {
        let offset = offset.min(len);
        let checkpoint = self
            .checkpoints
            .partition_point(|&(start, _)| start as usize <= offset)
            .saturating_sub(1);
        let (start, at) = self.checkpoints.get(checkpoint).copied().unwrap_or((0, 0));
        let (mut line, mut start, mut at) = (
            checkpoint * LINES_PER_CHECKPOINT,
            start as usize,
            at as usize,
        );
        while let Some((length, next_at)) = read_leb128(&self.lengths, at) {
            if start + length > offset {
                break;
            }
            (line, start, at) = (line + 1, start + length, next_at);
        }
        Position {
            line: line + 1,
            column: offset - start + 1,
        }
    }
}

fn push_leb128(out: &mut Vec<u8>, mut value: usize) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// The value coded at `at`, and where the next one begins.
fn read_leb128(bytes: &[u8], mut at: usize) -> Option<(usize, usize)> {
    let mut value = 0usize;
    let mut shift = 0;
    loop {
        let byte = *bytes.get(at)?;
        value |= usize::from(byte & 0x7F).checked_shl(shift)?;
        at += 1;
        if byte < 0x80 {
            return Some((value, at));
        }
        shift += 7;
    }
}

/// The largest char boundary not above `offset`.
pub fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    offset = offset.min(text.len());
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// How a file's bytes were turned into text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    /// ISO-8859-1, as Spring Boot reads `.properties` files. Spans index the decoded text.
    Latin1,
}

/// Why a file's bytes could not be read as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    pub message: String,
    /// Byte offset of the first offending byte.
    pub offset: usize,
    /// For invalid UTF-8: the text before the invalid byte and the rest of its line
    /// (at most [`SHOWN_TAIL`] bytes, invalid ones as U+FFFD), so a finding can be
    /// placed at `offset`. Empty when there is nothing to show, or when the valid text
    /// is longer than [`MAX_SHOWN`] (kept until the end of the run: bounded).
    pub shown: String,
}

/// The most of a file's valid text kept to show where it stops being UTF-8.
pub const MAX_SHOWN: usize = 1 << 20;
/// The most of the line after an invalid byte that is shown.
pub const SHOWN_TAIL: usize = 256;

/// Decode a file's bytes. UTF-8 is the rule (a BOM is kept in the text and skipped by
/// the parsers); `latin1_fallback` allows ISO-8859-1 for `.properties`. UTF-16 and
/// binary data are refused with the offset of the problem.
/// The bytes become the text without a copy when they are UTF-8.
pub fn decode(bytes: Vec<u8>, latin1_fallback: bool) -> Result<(String, Encoding), DecodeError> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) || looks_utf16(&bytes) {
        return Err(DecodeError {
            message: "file is UTF-16 encoded; save it as UTF-8".into(),
            offset: 0,
            shown: String::new(),
        });
    }
    if let Some(nul) = memchr::memchr(0, &bytes) {
        return Err(DecodeError {
            message: format!(
                "file contains a NUL byte at offset {nul}: binary data, not a configuration file"
            ),
            offset: nul,
            shown: shown_at_nul(&bytes, nul),
        });
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok((text, Encoding::Utf8)),
        Err(e) if latin1_fallback => Ok((
            e.as_bytes().iter().map(|&b| b as char).collect(),
            Encoding::Latin1,
        )),
        Err(e) => {
            let offset = e.utf8_error().valid_up_to();
            Err(DecodeError {
                message: format!("file is not valid UTF-8 (invalid byte at offset {offset})"),
                offset,
                shown: shown_up_to(e.as_bytes(), offset),
            })
        }
    }
}

/// UTF-16 without a byte-order mark, as Windows tools save text: every other byte of
/// its first line's ASCII is NUL (`D\0B\0_\0…`). Refused as UTF-16, and shown as
/// nothing: past its first NUL, a line shown with NULs between its letters would hide
/// a password's key from every masking (`P\0A\0S\0S\0W\0O\0R\0D\0=\0…`).
fn looks_utf16(bytes: &[u8]) -> bool {
    let head = bytes.get(..bytes.len().min(64) & !1).unwrap_or(&[]);
    let nul_at = |parity: usize| {
        head.len() >= 4
            && head
                .iter()
                .enumerate()
                .all(|(i, b)| (*b == 0) == (i % 2 == parity))
    };
    nul_at(0) || nul_at(1)
}

/// [`shown_up_to`] the first NUL byte, at `nul`, with each NUL of the line shown as
/// U+FFFD (no output format carries a NUL: XML cannot). Empty when the text before it
/// is not UTF-8 (shown lossily, `nul` would not be its offset there).
fn shown_at_nul(bytes: &[u8], nul: usize) -> String {
    if nul > MAX_SHOWN || std::str::from_utf8(bytes.get(..nul).unwrap_or(&[])).is_err() {
        return String::new();
    }
    shown_up_to(bytes, nul).replace('\0', "\u{FFFD}")
}

/// `bytes` up to `offset` (valid UTF-8) and the rest of that line, bounded, lossily.
fn shown_up_to(bytes: &[u8], offset: usize) -> String {
    if offset > MAX_SHOWN {
        return String::new();
    }
    let rest = bytes.get(offset..).unwrap_or(&[]);
    let rest = rest.get(..SHOWN_TAIL.min(rest.len())).unwrap_or(&[]);
    let line =
        memchr::memchr2(b'\n', b'\r', rest).map_or(rest, |end| rest.get(..end).unwrap_or(&[]));
    let mut shown = String::from_utf8_lossy(bytes.get(..offset).unwrap_or(&[])).into_owned();
    shown.push_str(&String::from_utf8_lossy(line));
    shown
}

/// What a file that is not a regular file is, in every message that refuses one.
pub const NOT_A_FILE: &str =
    "not a regular file (a device, FIFO or socket, perhaps through a link)";

/// Why [`read_bounded`] read nothing.
#[derive(Debug)]
pub enum ReadError {
    Io(std::io::Error),
    Directory,
    /// A device, FIFO or socket (through a link, say to `/dev/zero`): reading it could
    /// take forever.
    NotAFile,
    /// The file's size, above the limit `max`.
    TooLarge {
        len: u64,
        max: u64,
    },
}

/// What the file is, after its subject: "is a directory, not a file"; a read error is
/// the error alone. Callers add the subject and what they were reading.
impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Io(e) => write!(f, "{e}"),
            ReadError::Directory => f.write_str("is a directory, not a file"),
            ReadError::NotAFile => write!(f, "is {NOT_A_FILE}"),
            ReadError::TooLarge { len, max } => {
                write!(f, "is {len} bytes, above the {max}-byte limit")
            }
        }
    }
}

/// A file's bytes, refused before reading when it is a directory, not a regular file or
/// above `max` bytes. One open, then the handle's metadata: a second lookup of the path
/// per file is measurable on a large tree.
pub fn read_bounded(path: &Path, max: u64) -> Result<Vec<u8>, ReadError> {
    use std::io::Read as _;
    // Opening a socket fails (`ENXIO`, "No such device or address"): say what it is.
    let file = open_without_waiting(path).map_err(|e| match std::fs::metadata(path) {
        Ok(meta) if !meta.is_file() && !meta.is_dir() => ReadError::NotAFile,
        _ => ReadError::Io(e),
    })?;
    let meta = file.metadata().map_err(ReadError::Io)?;
    if meta.is_dir() {
        return Err(ReadError::Directory);
    }
    if !meta.is_file() {
        return Err(ReadError::NotAFile);
    }
    if meta.len() > max {
        return Err(ReadError::TooLarge {
            len: meta.len(),
            max,
        });
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    // Bounded even so: a file can grow while it is read.
    file.take(max.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > max {
        return Err(ReadError::TooLarge {
            len: bytes.len() as u64,
            max,
        });
    }
    Ok(bytes)
}

/// A UTF-8 file's text read as [`read_bounded`] reads (the manifest, a baseline: a
/// link to `/dev/zero` is refused instead of read forever), or why not.
pub fn read_text(path: &Path, max: u64) -> Result<String, String> {
    let bytes = read_bounded(path, max).map_err(|e| match e {
        ReadError::Io(e) => e.to_string(),
        other => format!("it {other}"),
    })?;
    String::from_utf8(bytes).map_err(|_| "it is not UTF-8 text".to_owned())
}

/// Open `path` for reading without waiting: on Unix, opening a FIFO waits for a writer
/// unless non-blocking (a regular file reads the same either way).
fn open_without_waiting(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path)
}

/// Length of a leading UTF-8 byte-order mark, if any.
pub fn bom_len(text: &str) -> usize {
    if text.starts_with('\u{FEFF}') {
        3
    } else {
        0
    }
}

/// One file's text and where it came from.
///
/// A file read from disk can give its text up once it has been read into the model
/// ([`SourceFile::release`]): most files have no finding, and keeping every text until
/// the end made memory grow with the repository. An ASCII file keeps where its lines
/// start, which is all a position needs; the text is read again, on first use, for the
/// files that need it (snippets of findings, positions in a text that is not ASCII).
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub id: FileId,
    /// Path as found on disk.
    pub path: PathBuf,
    /// Path shown to users: relative to the current directory, with `/`.
    pub display: String,
    /// The text, until released.
    held: Option<Arc<str>>,
    /// The text's length in bytes (also once released).
    len: usize,
    /// How to read the text again; None for text that did not come from a file
    /// (standard input): it is never released.
    reread: Option<Reread>,
    /// Secret spans masked so far, applied again to a text read again.
    masks: Vec<Span>,
    /// Set once secrets are masked: text shaped like a credential is masked too, now
    /// and in a text read again ([`crate::redact::credential_spans`]).
    mask_shapes: bool,
    pub encoding: Encoding,
    /// Set when an ASCII text is released: its positions without reading it again.
    ascii_lines: Option<AsciiLines>,
    /// The text has a CR not before a LF: a line end here, none to git.
    lone_cr: bool,
    /// What is worked out on first use, boxed on first use: most files of a large run
    /// have no finding, and every file's record is held to the end of the run.
    on_first_use: OnceLock<Box<OnFirstUse>>,
}

/// What a [`SourceFile`] works out when first asked.
#[derive(Debug, Clone, Default)]
struct OnFirstUse {
    /// The text read again after release (Err: the file changed or vanished).
    reread_text: OnceLock<Result<Arc<str>, String>>,
    /// Only files with findings or suppressions need it.
    lines: OnceLock<LineIndex>,
    /// The text with its lone CRs made LFs ([`SourceFile::text_lf_lines`]); None when
    /// it has none.
    lf_lines: OnceLock<Option<Arc<str>>>,
    /// [`in_repository`] of the path: every finding's fingerprint in the machine
    /// formats is made of it.
    repository_path: OnceLock<Option<String>>,
}

/// The UTF-8 text of bytes `span` of the file at `path`, if it is still `disk_len` bytes.
fn read_at(path: &Path, disk_len: u64, span: Span) -> Option<String> {
    use std::io::{Read as _, Seek as _, SeekFrom};
    let mut file = std::fs::File::open(path).ok()?;
    if file.metadata().ok()?.len() != disk_len {
        return None;
    }
    let len = span.end.checked_sub(span.start)?;
    file.seek(SeekFrom::Start(u64::try_from(span.start).ok()?))
        .ok()?;
    let mut bytes = vec![0; len];
    file.read_exact(&mut bytes).ok()?;
    String::from_utf8(bytes).ok()
}

/// What reading a released file again needs, and what it must find.
#[derive(Debug, Clone, Copy)]
struct Reread {
    /// Size on disk when first read: a file of another size has changed.
    disk_len: u64,
    /// Hash of the decoded text when first read.
    hash: u64,
}

impl SourceFile {
    /// A file not yet in a map (its id is set by [`SourceMap::push`]): built where
    /// the file is read, so copying its text into shared storage and working out its
    /// display path happen on that thread, not one file after another.
    pub fn new(path: &Path, text: String, encoding: Encoding) -> Self {
        SourceFile {
            id: FileId(0),
            path: path.to_path_buf(),
            display: display_path(path),
            len: text.len(),
            reread: None,
            masks: Vec::new(),
            mask_shapes: false,
            encoding,
            ascii_lines: None,
            lone_cr: has_lone_cr(&text),
            held: Some(Arc::from(text)),
            on_first_use: OnceLock::new(),
        }
    }

    fn on_first_use(&self) -> &OnFirstUse {
        self.on_first_use.get_or_init(Box::default)
    }

    /// What was worked out so far, to change or drop (None: nothing yet).
    fn worked_out(&mut self) -> Option<&mut OnFirstUse> {
        self.on_first_use.get_mut().map(|later| &mut **later)
    }

    /// The path relative to the repository root ([`in_repository`]), if inside it.
    pub fn repository_path(&self) -> Option<&str> {
        self.on_first_use()
            .repository_path
            .get_or_init(|| in_repository(&self.path))
            .as_deref()
    }

    /// Allow [`SourceFile::release`]: the text was decoded from `disk_len` bytes at
    /// `path`, as its `encoding` says.
    pub fn rereadable(mut self, disk_len: u64) -> Self {
        let hash = text_hash(self.held.as_deref().unwrap_or(""));
        self.reread = Some(Reread { disk_len, hash });
        self
    }

    /// The file's text (masked once secrets are masked), read again if it was
    /// released; "" if it changed on disk since ([`SourceFile::reread_error`]).
    pub fn text(&self) -> &str {
        match &self.held {
            Some(text) => text,
            None => self
                .on_first_use()
                .reread_text
                .get_or_init(|| self.read_again())
                .as_deref()
                .unwrap_or(""),
        }
    }

    /// The text when it is in memory (held, or already read again), without reading.
    pub fn text_in_memory(&self) -> Option<&str> {
        match &self.held {
            Some(text) => Some(text),
            None => self.on_first_use.get()?.reread_text.get()?.as_deref().ok(),
        }
    }

    /// Length of the text in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Drop the text (a file not read from disk keeps it), keeping the line starts of
    /// an ASCII text ([`AsciiLines::of`] of it).
    fn release(&mut self, ascii_lines: Option<AsciiLines>) {
        if self.reread.is_some() {
            self.held = None;
            if let Some(later) = self.worked_out() {
                later.lines = OnceLock::new();
                later.lf_lines = OnceLock::new();
            }
            self.ascii_lines = ascii_lines;
        }
    }

    /// True when showing a position needs the text: it was released and is not ASCII.
    pub fn positions_need_text(&self) -> bool {
        self.held.is_none() && self.ascii_lines.is_none()
    }

    /// Why the text could not be read again, if it could not.
    pub fn reread_error(&self) -> Option<&str> {
        let reread = self.on_first_use.get()?.reread_text.get()?;
        reread.as_ref().err().map(String::as_str)
    }

    /// The text at `span`, as the file holds it now, to check a fix against (never
    /// shown): from the text in memory, or else read at that place from the file,
    /// without reading it whole again (a fix is offered for hundreds of files in a
    /// large run). None when the file's size changed, the span is a masked secret, or
    /// it cannot be read. A file read as ISO-8859-1 is read whole: its spans index the
    /// converted text, not its bytes.
    pub fn text_at(&self, span: Span) -> Option<String> {
        if let Some(text) = self.text_in_memory() {
            return text.get(span.start..span.end).map(str::to_owned);
        }
        if self.encoding == Encoding::Latin1 {
            return self.text().get(span.start..span.end).map(str::to_owned);
        }
        if self
            .masks
            .iter()
            .any(|m| m.start < span.end && span.start < m.end)
        {
            return None;
        }
        let reread = self.reread?;
        read_at(&self.path, reread.disk_len, span)
    }

    fn read_again(&self) -> Result<Arc<str>, String> {
        let changed = || "changed on disk while poollint was checking it".to_owned();
        let reread = self.reread.ok_or_else(changed)?;
        // Bounded by the first size: a file replaced by a larger one is not read whole.
        let bytes = match read_bounded(&self.path, reread.disk_len) {
            Ok(bytes) if bytes.len() as u64 == reread.disk_len => bytes,
            Err(ReadError::Io(e)) => return Err(format!("cannot read it again: {e}")),
            Ok(_)
            | Err(ReadError::Directory | ReadError::NotAFile | ReadError::TooLarge { .. }) => {
                return Err(changed())
            }
        };
        // Decoded as first: the same bytes give the same text, others are a change.
        let latin1 = self.encoding == Encoding::Latin1;
        let (text, _) = decode(bytes, latin1).map_err(|_| changed())?;
        if text_hash(&text) != reread.hash {
            return Err(changed());
        }
        let text = masked(text, &self.masks);
        let shapes = self.mask_shapes.then(|| masked_shapes(&text)).flatten();
        Ok(Arc::from(shapes.unwrap_or(text)))
    }

    pub fn position(&self, offset: usize, unit: ColumnUnit) -> Position {
        match (&self.held, &self.ascii_lines) {
            (None, Some(ascii)) => ascii.position(self.len, offset),
            _ => self.lines().position(self.text(), offset, unit),
        }
    }

    /// The file's line index (masking secrets keeps byte lengths, so it stays valid).
    pub fn lines(&self) -> &LineIndex {
        self.on_first_use()
            .lines
            .get_or_init(|| LineIndex::new(self.text()))
    }

    /// Byte range of 0-based `line`, its line break included.
    pub fn line_range(&self, line: usize) -> std::ops::Range<usize> {
        let lines = self.lines();
        let end = if line + 1 < lines.line_count() {
            lines.line_start(line + 1)
        } else {
            self.len
        };
        lines.line_start(line)..end
    }

    /// The text a span covers ("" when the span is out of range).
    pub fn slice(&self, span: Span) -> &str {
        self.text().get(span.start..span.end).unwrap_or("")
    }

    /// The 1-based line of `offset` as git numbers lines (`git diff` hunks): lines end
    /// only at LF there, so a lone CR, which ends a line here, does not count.
    pub fn git_line(&self, offset: usize) -> usize {
        if !self.lone_cr {
            return self.position(offset, ColumnUnit::Bytes).line;
        }
        let text = self.text().as_bytes();
        let before = text.get(..offset.min(text.len())).unwrap_or(&[]);
        memchr::memchr_iter(b'\n', before).count() + 1
    }

    /// The text with each lone CR (one not before a LF) made a LF, for a renderer that
    /// ends lines only at LF (miette): poollint ends a line at a lone CR too, and one
    /// byte for another keeps every span valid. The text itself when it has none.
    pub fn text_lf_lines(&self) -> &str {
        let copy = self.on_first_use().lf_lines.get_or_init(|| {
            let bytes = self.text().as_bytes();
            let mut crs = lone_crs(bytes).peekable();
            crs.peek()?;
            let mut copy = bytes.to_vec();
            for i in crs {
                if let Some(byte) = copy.get_mut(i) {
                    *byte = b'\n';
                }
            }
            // An ASCII byte for another: still UTF-8.
            String::from_utf8(copy).ok().map(Arc::from)
        });
        copy.as_deref().unwrap_or_else(|| self.text())
    }

    /// Mask each span in the text ([`masked`]), now and whenever it is read again.
    fn mask(&mut self, spans: &[Span]) {
        if let Some(text) = self.held.as_mut() {
            *text = Arc::from(masked(text.to_string(), spans));
        }
        if let Some(later) = self.worked_out() {
            // The copy with LF lines is made again from the masked text.
            later.lf_lines = OnceLock::new();
            if let Some(Ok(text)) = later.reread_text.get_mut() {
                *text = Arc::from(masked(text.to_string(), spans));
            }
        }
        if self.reread.is_some() {
            self.masks.extend_from_slice(spans);
        }
    }

    /// Mask text shaped like a credential, now and whenever the text is read again.
    fn mask_credential_shapes(&mut self) {
        self.mask_shapes = true;
        let held = self.held.as_mut();
        let reread = self.on_first_use.get_mut().and_then(|later| {
            later.lf_lines = OnceLock::new();
            later.reread_text.get_mut()?.as_mut().ok()
        });
        for text in [held, reread].into_iter().flatten() {
            if let Some(masked) = masked_shapes(text) {
                *text = Arc::from(masked);
            }
        }
    }
}

/// Whether `text` has a CR that is not followed by a LF (a line end of old Mac files).
fn has_lone_cr(text: &str) -> bool {
    lone_crs(text.as_bytes()).next().is_some()
}

/// Where the lone CRs (not before a LF) of `bytes` are.
fn lone_crs(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    memchr::memchr_iter(b'\r', bytes).filter(move |&i| is_lone_cr(bytes, i))
}

/// True when `bytes[i]` is a CR not followed by a LF.
fn is_lone_cr(bytes: &[u8], i: usize) -> bool {
    bytes.get(i) == Some(&b'\r') && bytes.get(i + 1) != Some(&b'\n')
}

/// `text` with what is shaped like a credential masked ([`masked`]); None when nothing
/// is (no copy made).
fn masked_shapes(text: &str) -> Option<String> {
    let spans = crate::redact::credential_spans(text);
    (!spans.is_empty()).then(|| masked(text.to_owned(), &spans))
}

/// The hash that tells a file read again from the one read first.
fn text_hash(text: &str) -> u64 {
    use std::hash::BuildHasher;
    foldhash::quality::FixedState::with_seed(0).hash_one(text)
}

/// `text` with each span's characters masked ([`mask_char`]: `*` for ASCII), so every
/// span and every line and column stays where it was in the file. Spans are widened to
/// char boundaries first. In place: a text read again is masked without another copy.
fn masked(mut text: String, spans: &[Span]) -> String {
    for span in spans {
        let start = floor_char_boundary(&text, span.start);
        let mut end = span.end.min(text.len()).max(start);
        while end < text.len() && !text.is_char_boundary(end) {
            end += 1;
        }
        let mask: String = text
            .get(start..end)
            .unwrap_or("")
            .chars()
            .map(mask_char)
            .collect();
        text.replace_range(start..end, &mask);
    }
    text
}

/// What stands for one character of a secret: as many bytes (spans stay valid), one
/// character of as many UTF-16 units (columns stay valid in every unit), and line
/// breaks kept (lines stay where they are: a secret can span a folded YAML scalar).
fn mask_char(c: char) -> char {
    match (c, c.len_utf8()) {
        ('\n' | '\r', _) => c,
        (_, 1) => '*',
        (_, 2) => '\u{00D7}', // ×
        (_, 3) => '\u{2217}', // ∗ ASTERISK OPERATOR
        _ => '\u{1F7AF}',     // 🞯 LIGHT FIVE SPOKED ASTERISK
    }
}

/// Every file of a run, by [`FileId`].
///
/// Cloning is cheap: the files are shared (the model and the report both hold the
/// map, and a 10k-file run would otherwise copy every path twice). Changing a shared
/// map copies it first, so a clone never sees another's changes.
#[derive(Debug, Default, Clone)]
pub struct SourceMap {
    files: Arc<Vec<SourceFile>>,
}

impl SourceMap {
    pub fn add(&mut self, path: &Path, text: String, encoding: Encoding) -> FileId {
        self.push(SourceFile::new(path, text, encoding))
    }

    /// Add a file made by [`SourceFile::new`], giving it the next id.
    pub fn push(&mut self, mut file: SourceFile) -> FileId {
        let id = FileId(self.files.len());
        file.id = id;
        Arc::make_mut(&mut self.files).push(file);
        id
    }

    /// Room for `additional` more files at once, when the engine knows how many it is
    /// about to read: the map then does not grow by doubling (up to twice the room, and
    /// every file moved at each step).
    pub fn reserve_exact(&mut self, additional: usize) {
        Arc::make_mut(&mut self.files).reserve_exact(additional);
    }

    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0)
    }

    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }

    /// The files, to move into another map (copied only if the map is shared).
    pub fn into_files(self) -> Vec<SourceFile> {
        Arc::try_unwrap(self.files).unwrap_or_else(|shared| shared.as_ref().clone())
    }

    /// Every file's path with links and `..` resolved (None where it does not resolve),
    /// by file id: a lookup per path component, made once and in parallel for the
    /// thousands of files of a repository instead of once per finding or pool.
    pub fn canonical_paths(&self) -> Vec<Option<PathBuf>> {
        use rayon::prelude::*;
        self.files
            .par_iter()
            .map(|f| std::fs::canonicalize(&f.path).ok())
            .collect()
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// The length in bytes of the texts of `ids` (an id the map does not hold counts
    /// none).
    pub fn text_bytes(&self, ids: impl IntoIterator<Item = FileId>) -> usize {
        let len = |id| self.get(id).map_or(0, SourceFile::len);
        ids.into_iter().map(len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// `path:LINE` of byte `offset` in file `id`, as messages cite where a value is.
    pub fn file_line(&self, id: FileId, offset: usize) -> Option<String> {
        let file = self.get(id)?;
        let line = file.position(offset, ColumnUnit::Bytes).line;
        Some(format!("{}:{line}", file.display))
    }

    pub fn display(&self, id: FileId) -> &str {
        self.get(id)
            .map(|f| f.display.as_str())
            .unwrap_or("<unknown>")
    }

    /// Replace each span's bytes with `*`, keeping byte lengths so every other span
    /// stays valid. Spans are widened to char boundaries first.
    pub fn mask(&mut self, id: FileId, spans: &[Span]) {
        if spans.is_empty() {
            return;
        }
        if let Some(file) = Arc::make_mut(&mut self.files).get_mut(id.0) {
            file.mask(spans);
        }
    }

    /// Mask text shaped like a credential in every file, now for the texts in memory
    /// and for the others when they are read again (only those shown are).
    pub fn mask_credential_shapes(&mut self) {
        use rayon::prelude::*;
        Arc::make_mut(&mut self.files)
            .par_iter_mut()
            .for_each(SourceFile::mask_credential_shapes);
    }

    /// Release the texts of `ids` ([`SourceFile::release`]) except those `keep` wants
    /// (asked in parallel: it may read every text).
    pub fn release(&mut self, ids: &[FileId], keep: impl Fn(&str) -> bool + Sync) {
        use rayon::prelude::*;
        let released: Vec<(FileId, Option<AsciiLines>)> = ids
            .par_iter()
            .filter_map(|id| {
                let file = self.get(*id).filter(|f| f.reread.is_some())?;
                let text = file.held.as_deref().filter(|text| !keep(text))?;
                // Worked out here, in parallel: it reads the whole text.
                Some((*id, AsciiLines::of(text)))
            })
            .collect();
        let files = Arc::make_mut(&mut self.files);
        for (id, ascii_lines) in released {
            if let Some(file) = files.get_mut(id.0) {
                file.release(ascii_lines);
            }
        }
    }

    /// Read the released texts of `ids` again, in parallel, before they are shown.
    pub fn reread(&self, ids: &[FileId]) {
        use rayon::prelude::*;
        // With their line indexes, which the snippets need.
        ids.par_iter().for_each(|id| {
            if let Some(file) = self.get(*id) {
                file.lines();
            }
        });
    }
}

/// The directory holding `path` named as a unit ([`unit_name`]: as [`display_path`]
/// shows it, the current directory by its own name): the scope or service name of a
/// file's configuration in several readers.
pub fn display_dir(path: &Path) -> String {
    unit_name(path.parent().unwrap_or(Path::new(".")))
}

/// The name of an application or other unit read from directory `dir`: its path as
/// shown, or, for the current directory itself (a check of `.` at a repository's
/// root), that directory's own name (`mastodon`, not `.`).
pub fn unit_name(dir: &Path) -> String {
    let shown = display_path(dir);
    if shown != "." {
        return shown;
    }
    cwd()
        .and_then(Path::file_name)
        .map_or(shown, |name| name.to_string_lossy().into_owned())
}

/// The current directory, read once: poollint never changes it, and readers show a
/// path for every entry they make.
fn cwd() -> Option<&'static Path> {
    static CWD: OnceLock<Option<std::path::PathBuf>> = OnceLock::new();
    CWD.get_or_init(|| std::env::current_dir().ok()).as_deref()
}

/// The repository the current directory is in: the nearest directory at or above it
/// holding `.git` (a directory, or the file of a worktree or submodule). Machine
/// formats give paths relative to it, so they mean the same file wherever in the
/// repository poollint runs.
pub fn repository_root() -> Option<&'static Path> {
    static ROOT: OnceLock<Option<std::path::PathBuf>> = OnceLock::new();
    // The current directory is already physical: [`absolute`] would ask for the root.
    ROOT.get_or_init(|| nearest_repository(cwd()?)).as_deref()
}

/// The repository `dir` is in: the nearest directory at or above it (made absolute)
/// holding `.git`. A baseline names files relative to its own repository, so it means
/// the same files whichever directory poollint runs from.
pub fn repository_of(dir: &Path) -> Option<std::path::PathBuf> {
    nearest_repository(&absolute(dir))
}

/// The nearest directory at or above the absolute `dir` holding `.git`.
fn nearest_repository(dir: &Path) -> Option<std::path::PathBuf> {
    dir.ancestors()
        .find(|dir| dir.join(".git").exists())
        .map(Path::to_path_buf)
}

/// Where paths are shown from: the repository root, else the current directory.
fn home() -> Option<&'static Path> {
    repository_root().or(cwd())
}

/// The current directory as the shell spells it (`$PWD`) when that is another spelling
/// of it, through a link: `check "$PWD/app"` names a file of the current directory.
fn logical_cwd() -> Option<&'static Path> {
    static LOGICAL: OnceLock<Option<PathBuf>> = OnceLock::new();
    LOGICAL
        .get_or_init(|| {
            let logical = PathBuf::from(std::env::var_os("PWD")?);
            let physical = cwd()?;
            let same = logical.is_absolute()
                && logical != physical
                && std::fs::canonicalize(&logical).ok().as_deref() == Some(physical);
            same.then(|| normalise(&logical))
        })
        .as_deref()
}

/// The absolute, normalised `path` spelt inside [`home`] when it is there only through
/// a link (the logical current directory, a linked directory above the repository):
/// else a file of the repository would be shown, fingerprinted and baselined by an
/// absolute path of this machine. None when it is outside, or already spelt inside.
fn spelt_from_home(path: &Path) -> Option<PathBuf> {
    let home = home()?;
    if !path.is_absolute() {
        return None;
    }
    if let Some(resolved) = through_named_link(path) {
        return resolved.starts_with(home).then_some(resolved);
    }
    if path.starts_with(home) {
        return None;
    }
    let physical = from_physical_cwd(path).or_else(|| with_resolved_dir(path))?;
    physical.starts_with(home).then_some(physical)
}

/// The paths of the run that reach their files through a linked directory (`link` for
/// `link -> real`), absolute and lexical, each with its directory resolved.
static LINKED_PATHS: OnceLock<Vec<(PathBuf, PathBuf)>> = OnceLock::new();

/// Note which of the run's `paths` reach their files through a linked directory: a
/// file is then fingerprinted, baselined and given to SARIF as the file it is
/// (`real/…`; the path shown keeps the spelling given), so a baseline written through
/// one spelling matches through the other. Resolved once per path, not per file (the
/// files of a 10k tree would each cost a lookup).
pub fn note_linked_paths(paths: &[PathBuf]) {
    let linked = paths
        .iter()
        .filter_map(|path| {
            let lexical = lexically_absolute(path);
            let dir = if path.is_dir() {
                lexical
            } else {
                lexical.parent()?.to_path_buf()
            };
            let resolved = std::fs::canonicalize(&dir).ok()?;
            (resolved != dir).then_some((dir, resolved))
        })
        .collect();
    let _ = LINKED_PATHS.set(linked);
}

/// `path` with the linked directory of a run's path it is under resolved.
fn through_named_link(path: &Path) -> Option<PathBuf> {
    LINKED_PATHS.get()?.iter().find_map(|(lexical, resolved)| {
        let rest = path.strip_prefix(lexical).ok()?;
        Some(resolved.join(rest))
    })
}

/// `path` under the logical current directory, spelt from the physical one.
fn from_physical_cwd(path: &Path) -> Option<PathBuf> {
    let rest = path.strip_prefix(logical_cwd()?).ok()?;
    Some(cwd()?.join(rest).components().collect())
}

/// `path` with its directory's links resolved (its own name kept: a link to a file is
/// a file of its directory). Each directory is resolved once: a tree of thousands of
/// files given by an absolute path through a link asks for each of them.
fn with_resolved_dir(path: &Path) -> Option<PathBuf> {
    let (dir, name) = (path.parent()?, path.file_name()?);
    // The last directory this thread asked for, without the lock and the hashing:
    // a file's paths come one after another (a 10k-file tree checked by an absolute
    // path outside the repository read at half its speed through the shared cache).
    thread_local! {
        static LAST: std::cell::RefCell<Option<(PathBuf, Option<PathBuf>)>> =
            const { std::cell::RefCell::new(None) };
    }
    let last = LAST.with_borrow(|last| match last {
        Some((seen, resolved)) if seen == dir => Some(resolved.as_ref().map(|d| d.join(name))),
        _ => None,
    });
    if let Some(joined) = last {
        return joined;
    }
    let resolved = resolved_dir(dir);
    let joined = resolved.as_ref().map(|d| d.join(name));
    LAST.set(Some((dir.to_path_buf(), resolved)));
    joined
}

/// `dir` with its links resolved, once per directory for the whole run: from its
/// nearest ancestor resolved before, each directory below is its parent's resolution
/// and its name, unless it is itself a link (one `lstat` a directory; `canonicalize`
/// of every directory of a 10k-file tree took as long as reading the files).
fn resolved_dir(dir: &Path) -> Option<PathBuf> {
    static RESOLVED: std::sync::Mutex<Option<std::collections::HashMap<PathBuf, Option<PathBuf>>>> =
        std::sync::Mutex::new(None);
    let mut cache = RESOLVED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let cache = cache.get_or_insert_with(Default::default);
    let mut unresolved = Vec::new();
    let mut at = dir;
    let mut resolved = loop {
        if let Some(known) = cache.get(at) {
            break known.clone();
        }
        match at.parent() {
            Some(parent) => {
                unresolved.push(at);
                at = parent;
            }
            None => break Some(at.to_path_buf()),
        }
    };
    for below in unresolved.into_iter().rev() {
        let is_link = std::fs::symlink_metadata(below).is_ok_and(|m| m.file_type().is_symlink());
        resolved = match (resolved, below.file_name()) {
            _ if is_link => std::fs::canonicalize(below).ok(),
            (Some(parent), Some(name)) => Some(parent.join(name)),
            _ => None,
        };
        cache.insert(below.to_path_buf(), resolved.clone());
    }
    resolved
}

/// `path` relative to `root` (both made absolute lexically), `/`-separated, when it is
/// inside it.
pub fn inside(root: &Path, path: &Path) -> Option<String> {
    absolute(path)
        .strip_prefix(absolute(root))
        .ok()
        .map(|relative| slashed(&relative.to_string_lossy()))
}

/// `path` relative to the repository root (outside any repository, the current
/// directory), when it is inside it: the path machine formats make fingerprints of, so
/// a finding keeps its fingerprint whichever directory of the repository poollint runs
/// from.
pub fn in_repository(path: &Path) -> Option<String> {
    repository_relative(path).map(|relative| slashed(&relative.to_string_lossy()))
}

/// [`in_repository`] as a path, keeping the bytes of a name that is not UTF-8 (SARIF
/// escapes them into its URIs).
pub fn repository_relative(path: &Path) -> Option<std::path::PathBuf> {
    let root = absolute(repository_root().or(cwd())?);
    absolute(path)
        .strip_prefix(root)
        .ok()
        .map(Path::to_path_buf)
}

/// `file` relative to `dir` (both made absolute lexically), `/`-separated, with `..`
/// for each level of `dir` that `file` is not under: unlike [`path_from`], the same
/// text wherever poollint runs. The displayed path when they share no root at all
/// (another drive).
pub fn relative_path(dir: &Path, file: &Path) -> String {
    let (dir, file) = (absolute(dir), absolute(file));
    let common = dir
        .components()
        .zip(file.components())
        .take_while(|(a, b)| a == b)
        .count();
    if common == 0 {
        return display_path(&file);
    }
    let ups = dir.components().count().saturating_sub(common);
    let mut parts: Vec<String> = std::iter::repeat_n("..".to_owned(), ups).collect();
    parts.extend(
        file.components()
            .skip(common)
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    if parts.is_empty() {
        return ".".to_owned();
    }
    parts.join("/")
}

/// The directory a path argument names: itself when it is a directory, else its
/// parent (`.` for a bare file name).
pub fn containing_dir(path: &Path) -> &Path {
    if path.is_dir() {
        return path;
    }
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// `path` relative to the current directory when it is inside it (however it is spelt:
/// [`spelt_from_home`]), else as given.
pub fn relative_to_cwd(path: &Path) -> std::borrow::Cow<'_, Path> {
    use std::borrow::Cow;
    let Some(cwd) = cwd() else {
        return Cow::Borrowed(path);
    };
    if let Ok(relative) = path.strip_prefix(cwd) {
        return Cow::Borrowed(relative);
    }
    match spelt_from_home(&normalise(path)) {
        Some(physical) => match physical.strip_prefix(cwd) {
            Ok(relative) => Cow::Owned(relative.to_path_buf()),
            Err(_) => Cow::Owned(physical),
        },
        None => Cow::Borrowed(path),
    }
}

/// `file` relative to `dir` (both as given, or relative to the current directory),
/// `/`-separated, when it is inside `dir`; else the displayed path. Paths a manifest or
/// a baseline holds are relative to its directory, so they mean the same file wherever
/// poollint runs from.
pub fn path_from(dir: &Path, file: &Path) -> String {
    inside(dir, file).unwrap_or_else(|| display_path(file))
}

/// The file `path` names however it is spelt (`o.json`, `./o.json`, an absolute path,
/// a linked directory): its directory resolved when it exists, else made absolute
/// lexically, joined with its own name. A link to a file stays a file of its own
/// directory. `resolved_dirs` caches directories for callers that ask for many files.
pub fn file_identity(
    path: &Path,
    resolved_dirs: &mut std::collections::HashMap<PathBuf, PathBuf>,
) -> PathBuf {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let resolved = resolved_dirs
        .entry(dir.to_path_buf())
        .or_insert_with(|| std::fs::canonicalize(dir).unwrap_or_else(|_| absolute(dir)));
    match path.file_name() {
        Some(name) => resolved.join(name),
        None => resolved.clone(),
    }
}

/// `path` made absolute against the current directory and [`normalise`]d, without
/// file system access (links are not resolved; the current directory already is),
/// except that a path into the repository or current directory through a link is spelt
/// from inside it ([`spelt_from_home`]), so it is found inside.
pub fn absolute(path: &Path) -> std::path::PathBuf {
    let lexical = lexically_absolute(path);
    spelt_from_home(&lexical).unwrap_or(lexical)
}

/// `path` made absolute against the current directory and [`normalise`]d, links left
/// as spelt.
fn lexically_absolute(path: &Path) -> std::path::PathBuf {
    match cwd() {
        Some(cwd) if path.is_relative() => normalise(&cwd.join(path)),
        _ => normalise(path),
    }
}

/// A path relative to the current directory when possible, always with `/`; the
/// current directory itself (or an empty path) is `.`. A name that is not UTF-8 shows
/// U+FFFD for its invalid bytes.
pub fn display_path(path: &Path) -> String {
    let relative = relative_to_cwd(path);
    if relative.is_absolute() && repository_root().is_some_and(|root| relative.starts_with(root)) {
        // Above the current directory but in its repository (a file a manifest above
        // names): `../db/postgresql.conf`, as a path argument `../db` shows it, so one
        // file has one spelling.
        if let Some(cwd) = cwd() {
            return relative_path(cwd, &relative);
        }
    }
    let text = slashed(&relative.to_string_lossy());
    if text.is_empty() {
        return ".".to_owned();
    }
    text.strip_prefix("./").map(str::to_owned).unwrap_or(text)
}

/// A path's text with `/` between its components. On Windows `\` separates them too;
/// elsewhere it is a byte of a name (git commits `a\b`), kept so the path names the
/// real file, not `a/b`.
pub fn slashed(text: &str) -> String {
    if cfg!(windows) {
        text.replace('\\', "/")
    } else {
        text.to_owned()
    }
}

/// `a/./b/../c` → `a/c`, lexically (no file system access; symlinks are not followed),
/// so paths joined from different files compare equal.
pub fn normalise(path: &Path) -> std::path::PathBuf {
    use std::path::Component;
    let mut out = std::path::PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every file's record is held to the end of a run: what only files with findings
    /// need is boxed on first use ([`OnFirstUse`]).
    #[test]
    fn a_file_record_keeps_its_measured_size() {
        assert!(std::mem::size_of::<SourceFile>() <= 184);
    }

    #[test]
    fn paths_are_normalised_lexically() {
        assert_eq!(normalise(Path::new("./a/./b/../c")), Path::new("a/c"));
        assert_eq!(normalise(Path::new("/x/./y/")), Path::new("/x/y"));
        assert_eq!(normalise(Path::new("../up")), Path::new("../up"));
    }

    #[test]
    fn relative_paths_climb_out_of_their_directory() {
        let f = |dir: &str, file: &str| relative_path(Path::new(dir), Path::new(file));
        assert_eq!(f("/r/ci", "/r/svc/a.yml"), "../svc/a.yml");
        assert_eq!(f("/r", "/r/svc/a.yml"), "svc/a.yml");
        assert_eq!(f("/r/a/b", "/r/a/b/c/../d.yml"), "d.yml");
        assert_eq!(f("/x/y", "/z.yml"), "../../z.yml");
    }

    #[test]
    fn the_current_directory_shows_as_a_dot_and_names_its_units() {
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(display_path(&cwd), ".");
        assert_eq!(
            display_path(&cwd.join("app/application.yml")),
            "app/application.yml"
        );
        // A unit in the current directory is named by it, not `.`.
        let name = cwd.file_name().unwrap().to_string_lossy();
        assert_eq!(display_dir(Path::new("application.yml")), name);
        assert_eq!(display_dir(Path::new("./db/postgresql.conf")), "db");
    }

    #[test]
    fn positions_count_chars_utf16_and_bytes() {
        let text = "a: é\nb: 😀x\r\nc\rd";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_count(), 4);
        let x = text.find('x').unwrap();
        assert_eq!(
            idx.position(text, x, ColumnUnit::Chars),
            Position { line: 2, column: 5 }
        );
        assert_eq!(
            idx.position(text, x, ColumnUnit::Utf16),
            Position { line: 2, column: 6 }
        );
        assert_eq!(
            idx.position(text, x, ColumnUnit::Bytes),
            Position { line: 2, column: 8 }
        );
        let d = text.find('d').unwrap();
        assert_eq!(
            idx.position(text, d, ColumnUnit::Chars),
            Position { line: 4, column: 1 }
        );
    }

    /// A BOM is kept in the text (spans index it) but takes no column: the first line
    /// starts after it, in every unit (it was one char, one UTF-16 unit, three bytes).
    #[test]
    fn a_bom_takes_no_column_in_any_unit() {
        let text = "\u{feff}k: 0\nv: 1";
        let idx = LineIndex::new(text);
        let k = text.find('k').unwrap();
        let zero = text.find('0').unwrap();
        for unit in [ColumnUnit::Chars, ColumnUnit::Utf16, ColumnUnit::Bytes] {
            assert_eq!(idx.position(text, k, unit), Position { line: 1, column: 1 });
            assert_eq!(
                idx.position(text, zero, unit),
                Position { line: 1, column: 4 }
            );
            // An offset inside the BOM (a parse error at the file's start) is 1:1.
            assert_eq!(idx.position(text, 0, unit), Position { line: 1, column: 1 });
        }
        assert_eq!(
            idx.position(text, text.find('v').unwrap(), ColumnUnit::Bytes),
            Position { line: 2, column: 1 }
        );
    }

    #[test]
    fn decode_refuses_binary_and_utf16_and_accepts_latin1_when_allowed() {
        assert!(decode(b"a\0b".to_vec(), false).is_err());
        // A NUL is shown at its offset, with the rest of its line (each NUL as U+FFFD).
        let err = decode(b"k: 1\nab\0c\0d\nnext\0".to_vec(), false).unwrap_err();
        assert_eq!(err.offset, 7);
        assert_eq!(err.shown, "k: 1\nab\u{FFFD}c\u{FFFD}d");
        let err = decode(b"\xFF\0".to_vec(), false).unwrap_err();
        assert_eq!((err.offset, err.shown.as_str()), (1, ""));
        assert!(decode(vec![0xFF, 0xFE, b'a', 0], false).is_err());
        let err = decode(b"ab\xE9".to_vec(), false).unwrap_err();
        assert_eq!(err.offset, 2);
        let (text, enc) = decode(b"k=caf\xE9".to_vec(), true).unwrap();
        assert_eq!((text.as_str(), enc), ("k=café", Encoding::Latin1));
    }

    /// A file that is not UTF-8 keeps the text before the invalid byte and the rest
    /// of that line, bounded, to show the finding at it; nothing past the bound.
    #[test]
    fn invalid_utf8_keeps_what_places_the_problem_bounded() {
        let err = decode(b"a: 1\nb: \"x\xFFy\"\nc: 2\n".to_vec(), false).unwrap_err();
        assert_eq!(
            (err.offset, err.shown.as_str()),
            (10, "a: 1\nb: \"x\u{fffd}y\"")
        );
        let long = [b"k: ".as_slice(), &[b'x'; 1000], b"\xFF"].concat();
        assert_eq!(decode(long, false).unwrap_err().shown.len(), 1003 + 3);
        let tail = [b"k: \xFF".as_slice(), &[b'x'; 1000]].concat();
        assert_eq!(
            decode(tail, false).unwrap_err().shown.len(),
            3 + 3 + SHOWN_TAIL - 1
        );
        let huge = [vec![b'x'; MAX_SHOWN + 1], vec![0xFF]].concat();
        assert_eq!(decode(huge, false).unwrap_err().shown, "");
    }

    /// A file on disk, read as the engine reads it, then released.
    fn released(text: &str) -> (tempfile::TempDir, SourceFile) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("application.properties");
        std::fs::write(&path, text.as_bytes()).unwrap();
        let file = SourceFile::new(&path, text.to_owned(), Encoding::Utf8);
        let mut file = file.rereadable(text.len() as u64);
        let ascii_lines = AsciiLines::of(file.text());
        file.release(ascii_lines);
        (dir, file)
    }

    #[test]
    fn a_released_text_is_read_again_with_its_masks() {
        let (_dir, mut file) = released("pw=hunter2\nnext=1\n");
        assert_eq!(file.text_in_memory(), None);
        file.mask(&[Span::new(3, 10)]);
        assert_eq!(file.text(), "pw=*******\nnext=1\n");
        assert_eq!(
            file.position(13, ColumnUnit::Chars),
            Position { line: 2, column: 3 }
        );
        assert_eq!(file.reread_error(), None);
    }

    #[test]
    fn a_latin1_text_is_read_again_as_latin1() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("application.properties");
        std::fs::write(&path, b"k=caf\xE9\n").unwrap();
        let file = SourceFile::new(&path, "k=café\n".to_owned(), Encoding::Latin1);
        let mut file = file.rereadable(7);
        file.release(None);
        assert_eq!(file.text(), "k=café\n");
        assert_eq!(file.reread_error(), None);
    }

    #[test]
    fn a_file_changed_or_gone_since_it_was_read_gives_no_text_and_an_error() {
        for changed in ["pw=hunter3\n", "pw=hunter22\n"] {
            let (_dir, file) = released("pw=hunter2\n");
            std::fs::write(&file.path, changed).unwrap();
            assert_eq!(file.text(), "");
            assert!(file.reread_error().unwrap().contains("changed on disk"));
        }
        let (_dir, file) = released("pw=hunter2\n");
        std::fs::remove_file(&file.path).unwrap();
        assert_eq!(file.text(), "");
        assert!(file
            .reread_error()
            .unwrap()
            .contains("cannot read it again"));
    }

    #[test]
    fn an_ascii_text_released_gives_positions_without_being_read_again() {
        let text = "a=1\r\nbb=22\rc\n\nlast";
        let (_dir, file) = released(text);
        std::fs::remove_file(&file.path).unwrap();
        assert!(!file.positions_need_text());
        let index = LineIndex::new(text);
        for offset in 0..text.len() + 3 {
            for unit in [ColumnUnit::Chars, ColumnUnit::Utf16, ColumnUnit::Bytes] {
                let expected = index.position(text, offset, unit);
                assert_eq!(file.position(offset, unit), expected, "offset {offset}");
            }
        }
        assert_eq!(file.text_in_memory(), None);
        assert_eq!(file.reread_error(), None);
    }

    proptest::proptest! {
        /// Lines of any length (long ones take several bytes to code) and any line
        /// ends, checked at every offset.
        #[test]
        fn ascii_lines_give_the_positions_of_the_line_index(
            lines in proptest::collection::vec(("[a-z =]{0,200}", 0..4usize), 0..80)
        ) {
            let mut text = String::new();
            for (line, end) in &lines {
                text.push_str(line);
                text.push_str(["\n", "\r\n", "\r", ""][*end]);
            }
            let ascii = AsciiLines::of(&text).unwrap();
            let index = LineIndex::new(&text);
            for offset in 0..text.len() + 2 {
                proptest::prop_assert_eq!(
                    ascii.position(text.len(), offset),
                    index.position(&text, offset, ColumnUnit::Chars)
                );
            }
        }
    }

    #[test]
    fn a_non_ascii_text_released_is_read_again_for_positions() {
        let text = "k=é\nx=1\n";
        let (_dir, file) = released(text);
        assert!(file.positions_need_text());
        assert_eq!(
            file.position(text.find('\n').unwrap(), ColumnUnit::Chars),
            Position { line: 1, column: 4 }
        );
        assert_eq!(file.text_in_memory(), Some(text));
    }

    #[test]
    fn text_not_from_a_file_is_never_released() {
        let mut file = SourceFile::new(Path::new("-"), "a: 1\n".into(), Encoding::Utf8);
        let ascii_lines = AsciiLines::of(file.text());
        file.release(ascii_lines);
        assert_eq!(file.text_in_memory(), Some("a: 1\n"));
    }

    #[test]
    fn mask_keeps_lengths_and_utf8() {
        let mut map = SourceMap::default();
        let id = map.add(Path::new("x"), "pw: sécret\nnext".into(), Encoding::Utf8);
        map.mask(id, &[Span::new(4, 11)]);
        assert_eq!(map.get(id).unwrap().text(), "pw: *×****\nnext");
    }

    /// A position in the masked text is the position in the file: each character is
    /// masked by one of as many bytes and UTF-16 units, and line breaks are kept (a
    /// secret can span a folded YAML scalar; found by the `check_file_on_disk` fuzz
    /// target, where a masked newline moved every later line of a file).
    #[test]
    fn masks_keep_every_line_and_column_in_every_unit() {
        let text = "pw: sé€😀t x\nurl: a://u:p\r\n  q@h ok\n";
        let secret =
            |from: &str, to: &str| Span::new(text.find(from).unwrap(), text.find(to).unwrap());
        let spans = [secret("sé", " x"), secret("p\r", "@h")];
        let masked = masked(text.to_owned(), &spans);
        assert_eq!(masked, "pw: *×∗🞯* x\nurl: a://u:*\r\n***@h ok\n");
        let (file, mask) = (LineIndex::new(text), LineIndex::new(&masked));
        for offset in 0..=text.len() {
            for unit in [ColumnUnit::Chars, ColumnUnit::Utf16, ColumnUnit::Bytes] {
                assert_eq!(
                    file.position(text, offset, unit),
                    mask.position(&masked, offset, unit),
                    "at {offset} in {unit:?}"
                );
            }
        }
    }
}
