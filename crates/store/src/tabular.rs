//! Reading and writing spreadsheets of person lists.
//!
//! Thai agencies hand over lists as CSV (UTF-8 with or without a byte order mark, Windows-874 /
//! TIS-620 as saved by Thai Excel, or UTF-16 "Unicode text") or as workbooks (XLSX; legacy XLS,
//! XLSB and ODS are read too). Everything is read as trimmed text: the caller validates and
//! converts. Exports are CSV with a UTF-8 byte order mark (so Excel shows Thai correctly) or an
//! XLSX workbook whose cells are all text (so ID numbers keep their leading zeros).
//!
//! Row shape is normalised the same way for every format: trailing empty header cells are
//! dropped, short rows are padded with empty cells up to the header width, trailing empty cells
//! beyond the header width are dropped (non-empty extra cells are kept so the caller can report
//! them), and rows whose cells are all empty are skipped (the other rows keep their real line
//! numbers).

use std::collections::VecDeque;
use std::fmt::Display;
use std::io::{self, BufRead, BufReader, Chain, Cursor, Read};

use calamine::{Data, Ods, Range, Reader, SheetType, SheetVisible, Xls, Xlsb, Xlsx};
use encoding_rs_io::{DecodeReaderBytes, DecodeReaderBytesBuilder};

/// A table read from a file: the header row and the data rows, all as trimmed text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// The header row (the first row with any non-empty cell), trailing empty cells dropped.
    pub headers: Vec<String>,
    /// The data rows after the header, fully empty rows skipped.
    pub rows: Vec<TableRow>,
}

impl Table {
    /// The index of the column whose header equals `name` (trimmed, case-insensitive), if any.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        column_index(&self.headers, name)
    }
}

/// One data row with its 1-based line (CSV line number / spreadsheet row number) for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRow {
    /// 1-based CSV line on which the record starts, or the spreadsheet's 1-based row number.
    pub line: usize,
    /// The trimmed cells, at least as many as there are headers.
    pub cells: Vec<String>,
}

impl TableRow {
    /// The cell at `index`, or `""` when the row has no such cell.
    pub fn cell(&self, index: usize) -> &str {
        self.cells.get(index).map_or("", String::as_str)
    }
}

/// Why a table could not be read or written. `Display` is English; the web layer localises by
/// variant.
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    /// The file has no row with any non-empty cell, so there is no header.
    #[error("the file is empty: no header row found")]
    Empty,
    /// The bytes are neither CSV text nor a spreadsheet workbook (e.g. a PDF or an image).
    #[error("the file is neither CSV text nor a spreadsheet workbook")]
    UnknownFormat,
    /// The CSV could not be parsed (for example invalid UTF-8 after the encoding was chosen).
    #[error("CSV error on line {line}: {message}")]
    Csv {
        /// 1-based line where the problem was found (0 when unknown).
        line: usize,
        /// What went wrong, in English.
        message: String,
    },
    /// The workbook could not be read or written.
    #[error("spreadsheet error: {0}")]
    Xlsx(String),
    /// The file has more data rows than the given limit.
    #[error("the file has more than {0} data rows")]
    TooManyRows(usize),
    /// Reading the input failed.
    #[error("read error: {0}")]
    Io(#[source] io::Error),
}

impl TableError {
    fn from_io(e: io::Error) -> Self {
        if e.get_ref().is_some_and(|inner| inner.is::<NotText>()) {
            TableError::UnknownFormat
        } else {
            TableError::Io(e)
        }
    }

    fn from_csv(e: csv::Error) -> Self {
        let line = e.position().map_or(0, |p| p.line() as usize);
        let message = e.to_string();
        match e.into_kind() {
            csv::ErrorKind::Io(io) => TableError::from_io(io),
            _ => TableError::Csv { line, message },
        }
    }
}

/// Marker carried inside an `io::Error` when streamed bytes turn out not to be text.
#[derive(Debug)]
struct NotText;

impl Display for NotText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the input is not text")
    }
}

impl std::error::Error for NotText {}

fn not_text() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, NotText)
}

/// The kind of file a table is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Delimited text (comma, tab or semicolon).
    Csv,
    /// A spreadsheet workbook: XLSX (legacy XLS, XLSB and ODS are read as well).
    Xlsx,
}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const OLE_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
const UTF8_BOM: &[u8] = &[0xEF, 0xBB, 0xBF];
/// How much of a stream is looked at to choose its text encoding.
const SNIFF_WINDOW: usize = 64 * 1024;
/// How many leading bytes are checked for NUL bytes (binary content).
const BINARY_PROBE: usize = 8 * 1024;
/// The last 0-based row index an XLSX sheet can hold.
const XLSX_MAX_ROW: u32 = 1_048_575;

fn has_utf16_bom(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF])
}

fn looks_binary(bytes: &[u8]) -> bool {
    !has_utf16_bom(bytes) && bytes[..bytes.len().min(BINARY_PROBE)].contains(&0)
}

/// Sniff the format from the bytes (XLSX is a ZIP: starts with "PK\x03\x04"), falling back to the
/// file name extension.
///
/// ZIP or OLE (legacy XLS) magic means [`Format::Xlsx`] whatever the name says; other non-empty
/// bytes that look like text mean [`Format::Csv`] (a CSV renamed to `.xlsx` is still read);
/// only for empty or binary-looking bytes does the extension decide (`.xlsx`, `.xlsm`, `.xlsb`,
/// `.xls`, `.ods` → workbook, anything else → CSV).
pub fn detect_format(bytes: &[u8], file_name: &str) -> Format {
    if bytes.starts_with(ZIP_MAGIC) || bytes.starts_with(OLE_MAGIC) {
        return Format::Xlsx;
    }
    if !bytes.is_empty() && !looks_binary(bytes) {
        return Format::Csv;
    }
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, ext)| ext.trim().to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "xlsx" | "xlsm" | "xlsb" | "xls" | "ods" => Format::Xlsx,
        _ => Format::Csv,
    }
}

/// Read the whole table. `max_rows` bounds memory (error if exceeded).
///
/// `max_rows` counts data rows (not the header, not skipped empty rows); one more is
/// [`TableError::TooManyRows`].
pub fn read_table(bytes: &[u8], file_name: &str, max_rows: usize) -> Result<Table, TableError> {
    match detect_format(bytes, file_name) {
        Format::Csv => read_csv_table(bytes, max_rows),
        Format::Xlsx => read_workbook(bytes, max_rows),
    }
}

/// Streaming CSV reading for very large files (1M+ rows): call `f` per row in order; return the
/// headers.
///
/// The encoding is chosen from the first 64 KiB after the first non-ASCII byte (valid UTF-8 →
/// UTF-8, otherwise Windows-874; a UTF-16 byte order mark → UTF-16) and the rest is transcoded on
/// the fly. `f` can stop the reading by returning an error, which is passed back as is. When the
/// rows need the headers (to find columns), use [`CsvRows`] instead, which has them up front.
pub fn for_each_csv_row<R, E, F>(reader: R, mut f: F) -> Result<Vec<String>, E>
where
    R: Read,
    E: From<TableError>,
    F: FnMut(TableRow) -> Result<(), E>,
{
    let mut rows = CsvRows::new(reader)?;
    for row in rows.by_ref() {
        f(row?)?;
    }
    Ok(rows.headers)
}

