//! NFO files: the writer (quick-xml) and the tolerant reader (roxmltree).

pub mod reader;
pub mod writer;

pub use reader::{NfoInfo, parse_nfo, read_nfo};