/// A streaming CSV reader: the headers are read up front, the data rows come from the iterator.
///
/// Encoding and delimiter handling are those of [`for_each_csv_row`]. After an error the
/// iterator ends.
pub struct CsvRows<R: Read> {
    reader: csv::Reader<CsvSource<R>>,
    headers: Vec<String>,
    record: csv::StringRecord,
    done: bool,
}

impl<R: Read> CsvRows<R> {
    /// Start reading: detect the encoding and the delimiter and read up to the header row.
    pub fn new(reader: R) -> Result<Self, TableError> {
        let mut src = BufReader::with_capacity(SNIFF_WINDOW, DecodingReader::new(reader));
        // Read the first non-blank line ourselves to choose the delimiter, then hand it back.
        let mut head = Vec::new();
        let mut delimiter = b',';
        loop {
            let start = head.len();
            let n = (&mut src)
                .take(1 << 20)
                .read_until(b'\n', &mut head)
                .map_err(TableError::from_io)?;
            if n == 0 {
                break;
            }
            let line = &head[start..];
            if line.iter().any(|b| !b.is_ascii_whitespace()) {
                delimiter = sniff_delimiter(line);
                break;
            }
            if head.len() > 1 << 20 {
                break;
            }
        }
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(LineTracker::new(Cursor::new(head).chain(src)));
        let mut record = csv::StringRecord::new();
        let headers = loop {
            if !reader
                .read_record(&mut record)
                .map_err(TableError::from_csv)?
            {
                return Err(TableError::Empty);
            }
            let mut cells: Vec<String> = record.iter().map(clean_cell).collect();
            if cells.iter().any(|c| !c.is_empty()) {
                while cells.last().is_some_and(String::is_empty) {
                    cells.pop();
                }
                break cells;
            }
        };
        Ok(Self {
            reader,
            headers,
            record,
            done: false,
        })
    }

    /// The header row.
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// The index of the column whose header equals `name` (trimmed, case-insensitive), if any.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        column_index(&self.headers, name)
    }
}

impl<R: Read> Iterator for CsvRows<R> {
    type Item = Result<TableRow, TableError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            match self.reader.read_record(&mut self.record) {
                Ok(false) => self.done = true,
                Err(e) => {
                    self.done = true;
                    return Some(Err(TableError::from_csv(e)));
                }
                Ok(true) => {
                    let cells: Vec<String> = self.record.iter().map(clean_cell).collect();
                    if cells.iter().all(String::is_empty) {
                        continue;
                    }
                    // csv's own line numbers are off after CRLF and blank lines: count ourselves.
                    let byte = self.record.position().map_or(0, csv::Position::byte);
                    let line = self.reader.get_mut().line_of_record_at(byte);
                    return Some(Ok(TableRow {
                        line,
                        cells: fit_row(cells, self.headers.len()),
                    }));
                }
            }
        }
        None
    }
}

/// Write CSV with a UTF-8 BOM (so Excel opens Thai correctly) and CRLF-free "\n" line ends.
///
/// Cells are written exactly as given (quoted where needed). Note that Excel, opening a CSV,
/// still turns long digit strings into numbers and evaluates cells starting with `=`, `+`, `-`
/// or `@`; offer [`write_xlsx`] where that matters.
pub fn write_csv(
    headers: &[&str],
    rows: impl Iterator<Item = Vec<String>>,
    mut out: impl io::Write,
) -> io::Result<()> {
    out.write_all(UTF8_BOM)?;
    let mut writer = csv::WriterBuilder::new()
        .flexible(true)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(out);
    writer.write_record(headers)?;
    for row in rows {
        writer.write_record(&row)?;
    }
    writer.flush()
}

/// Write an XLSX workbook with one sheet (bold header row, frozen top row, autofit-ish column
/// widths, text cells so ID numbers keep leading zeros).
///
/// The sheet name is made valid for Excel (forbidden characters replaced, at most 31
/// characters). The header row gets an autofilter. More rows than a sheet holds (1,048,575
/// after the header) is [`TableError::TooManyRows`].
pub fn write_xlsx(
    sheet_name: &str,
    headers: &[&str],
    rows: impl Iterator<Item = Vec<String>>,
) -> Result<Vec<u8>, TableError> {
    let xlsx_err = |e: rust_xlsxwriter::XlsxError| TableError::Xlsx(e.to_string());
    let text = rust_xlsxwriter::Format::new().set_num_format("@");
    let bold = rust_xlsxwriter::Format::new()
        .set_bold()
        .set_num_format("@");

    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    // An unusable name leaves the default ("Sheet1") rather than failing the export.
    let _ = sheet.set_name(sanitize_sheet_name(sheet_name));

    let mut widths: Vec<usize> = headers.iter().map(|h| display_width(h)).collect();
    for (col, header) in headers.iter().enumerate() {
        let col = column_number(col)?;
        sheet
            .write_string_with_format(0, col, *header, &bold)
            .map_err(xlsx_err)?;
    }
    let mut last_row: u32 = 0;
    for (index, row) in rows.enumerate() {
        let row_number = u32::try_from(index + 1)
            .ok()
            .filter(|r| *r <= XLSX_MAX_ROW)
            .ok_or(TableError::TooManyRows(XLSX_MAX_ROW as usize))?;
        last_row = row_number;
        for (col, cell) in row.into_iter().enumerate() {
            if cell.is_empty() {
                continue;
            }
            let width = display_width(&cell);
            match widths.get_mut(col) {
                Some(w) => *w = (*w).max(width),
                None => {
                    widths.resize(col, 0);
                    widths.push(width);
                }
            }
            sheet
                .write_string_with_format(row_number, column_number(col)?, cell, &text)
                .map_err(xlsx_err)?;
        }
    }
    for (col, width) in widths.iter().enumerate() {
        let col = column_number(col)?;
        sheet.set_column_format(col, &text).map_err(xlsx_err)?;
        // Excel widths are in characters of the default font, plus a little padding.
        let width = (*width + 2).clamp(8, 60) as f64;
        sheet.set_column_width(col, width).map_err(xlsx_err)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(xlsx_err)?;
    if !headers.is_empty() {
        sheet
            .autofilter(0, 0, last_row, column_number(headers.len() - 1)?)
            .map_err(xlsx_err)?;
    }
    workbook.save_to_buffer().map_err(xlsx_err)
}

// ---------------------------------------------------------------------------------------------
// CSV internals

fn read_csv_table(bytes: &[u8], max_rows: usize) -> Result<Table, TableError> {
    let text = decode_text(bytes)?;
    let mut rows_reader = CsvRows::new(Cursor::new(text.into_bytes()))?;
    let mut rows = Vec::new();
    for row in rows_reader.by_ref() {
        if rows.len() == max_rows {
            return Err(TableError::TooManyRows(max_rows));
        }
        rows.push(row?);
    }
    Ok(Table {
        headers: rows_reader.headers,
        rows,
    })
}

/// Decode a whole CSV file to UTF-8 text: UTF-16 by its BOM, UTF-8 (BOM stripped), or else
/// Windows-874.
fn decode_text(bytes: &[u8]) -> Result<String, TableError> {
    if let Some(rest) = bytes.strip_prefix(UTF8_BOM) {
        // UTF-8 by its mark: invalid bytes are an error on their line, never replaced (a name
        // with U+FFFD in it would be stored as typed), as the streaming reader answers.
        return match std::str::from_utf8(rest) {
            Ok(text) => Ok(text.to_owned()),
            Err(e) => Err(TableError::Csv {
                line: 1 + rest[..e.valid_up_to()]
                    .iter()
                    .filter(|b| **b == b'\n')
                    .count(),
                message: "invalid UTF-8".to_owned(),
            }),
        };
    }
    if let Some((encoding, bom_len)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, _) = encoding.decode_without_bom_handling(&bytes[bom_len..]);
        return Ok(text.into_owned());
    }
    if looks_binary(bytes) {
        return Err(TableError::UnknownFormat);
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.to_owned()),
        Err(_) => {
            let (text, _) = encoding_rs::WINDOWS_874.decode_without_bom_handling(bytes);
            Ok(text.into_owned())
        }
    }
}

/// Comma unless the header line has tabs (or semicolons) and no commas.
fn sniff_delimiter(line: &[u8]) -> u8 {
    if line.contains(&b',') {
        b','
    } else if line.contains(&b'\t') {
        b'\t'
    } else if line.contains(&b';') {
        b';'
    } else {
        b','
    }
}

/// Counts lines in the bytes handed to the CSV parser, to give records their real line numbers.
///
/// The parser reports, for each record, the byte offset just after the terminator that ended
/// the previous record. The record itself starts on the first non-empty line at or after that
/// offset (empty lines and the `\n` of a `\r\n` are skipped by the parser). Line breaks are
/// `\n`, `\r\n` or a lone `\r`. Only the starts of non-empty lines not yet asked about are
/// kept, so memory stays small.
struct LineTracker<R> {
    inner: R,
    offset: u64,
    line: usize,
    line_start: u64,
    line_has_content: bool,
    after_cr: bool,
    /// (start offset, 1-based line number) of non-empty lines.
    starts: VecDeque<(u64, usize)>,
}

impl<R> LineTracker<R> {
    fn new(inner: R) -> Self {
        Self {
            inner,
            offset: 0,
            line: 1,
            line_start: 0,
            line_has_content: false,
            after_cr: false,
            starts: VecDeque::new(),
        }
    }

    fn track(&mut self, bytes: &[u8]) {
        for &b in bytes {
            match b {
                b'\n' if self.after_cr => self.line_start = self.offset + 1,
                b'\n' | b'\r' => {
                    self.line += 1;
                    self.line_start = self.offset + 1;
                    self.line_has_content = false;
                }
                _ if !self.line_has_content => {
                    self.line_has_content = true;
                    self.starts.push_back((self.line_start, self.line));
                }
                _ => {}
            }
            self.after_cr = b == b'\r';
            self.offset += 1;
        }
    }

    /// The line of the record that the parser says begins at `byte` (offsets only increase).
    fn line_of_record_at(&mut self, byte: u64) -> usize {
        while self.starts.front().is_some_and(|(start, _)| *start < byte) {
            self.starts.pop_front();
        }
        self.starts.front().map_or(self.line, |(_, line)| *line)
    }
}

impl<R: Read> Read for LineTracker<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.track(&buf[..n]);
        Ok(n)
    }
}

/// A reader that turns CSV bytes into UTF-8 on the fly.
///
/// ASCII passes straight through (it is the same in every encoding we accept). At the first
/// non-ASCII (or NUL) byte, up to 64 KiB from there are buffered and looked at: a UTF-16 BOM at
/// the start selects UTF-16; a UTF-8 BOM at the very start is dropped and UTF-8 kept; NUL bytes
/// mean the input is not text (with or without a UTF-8 BOM); valid UTF-8 is passed through; anything else is decoded as
/// Windows-874.
struct DecodingReader<R> {
    state: Decoding<R>,
    at_start: bool,
}

type Buffered<R> = Chain<Cursor<Vec<u8>>, R>;

/// What the CSV parser reads: the sniffed first line, then the rest of the decoded stream.
type CsvSource<R> = LineTracker<Buffered<BufReader<DecodingReader<R>>>>;

enum Decoding<R> {
    Undecided(R),
    Utf8(Buffered<R>),
    Transcoding(DecodeReaderBytes<Buffered<R>, Vec<u8>>),
    Failed,
}

impl<R: Read> DecodingReader<R> {
    fn new(inner: R) -> Self {
        Self {
            state: Decoding::Undecided(inner),
            at_start: true,
        }
    }

    /// Choose the encoding from `window` (which starts at the first non-ASCII byte).
    fn decide(&mut self, mut window: Vec<u8>, at_start: bool) -> io::Result<()> {
        let Decoding::Undecided(mut inner) = std::mem::replace(&mut self.state, Decoding::Failed)
        else {
            return Err(io::Error::other("encoding already chosen"));
        };
        let want = SNIFF_WINDOW.saturating_sub(window.len()) as u64;
        (&mut inner).take(want).read_to_end(&mut window)?;
        let full = window.len() >= SNIFF_WINDOW;
        if at_start && has_utf16_bom(&window) {
            let decoder = DecodeReaderBytesBuilder::new()
                .strip_bom(true)
                .build(Cursor::new(window).chain(inner));
            self.state = Decoding::Transcoding(decoder);
            return Ok(());
        }
        let had_bom = at_start && window.starts_with(UTF8_BOM);
        if had_bom {
            window.drain(..UTF8_BOM.len());
        }
        if window.contains(&0) {
            return Err(not_text());
        }
        // After a UTF-8 byte order mark the text is UTF-8, whatever follows (invalid bytes are
        // then the CSV reader's "invalid UTF-8" on their line, as for the whole-file reader).
        let utf8 = had_bom
            || match std::str::from_utf8(&window) {
                Ok(_) => true,
                // A character cut by the end of a full window is fine.
                Err(e) => e.error_len().is_none() && full,
            };
        self.state = if utf8 {
            Decoding::Utf8(Cursor::new(window).chain(inner))
        } else {
            Decoding::Transcoding(
                DecodeReaderBytesBuilder::new()
                    .encoding(Some(encoding_rs::WINDOWS_874))
                    .build(Cursor::new(window).chain(inner)),
            )
        };
        Ok(())
    }
}

impl<R: Read> Read for DecodingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            match &mut self.state {
                Decoding::Utf8(r) => return r.read(buf),
                Decoding::Transcoding(r) => return r.read(buf),
                Decoding::Failed => return Err(not_text()),
                Decoding::Undecided(inner) => {
                    let n = inner.read(buf)?;
                    let Some(p) = buf[..n].iter().position(|&b| b >= 0x80 || b == 0) else {
                        if n > 0 {
                            self.at_start = false;
                        }
                        return Ok(n);
                    };
                    let window = buf[p..n].to_vec();
                    let at_start = self.at_start && p == 0;
                    self.at_start = false;
                    self.decide(window, at_start)?;
                    if p > 0 {
                        return Ok(p);
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Workbook internals

fn read_workbook(bytes: &[u8], max_rows: usize) -> Result<Table, TableError> {
    let range = if bytes.starts_with(OLE_MAGIC) {
        let mut book: Xls<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(xe)?;
        first_sheet(&mut book)?
    } else {
        match calamine::open_workbook_from_rs::<Xlsx<_>, _>(Cursor::new(bytes)) {
            Ok(mut book) => {
                let name = first_sheet_name(&book)?;
                let cells = match book.worksheet_cells_reader(&name) {
                    Ok(mut reader) => sparse_cells(|| reader.next_cell())?,
                    // As calamine's own `worksheet_range` answers it: no cells.
                    Err(calamine::XlsxError::NotAWorksheet(_)) => Vec::new(),
                    Err(e) => return Err(xe(e)),
                };
                Range::from_sparse(cells)
            }
            Err(xlsx_error) => {
                if let Ok(mut book) =
                    calamine::open_workbook_from_rs::<Xlsb<_>, _>(Cursor::new(bytes))
                {
                    let name = first_sheet_name(&book)?;
                    let mut reader = book.worksheet_cells_reader(&name).map_err(xe)?;
                    Range::from_sparse(sparse_cells(|| reader.next_cell())?)
                } else if let Some(problem) = ods_problem(bytes) {
                    return Err(TableError::Xlsx(problem));
                } else if let Ok(mut book) =
                    calamine::open_workbook_from_rs::<Ods<_>, _>(Cursor::new(bytes))
                {
                    first_sheet(&mut book)?
                } else {
                    return Err(xe(xlsx_error));
                }
            }
        }
    };
    range_to_table(&range, max_rows)
}

fn xe(e: impl Display) -> TableError {
    TableError::Xlsx(e.to_string())
}

/// The first visible worksheet (or the first worksheet if all are hidden).
fn first_sheet<RS, W>(book: &mut W) -> Result<Range<Data>, TableError>
where
    RS: Read + io::Seek,
    W: Reader<RS>,
    W::Error: Display,
{
    let name = first_sheet_name(book)?;
    book.worksheet_range(&name).map_err(xe)
}

/// The name of the first visible worksheet (or of the first worksheet if all are hidden).
fn first_sheet_name<RS, W>(book: &W) -> Result<String, TableError>
where
    RS: Read + io::Seek,
    W: Reader<RS>,
{
    let sheets = book.sheets_metadata();
    let worksheets = || sheets.iter().filter(|s| s.typ == SheetType::WorkSheet);
    worksheets()
        .find(|s| s.visible == SheetVisible::Visible)
        .or_else(|| worksheets().next())
        .map(|s| s.name.clone())
        .ok_or(TableError::Empty)
}

/// Why calamine must not read `bytes`, an ODS, if it must not. calamine 0.38 reads every table
/// of an ODS when it opens it, and on some small files it never stops or takes unbounded memory:
/// a `table:table` left open is read forever (its table loop does not stop at the end of the
/// file); a `text:s` element stands for `text:c` spaces, all written out; repeated rows and
/// columns are laid out in full, up to 100 million cells. So `content.xml` is read once first,
/// as calamine reads it, and refused for any of these. Anything else wrong is left for calamine
/// to report.
fn ods_problem(bytes: &[u8]) -> Option<String> {
    use quick_xml::events::{BytesStart, Event};
    // calamine's own caps on repeated rows (per table) and columns (per row).
    const MAX_ROWS: u64 = 1_048_576;
    const MAX_COLUMNS: u64 = 16_384;
    /// The most spaces `text:s` elements may stand for, in all.
    const MAX_SPACES: u64 = 1 << 20;
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let content = zip.by_name("content.xml").ok()?;
    let mut xml = quick_xml::Reader::from_reader(BufReader::new(content));
    let config = xml.config_mut();
    config.check_end_names = false;
    config.trim_text(false);
    config.check_comments = false;
    config.expand_empty_elements = true;
    // An attribute as a count, as calamine reads it (unparsable: calamine reports it).
    let count = |e: &BytesStart, key: &str| -> u64 {
        e.attributes()
            .flatten()
            .find(|a| a.key.as_ref() == key)
            .and_then(|a| quick_xml::escape::unescape(&a.value).ok()?.parse().ok())
            .unwrap_or(1)
    };
    // A cell calamine keeps (a value, text or a formula); only those widen the used area.
    let kept = |e: &BytesStart| {
        e.attributes().flatten().any(|a| match a.key.as_ref() {
            "office:value"
            | "office:string-value"
            | "office:date-value"
            | "office:time-value"
            | "office:boolean-value"
            | "table:formula" => true,
            "office:value-type" => a.value == "string",
            _ => false,
        })
    };
    let mut buf = Vec::new();
    let mut in_table = false;
    let mut spaces = 0u64;
    // All tables' used areas so far, in cells.
    let mut area = 0u64;
    // The table being read: its rows so far, the rows from its first kept cell to its last, and
    // the widest row up to its last kept cell; the row being read: its first row, its columns
    // so far and up to its last kept cell.
    let (mut rows, mut used_rows, mut width) = (0u64, None::<(u64, u64)>, 0u64);
    let (mut row_start, mut cols, mut row_width) = (0u64, 0u64, 0u64);
    loop {
        match xml.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => match e.name().as_ref() {
                "table:table" => {
                    in_table = true;
                    // A table may start inside a row of another (broken files do that): the row
                    // being read starts again too, so its first row is never past `rows`.
                    (rows, used_rows, width) = (0, None, 0);
                    (row_start, cols, row_width) = (0, 0, 0);
                }
                "table:table-row" if in_table => {
                    row_start = rows;
                    rows += count(&e, "table:number-rows-repeated").min(MAX_ROWS - rows);
                    (cols, row_width) = (0, 0);
                }
                "table:table-cell" | "table:covered-table-cell" if in_table => {
                    cols += count(&e, "table:number-columns-repeated").min(MAX_COLUMNS - cols);
                    if kept(&e) {
                        row_width = cols;
                    }
                }
                "text:s" => {
                    spaces = spaces.saturating_add(count(&e, "text:c"));
                    if spaces > MAX_SPACES {
                        return Some(format!("over {MAX_SPACES} repeated spaces"));
                    }
                }
                _ => {}
            },
            Ok(Event::End(e)) => match e.name().as_ref() {
                "table:table" => {
                    in_table = false;
                    area += used_rows.map_or(0, |(first, end)| (end - first) * width);
                }
                "table:table-row" if in_table && row_width > 0 => {
                    used_rows = Some((used_rows.map_or(row_start, |(first, _)| first), rows));
                    width = width.max(row_width);
                    let table = used_rows.map_or(0, |(first, end)| (end - first) * width);
                    if area + table > MAX_SHEET_CELLS {
                        return Some(format!(
                            "the sheet's used area is too large: over {MAX_SHEET_CELLS} cells"
                        ));
                    }
                }
                _ => {}
            },
            Ok(Event::Eof) => return in_table.then(|| "a table is not closed".to_owned()),
            Err(_) => return None,
            Ok(_) => {}
        }
        buf.clear();
    }
}

/// The most cells the used area of a worksheet may span (rows × columns from its first to its
/// last non-empty cell, blanks included): the sheet is laid out as a full grid, so without a
/// limit two cells far apart in a file of a few kilobytes (`A1` and `XFD1048576`) ask for 17
/// billion cells and the allocation failure aborts the process. 2²⁵ cells (1 GiB of grid) still
/// hold a full-height sheet (1,048,576 rows) of 32 columns, more than an export's 20.
const MAX_SHEET_CELLS: u64 = 1 << 25;

/// The non-empty cells of an XLSX or XLSB worksheet from its cell reader (`next`), refused
/// before the grid is built when their used area passes [`MAX_SHEET_CELLS`].
fn sparse_cells<'a, E: Display>(
    mut next: impl FnMut() -> Result<Option<calamine::Cell<calamine::DataRef<'a>>>, E>,
) -> Result<Vec<calamine::Cell<Data>>, TableError> {
    let mut cells = Vec::new();
    let (mut rows, mut cols) = ((u32::MAX, 0), (u32::MAX, 0));
    while let Some(cell) = next().map_err(xe)? {
        if matches!(cell.get_value(), calamine::DataRef::Empty) {
            continue;
        }
        let (row, col) = cell.get_position();
        rows = (rows.0.min(row), rows.1.max(row));
        cols = (cols.0.min(col), cols.1.max(col));
        let area = u64::from(rows.1 - rows.0 + 1) * u64::from(cols.1 - cols.0 + 1);
        if area > MAX_SHEET_CELLS {
            return Err(TableError::Xlsx(format!(
                "the sheet's used area is too large: over {MAX_SHEET_CELLS} cells"
            )));
        }
        cells.push(calamine::Cell::new(
            (row, col),
            cell.get_value().clone().into(),
        ));
    }
    Ok(cells)
}

fn range_to_table(range: &Range<Data>, max_rows: usize) -> Result<Table, TableError> {
    let Some((first_row, _)) = range.start() else {
        return Err(TableError::Empty);
    };
    let mut headers: Option<Vec<String>> = None;
    let mut rows = Vec::new();
    for (index, row) in range.rows().enumerate() {
        let cells: Vec<String> = row.iter().map(cell_text).collect();
        if cells.iter().all(String::is_empty) {
            continue;
        }
        match &headers {
            None => {
                let mut cells = cells;
                while cells.last().is_some_and(String::is_empty) {
                    cells.pop();
                }
                headers = Some(cells);
            }
            Some(headers) => {
                if rows.len() == max_rows {
                    return Err(TableError::TooManyRows(max_rows));
                }
                rows.push(TableRow {
                    line: first_row as usize + index + 1,
                    cells: fit_row(cells, headers.len()),
                });
            }
        }
    }
    let headers = headers.ok_or(TableError::Empty)?;
    Ok(Table { headers, rows })
}

/// A workbook cell as text: whole numbers without ".0", dates as ISO text.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => clean_cell(s),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number_text(*f),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => {
            if dt.is_duration() {
                duration_text(dt.as_f64())
            } else {
                datetime_text(dt)
            }
        }
        Data::DateTimeIso(s) => iso_text(s.trim()),
        Data::DurationIso(s) => s.trim().to_owned(),
        Data::Error(e) => e.to_string(),
    }
}

/// A number as Excel shows it in General format: at most 15 significant digits, no exponent,
/// no trailing ".0".
fn number_text(f: f64) -> String {
    if !f.is_finite() {
        return f.to_string();
    }
    let rounded: f64 = format!("{f:.14e}").parse().unwrap_or(f);
    if rounded == 0.0 {
        return "0".to_owned();
    }
    rounded.to_string()
}

fn datetime_text(dt: &calamine::ExcelDateTime) -> String {
    let (year, month, day, hour, minute, second, milli) = dt.to_ymd_hms_milli();
    let time = if milli == 0 {
        format!("{hour:02}:{minute:02}:{second:02}")
    } else {
        format!("{hour:02}:{minute:02}:{second:02}.{milli:03}")
    };
    if dt.as_f64() < 1.0 {
        time
    } else if (hour, minute, second, milli) == (0, 0, 0, 0) {
        format!("{year:04}-{month:02}-{day:02}")
    } else {
        format!("{year:04}-{month:02}-{day:02} {time}")
    }
}

fn duration_text(days: f64) -> String {
    let total = (days * 86_400.0).round() as i64;
    let sign = if total < 0 { "-" } else { "" };
    let total = total.abs();
    format!(
        "{sign}{}:{:02}:{:02}",
        total / 3600,
        (total / 60) % 60,
        total % 60
    )
}

/// ISO date-times at midnight become plain dates; anything else is kept.
fn iso_text(s: &str) -> String {
    let bytes = s.as_bytes();
    let is_date = bytes.len() >= 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes[..10]
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if is_date {
        let rest = s[10..].trim_start_matches(['T', ' ']);
        if rest.chars().all(|c| matches!(c, '0' | ':' | '.')) {
            return s[..10].to_owned();
        }
    }
    s.to_owned()
}

// ---------------------------------------------------------------------------------------------
// Shared helpers

/// Trim whitespace, byte order marks and zero-width spaces (common in Thai text from the web).
fn clean_cell(s: &str) -> String {
    s.trim_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}' || c == '\u{200B}')
        .to_owned()
}

/// Pad to `width` with empty cells; drop trailing empty cells beyond `width`.
fn fit_row(mut cells: Vec<String>, width: usize) -> Vec<String> {
    if cells.len() < width {
        cells.resize(width, String::new());
    } else {
        while cells.len() > width && cells.last().is_some_and(String::is_empty) {
            cells.pop();
        }
    }
    cells
}

fn column_index(headers: &[String], name: &str) -> Option<usize> {
    let name = clean_cell(name).to_lowercase();
    headers.iter().position(|h| h.to_lowercase() == name)
}

fn column_number(col: usize) -> Result<u16, TableError> {
    u16::try_from(col).map_err(|_| TableError::Xlsx(format!("too many columns ({})", col + 1)))
}

/// Roughly how many character cells `s` takes: Thai combining vowels and tone marks take none.
fn display_width(s: &str) -> usize {
    s.lines()
        .map(|line| {
            line.chars()
                .filter(|c| {
                    !matches!(c, '\u{0E31}' | '\u{0E34}'..='\u{0E3A}' | '\u{0E47}'..='\u{0E4E}')
                })
                .count()
        })
        .max()
        .unwrap_or(0)
}

/// A sheet name Excel accepts: no `[]:*?/\`, not starting or ending with `'`, 1–31 characters.
fn sanitize_sheet_name(name: &str) -> String {
    let replaced: String = name
        .chars()
        .map(|c| match c {
            '[' | ']' | ':' | '*' | '?' | '/' | '\\' => '_',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect();
    let truncated: String = replaced
        .trim()
        .trim_matches('\'')
        .chars()
        .take(31)
        .collect();
    let truncated = truncated.trim().trim_matches('\'');
    if truncated.is_empty() || truncated.eq_ignore_ascii_case("history") {
        "Sheet1".to_owned()
    } else {
        truncated.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const THAI_HEADER: &str = "เลขประจำตัวประชาชน,ชื่อ,นามสกุล,วันเกิด";

    fn strings(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|s| (*s).to_owned()).collect()
    }

    fn thai_headers() -> Vec<String> {
        strings(&["เลขประจำตัวประชาชน", "ชื่อ", "นามสกุล", "วันเกิด"])
    }

    fn windows_874(text: &str) -> Vec<u8> {
        let (bytes, _, had_errors) = encoding_rs::WINDOWS_874.encode(text);
        assert!(!had_errors, "test text must be encodable in Windows-874");
        bytes.into_owned()
    }

    fn stream(bytes: &[u8]) -> (Vec<String>, Vec<TableRow>) {
        let mut rows = Vec::new();
        let headers = for_each_csv_row(bytes, |row| {
            rows.push(row);
            Ok::<(), TableError>(())
        })
        .unwrap();
        (headers, rows)
    }

    #[test]
    fn csv_utf8_bom_thai_with_blank_line() {
        let text = format!(
            "\u{FEFF}{THAI_HEADER}\n0123456789012, สมชาย ,ใจดี,2530-01-15\n\n\
             1234567890121,สมหญิง,รักไทย,1990-12-31\n"
        );
        let table = read_table(text.as_bytes(), "people.csv", 100).unwrap();
        assert_eq!(table.headers, thai_headers());
        assert_eq!(
            table.rows,
            vec![
                TableRow {
                    line: 2,
                    cells: strings(&["0123456789012", "สมชาย", "ใจดี", "2530-01-15"]),
                },
                TableRow {
                    line: 4,
                    cells: strings(&["1234567890121", "สมหญิง", "รักไทย", "1990-12-31"]),
                },
            ]
        );
        assert_eq!(table.column_index("ชื่อ"), Some(1));
        assert_eq!(table.rows[0].cell(9), "");

        let (headers, rows) = stream(text.as_bytes());
        assert_eq!(headers, table.headers);
        assert_eq!(rows, table.rows);
    }

    #[test]
    fn windows_874_decodes_in_read_table_and_stream() {
        let text = format!("{THAI_HEADER}\r\n0123456789012,สมชาย,ใจดี,15/01/2530\r\n");
        let bytes = windows_874(&text);
        assert!(std::str::from_utf8(&bytes).is_err());
        let expected = vec![TableRow {
            line: 2,
            cells: strings(&["0123456789012", "สมชาย", "ใจดี", "15/01/2530"]),
        }];

        let table = read_table(&bytes, "people.csv", 10).unwrap();
        assert_eq!(table.headers, thai_headers());
        assert_eq!(table.rows, expected);

        let (headers, rows) = stream(&bytes);
        assert_eq!(headers, thai_headers());
        assert_eq!(rows, expected);
    }

    #[test]
    fn stream_detects_windows_874_after_long_ascii_prefix() {
        let mut text = String::from("id,name\n");
        for i in 0..10_000 {
            text.push_str(&format!("{i:013},ascii name\n"));
        }
        assert!(text.len() > SNIFF_WINDOW);
        text.push_str("9999999999999,ประเสริฐ\n");
        let bytes = windows_874(&text);
        let (headers, rows) = stream(&bytes);
        assert_eq!(headers, strings(&["id", "name"]));
        assert_eq!(rows.len(), 10_001);
        let last = rows.last().unwrap();
        assert_eq!(last.cells, strings(&["9999999999999", "ประเสริฐ"]));
        assert_eq!(last.line, 10_002);
    }

    #[test]
    fn stream_detects_utf8_thai_split_across_reads() {
        // A reader that hands out one byte at a time exercises window filling and BOM handling.
        struct OneByte<'a>(&'a [u8]);
        impl Read for OneByte<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let Some((first, rest)) = self.0.split_first() else {
                    return Ok(0);
                };
                buf[0] = *first;
                self.0 = rest;
                Ok(1)
            }
        }
        let text = format!("\u{FEFF}{THAI_HEADER}\nx,ชื่อไทย,นามสกุลไทย,\n");
        let mut rows = Vec::new();
        let headers = for_each_csv_row(OneByte(text.as_bytes()), |row| {
            rows.push(row);
            Ok::<(), TableError>(())
        })
        .unwrap();
        assert_eq!(headers, thai_headers());
        assert_eq!(rows[0].cells, strings(&["x", "ชื่อไทย", "นามสกุลไทย", ""]));
    }

    #[test]
    fn utf16_unicode_text_is_read() {
        let text = "ชื่อ\tนามสกุล\r\nสมชาย\tใจดี\r\n";
        let mut bytes = vec![0xFF, 0xFE];
        for unit in text.encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        assert_eq!(detect_format(&bytes, "list.txt"), Format::Csv);
        let table = read_table(&bytes, "list.txt", 10).unwrap();
        assert_eq!(table.headers, strings(&["ชื่อ", "นามสกุล"]));
        assert_eq!(table.rows[0].cells, strings(&["สมชาย", "ใจดี"]));
        let (headers, rows) = stream(&bytes);
        assert_eq!(headers, table.headers);
        assert_eq!(rows, table.rows);
    }

    #[test]
    fn callback_error_stops_streaming() {
        #[derive(Debug, PartialEq)]
        enum MyError {
            Table,
            Stop(usize),
        }
        impl From<TableError> for MyError {
            fn from(_: TableError) -> Self {
                MyError::Table
            }
        }
        let mut seen = 0;
        let result = for_each_csv_row("a\n1\n2\n3\n".as_bytes(), |row| {
            seen += 1;
            if row.cells[0] == "2" {
                Err(MyError::Stop(row.line))
            } else {
                Ok(())
            }
        });
        assert_eq!(result, Err(MyError::Stop(3)));
        assert_eq!(seen, 2);
        assert_eq!(
            for_each_csv_row("\n \n".as_bytes(), |_| Ok(())),
            Err(MyError::Table)
        );
    }

    #[test]
    fn csv_rows_gives_headers_first() {
        let mut rows = CsvRows::new("name;id\nก;1\n".as_bytes()).unwrap();
        assert_eq!(rows.column_index("ID"), Some(1));
        let row = rows.next().unwrap().unwrap();
        assert_eq!(row.cells, strings(&["ก", "1"]));
        assert!(rows.next().is_none());
    }

    #[test]
    fn line_numbers_follow_the_file() {
        let lines = |text: &str| -> Vec<usize> {
            let table = read_table(text.as_bytes(), "x.csv", 100).unwrap();
            let (_, streamed) = stream(text.as_bytes());
            assert_eq!(streamed, table.rows);
            table.rows.iter().map(|r| r.line).collect()
        };
        assert_eq!(lines("\r\n\r\nh\r\n1\r\n\r\n\r\n2\r\n3"), vec![4, 7, 8]);
        assert_eq!(lines("h\n\"multi\n\nline\"\n4\n , \n\n6\n"), vec![2, 5, 8]);
        assert_eq!(lines("h\r1\r\r3\r"), vec![2, 4]);
    }

    #[test]
    fn tab_and_semicolon_delimiters_are_detected() {
        let tab = read_table("a\tb\tc\n1\t2\t3\n".as_bytes(), "x.csv", 10).unwrap();
        assert_eq!(tab.headers, strings(&["a", "b", "c"]));
        assert_eq!(tab.rows[0].cells, strings(&["1", "2", "3"]));

        let semi = read_table("a;b;c\n1;2,5;3\n".as_bytes(), "x.csv", 10).unwrap();
        assert_eq!(semi.headers, strings(&["a", "b", "c"]));
        assert_eq!(semi.rows[0].cells, strings(&["1", "2,5", "3"]));

        // Commas in the header win: semicolons are then ordinary text.
        let comma = read_table("a;x,b\n1;y,2\n".as_bytes(), "x.csv", 10).unwrap();
        assert_eq!(comma.headers, strings(&["a;x", "b"]));
    }

    #[test]
    fn short_rows_are_padded_and_long_rows_trimmed_of_empty_tails() {
        let table = read_table(
            "a,b,c,\n1\n,,,\n1,2,3,,,\n1,2,3,4\n\"q,\"\"x\"\"\",2\n".as_bytes(),
            "x.csv",
            10,
        )
        .unwrap();
        assert_eq!(table.headers, strings(&["a", "b", "c"]));
        let cells: Vec<_> = table
            .rows
            .iter()
            .map(|r| (r.line, r.cells.clone()))
            .collect();
        assert_eq!(
            cells,
            vec![
                (2, strings(&["1", "", ""])),
                (4, strings(&["1", "2", "3"])),
                (5, strings(&["1", "2", "3", "4"])),
                (6, strings(&["q,\"x\"", "2", ""])),
            ]
        );
    }

    #[test]
    fn too_many_rows_is_an_error() {
        let text = "a\n1\n2\n3\n";
        assert_eq!(
            read_table(text.as_bytes(), "x.csv", 3).unwrap().rows.len(),
            3
        );
        assert!(matches!(
            read_table(text.as_bytes(), "x.csv", 2),
            Err(TableError::TooManyRows(2))
        ));
        let book = write_xlsx("s", &["a"], (0..3).map(|i| vec![i.to_string()])).unwrap();
        assert!(matches!(
            read_table(&book, "x.xlsx", 2),
            Err(TableError::TooManyRows(2))
        ));
    }

    #[test]
    fn empty_and_binary_inputs() {
        assert!(matches!(
            read_table(b"", "x.csv", 10),
            Err(TableError::Empty)
        ));
        assert!(matches!(
            read_table(b"\n , ,\n\n", "x.csv", 10),
            Err(TableError::Empty)
        ));
        let binary = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        assert!(matches!(
            read_table(binary, "x.csv", 10),
            Err(TableError::UnknownFormat)
        ));
        assert!(matches!(
            for_each_csv_row(&binary[..], |_| Ok::<(), TableError>(())),
            Err(TableError::UnknownFormat)
        ));
        assert!(matches!(
            read_table(b"PK\x03\x04garbage", "x.xlsx", 10),
            Err(TableError::Xlsx(_))
        ));
    }

    #[test]
    fn detect_format_prefers_magic_bytes() {
        assert_eq!(detect_format(b"PK\x03\x04rest", "people.csv"), Format::Xlsx);
        assert_eq!(detect_format(OLE_MAGIC, "people.csv"), Format::Xlsx);
        assert_eq!(detect_format(b"a,b\n1,2\n", "people.xlsx"), Format::Csv);
        assert_eq!(detect_format(b"", "people.XLSX"), Format::Xlsx);
        assert_eq!(detect_format(b"", "people.csv"), Format::Csv);
        assert_eq!(detect_format(b"\0\x01", "noext"), Format::Csv);
        // A real workbook named .csv is still read as a workbook.
        let book = write_xlsx("s", &["a"], std::iter::once(vec!["1".to_owned()])).unwrap();
        let table = read_table(&book, "wrong.csv", 10).unwrap();
        assert_eq!(table.rows[0].cells, strings(&["1"]));
    }

    #[test]
    fn write_csv_has_bom_and_round_trips() {
        let rows = vec![
            strings(&["0123456789012", "สมชาย", "ใจ,ดี", "line\nbreak"]),
            strings(&["1234567890121", "สมหญิง \"น้อย\"", "รักไทย", ""]),
        ];
        let mut out = Vec::new();
        let headers = ["เลขประจำตัวประชาชน", "ชื่อ", "นามสกุล", "หมายเหตุ"];
        write_csv(&headers, rows.clone().into_iter(), &mut out).unwrap();
        assert!(out.starts_with(UTF8_BOM));
        assert!(!out.contains(&b'\r'));
        let table = read_table(&out, "export.csv", 10).unwrap();
        assert_eq!(table.headers, strings(&headers));
        let read: Vec<_> = table.rows.into_iter().map(|r| r.cells).collect();
        assert_eq!(read, rows);
    }

    #[test]
    fn write_xlsx_round_trips_text() {
        let headers = ["เลขประจำตัวประชาชน", "ชื่อ", "นามสกุล", "วันเกิด"];
        let rows = vec![
            strings(&["0123456789012", "สมชาย", "ใจดี", "2530-01-15"]),
            strings(&["1234567890121", "สมหญิง", "", "1990-12-31"]),
            strings(&["0000000000019", "ประเสริฐ", "ศรีสุข", "1.50"]),
        ];
        let book = write_xlsx("รายชื่อ: [ทดสอบ]", &headers, rows.clone().into_iter()).unwrap();
        assert!(book.starts_with(ZIP_MAGIC));
        let table = read_table(&book, "export.xlsx", 10).unwrap();
        assert_eq!(table.headers, strings(&headers));
        assert_eq!(
            table.rows.iter().map(|r| r.line).collect::<Vec<_>>(),
            vec![2, 3, 4]
        );
        let read: Vec<_> = table.rows.into_iter().map(|r| r.cells).collect();
        assert_eq!(read, rows);

        let sheet_names = calamine::open_workbook_from_rs::<Xlsx<_>, _>(Cursor::new(&book))
            .unwrap()
            .sheet_names();
        assert_eq!(sheet_names, vec!["รายชื่อ_ _ทดสอบ_".to_owned()]);
    }

    #[test]
    fn xlsx_numbers_dates_and_booleans_become_text() {
        use rust_xlsxwriter::{ExcelDateTime, Format as XFormat, Workbook};
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        // Data starts at row 3 (1-based) after an empty row 2 and a title in row 1.
        sheet.write_string(0, 0, "  ").unwrap();
        sheet.write_string(2, 0, "id").unwrap();
        sheet.write_string(2, 1, "เกิด").unwrap();
        sheet.write_string(2, 2, "ok").unwrap();
        sheet.write_string(2, 3, "n").unwrap();
        sheet.write_number(3, 0, 1_234_567_890_121.0).unwrap();
        let date = XFormat::new().set_num_format("yyyy-mm-dd");
        let when = ExcelDateTime::from_ymd(1987, 1, 15).unwrap();
        sheet
            .write_datetime_with_format(3, 1, &when, &date)
            .unwrap();
        sheet.write_boolean(3, 2, true).unwrap();
        sheet.write_number(3, 3, 0.1 + 0.2).unwrap();
        sheet.write_number(5, 0, 42.0).unwrap();
        sheet.write_number(5, 3, -2.5).unwrap();
        let bytes = book.save_to_buffer().unwrap();

        let table = read_table(&bytes, "agency.xlsx", 10).unwrap();
        assert_eq!(table.headers, strings(&["id", "เกิด", "ok", "n"]));
        assert_eq!(
            table.rows,
            vec![
                TableRow {
                    line: 4,
                    cells: strings(&["1234567890121", "1987-01-15", "true", "0.3"]),
                },
                TableRow {
                    line: 6,
                    cells: strings(&["42", "", "", "-2.5"]),
                },
            ]
        );
    }

    #[test]
    fn cell_text_conversions() {
        assert_eq!(number_text(1_234_567_890_121.0), "1234567890121");
        assert_eq!(number_text(-0.0), "0");
        assert_eq!(number_text(1e20), "100000000000000000000");
        assert_eq!(number_text(2.25), "2.25");
        assert_eq!(iso_text("2024-02-29T00:00:00"), "2024-02-29");
        assert_eq!(iso_text("2024-02-29T10:30:00"), "2024-02-29T10:30:00");
        assert_eq!(iso_text("10:30:00"), "10:30:00");
        let dt = |v| calamine::ExcelDateTime::new(v, calamine::ExcelDateTimeType::DateTime, false);
        assert_eq!(datetime_text(&dt(45943.5)), "2025-10-13 12:00:00");
        assert_eq!(datetime_text(&dt(0.75)), "18:00:00");
        assert_eq!(duration_text(1.5), "36:00:00");
        assert_eq!(cell_text(&Data::Error(calamine::CellErrorType::NA)), "#N/A");
        assert_eq!(clean_cell("\u{200B} ก \u{00A0}"), "ก");
    }

    #[test]
    fn far_apart_cells_are_refused_not_allocated() {
        // Found while writing the import fuzz target (kept as its seed
        // fuzz/seeds/import_rows/far_apart_cells.xlsx): a few kilobytes whose two cells span the
        // whole sheet asked calamine for a 17-billion-cell grid, and the failed allocation
        // aborted the process.
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(0, 0, "ชื่อ").unwrap();
        sheet.write_string(1_048_575, 16_383, "x").unwrap();
        let bytes = book.save_to_buffer().unwrap();
        assert!(bytes.len() < 10_000);
        match read_table(&bytes, "bomb.xlsx", 10) {
            Err(TableError::Xlsx(message)) => assert!(message.contains("too large"), "{message}"),
            other => panic!("{other:?}"),
        }
        // A tall sheet within the limit is read as before.
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(0, 0, "ชื่อ").unwrap();
        sheet.write_string(0, 1, "n").unwrap();
        sheet.write_string(99_999, 1, "last").unwrap();
        let bytes = book.save_to_buffer().unwrap();
        let table = read_table(&bytes, "tall.xlsx", 10).unwrap();
        assert_eq!(table.headers, strings(&["ชื่อ", "n"]));
        assert_eq!(table.rows.len(), 1);
        assert_eq!(table.rows[0].line, 100_000);
        assert_eq!(table.rows[0].cells, strings(&["", "last"]));
    }

    /// An ODS workbook whose `content.xml` is `content`.
    fn ods(content: &str) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        let manifest = r#"<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/></manifest:manifest>"#;
        for (name, data) in [
            ("mimetype", "application/vnd.oasis.opendocument.spreadsheet"),
            ("META-INF/manifest.xml", manifest),
            ("content.xml", content),
        ] {
            zip.start_file(name, stored).unwrap();
            io::Write::write_all(&mut zip, data.as_bytes()).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    const ODS_HEAD: &str = r#"<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet><table:table table:name="Sheet1"><table:table-row><table:table-cell office:value-type="string"><text:p>ชื่อ</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>n</text:p></table:table-cell></table:table-row>"#;
    const ODS_TAIL: &str =
        "</table:table></office:spreadsheet></office:body></office:document-content>";

    fn ods_refused(content: &str, why: &str) {
        let bytes = ods(content);
        assert!(ods_problem(&bytes).is_some_and(|p| p.contains(why)));
        match read_table(&bytes, "bad.ods", 10) {
            Err(TableError::Xlsx(message)) => assert!(message.contains(why), "{message}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn ods_that_calamine_would_read_forever_or_without_bound_is_refused() {
        // A table left open: calamine's table loop never ended. Found by fuzzing (seed
        // fuzz/seeds/import_rows/ods_table_left_open.xml, which the target wraps into an ODS).
        ods_refused(ODS_HEAD, "not closed");
        // One element standing for ten billion spaces, all written out.
        let row = |cell: &str| format!("<table:table-row>{cell}</table:table-row>");
        let spaces = row(
            r#"<table:table-cell office:value-type="string"><text:p>a<text:s text:c="10000000000"/>b</text:p></table:table-cell>"#,
        );
        ods_refused(&format!("{ODS_HEAD}{spaces}{ODS_TAIL}"), "spaces");
        // A cell repeated over a million rows and 50 columns: 50 million cells (under calamine's
        // own limit of 100 million), some 3 GB, from a few hundred bytes.
        let repeated = r#"<table:table-row table:number-rows-repeated="1000000"><table:table-cell table:number-columns-repeated="50" office:value-type="float" office:value="1"/></table:table-row>"#;
        ods_refused(&format!("{ODS_HEAD}{repeated}{ODS_TAIL}"), "too large");

        // What LibreOffice writes is read: the rest of the sheet as repeated empty cells.
        let data = row(
            r#"<table:table-cell office:value-type="string"><text:p>สม<text:s text:c="2"/>ศรี</text:p></table:table-cell><table:table-cell office:value-type="float" office:value="3"/><table:table-cell table:number-columns-repeated="16382"/>"#,
        );
        let filler = r#"<table:table-row table:number-rows-repeated="1048574"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>"#;
        let bytes = ods(&format!("{ODS_HEAD}{data}{filler}{ODS_TAIL}"));
        assert_eq!(ods_problem(&bytes), None);
        let table = read_table(&bytes, "whole.ods", 10).unwrap();
        assert_eq!(table.headers, strings(&["ชื่อ", "n"]));
        assert_eq!(table.rows.len(), 1);
        assert_eq!(table.rows[0].cells, strings(&["สม  ศรี", "3"]));
    }

    #[test]
    fn after_a_utf8_mark_both_readers_refuse_nul_and_invalid_utf8() {
        // Found by the import fuzz target: after a UTF-8 byte order mark the whole-file reader
        // replaced invalid bytes with U+FFFD (a name stored with a replacement character) and
        // refused NUL, while the streaming reader (used for large files) refused the first and
        // passed the second on.
        let stream = |bytes: &[u8]| -> Result<Table, TableError> {
            let mut rows = CsvRows::new(Cursor::new(bytes.to_vec()))?;
            let collected = rows.by_ref().collect::<Result<Vec<_>, _>>()?;
            Ok(Table {
                headers: rows.headers().to_vec(),
                rows: collected,
            })
        };
        let invalid = b"\xEF\xBB\xBFname,village\nok,55010101\nsom\xFFsri,55010101\n";
        match read_table(invalid, "list.csv", 10) {
            Err(TableError::Csv { line, message }) => {
                assert_eq!(line, 3);
                assert!(message.contains("UTF-8"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(stream(invalid), Err(TableError::Csv { .. })));
        let nul = b"\xEF\xBB\xBFname,village\nso\0m,55010101\n";
        assert!(matches!(
            read_table(nul, "list.csv", 10),
            Err(TableError::UnknownFormat)
        ));
        assert!(matches!(stream(nul), Err(TableError::UnknownFormat)));
        // Valid text after the mark is read the same by both.
        let good = "\u{FEFF}ชื่อ,หมู่บ้าน\nสมศรี,55010101\n".as_bytes();
        let whole = read_table(good, "list.csv", 10).unwrap();
        assert_eq!(whole, stream(good).unwrap());
        assert_eq!(whole.rows[0].cells, strings(&["สมศรี", "55010101"]));
    }

    #[test]
    fn ods_with_a_table_inside_a_row_is_measured_without_overflow() {
        // Found by the import fuzz target (a mutated seed): a `table:table` opened inside a
        // repeated row of another table restarted the row count under the open row, and closing
        // that row subtracted its first row from a smaller count (an arithmetic overflow).
        let content = format!(
            "{ODS_HEAD}{}{ODS_TAIL}",
            r#"<table:table-row table:number-rows-repeated="2"><table:table-cell office:value-type="string"><text:p>a</text:p><table:table table:name="in"><table:table-cell office:value-type="boolean" office:boolean-value="true"/></table:table-cell></table:table-row></table:table>"#
        );
        let bytes = ods(&content);
        assert_eq!(ods_problem(&bytes), None);
        // Whatever calamine makes of it, it answers.
        let _ = read_table(&bytes, "nested.ods", 10);
        // Left open, the outer table is refused as before.
        let open = ods(&format!(
            "{ODS_HEAD}{}",
            r#"<table:table-row table:number-rows-repeated="2"><table:table-cell office:value-type="string"><text:p>a</text:p><table:table table:name="in"><table:table-cell office:value-type="string"/></table:table-row>"#
        ));
        assert!(ods_problem(&open).is_some_and(|p| p.contains("not closed")));
    }

    #[test]
    fn sheet_names_are_made_valid() {
        assert_eq!(sanitize_sheet_name("a/b"), "a_b");
        assert_eq!(sanitize_sheet_name("  "), "Sheet1");
        assert_eq!(sanitize_sheet_name("'History'"), "Sheet1");
        assert_eq!(sanitize_sheet_name(&"ก".repeat(40)).chars().count(), 31);
    }
}
