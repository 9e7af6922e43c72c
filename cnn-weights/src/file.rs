//! A weights path is checked before anything opens it: opening a FIFO would
//! block, and reading `/dev/zero` would never end.

use std::fmt;
use std::path::Path;

/// The most bytes a weights file holding `values` numbers can need: every
/// value as f64 (the widest type loaded), plus the safetensors format's
/// largest header (100 MB) and 1 MiB for an archive's own records.
pub fn max_bytes(values: u64) -> u64 {
    values
        .saturating_mul(8)
        .saturating_add(crate::safetensors_file::MAX_HEADER + (1 << 20))
}

/// A path that cannot be a weights file.
#[derive(Debug)]
pub enum FileError {
    /// Its metadata cannot be read (most often: no such file).
    Io(std::io::Error),
    /// A directory, a device, a FIFO or a socket.
    NotAFile { what: &'static str },
    /// Larger than any weights file of the model can be.
    TooLarge { size: u64, max: u64 },
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileError::Io(e) => write!(f, "cannot read the file: {e}"),
            FileError::NotAFile { what } => write!(
                f,
                "not a regular file ({what}): give the path of a weights file"
            ),
            FileError::TooLarge { size, max } => write!(
                f,
                "the file has {size} bytes, more than a weights file of this model can have ({max})"
            ),
        }
    }
}

impl std::error::Error for FileError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FileError::Io(e) => Some(e),
            _ => None,
        }
    }
}

/// Checks that `path` is a regular file of at most `max` bytes.
pub fn check(path: &Path, max: u64) -> Result<(), FileError> {
    let metadata = std::fs::metadata(path).map_err(FileError::Io)?;
    let file_type = metadata.file_type();
    if !file_type.is_file() {
        let what = if file_type.is_dir() {
            "a directory"
        } else {
            "a device, a FIFO or a socket"
        };
        return Err(FileError::NotAFile { what });
    }
    if metadata.len() > max {
        return Err(FileError::TooLarge {
            size: metadata.len(),
            max,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_within_the_limit_pass() {
        let dir = std::env::temp_dir();
        assert!(matches!(
            check(&dir, u64::MAX),
            Err(FileError::NotAFile {
                what: "a directory"
            })
        ));
        let file = dir.join(format!("cnn-weights-file-test-{}", std::process::id()));
        std::fs::write(&file, [0u8; 100]).unwrap();
        assert!(check(&file, 100).is_ok());
        let message = check(&file, 99).unwrap_err().to_string();
        assert_eq!(
            message,
            "the file has 100 bytes, more than a weights file of this model can have (99)"
        );
        std::fs::remove_file(&file).unwrap();
        assert!(matches!(check(&file, 100), Err(FileError::Io(_))));
        #[cfg(unix)]
        assert!(matches!(
            check(Path::new("/dev/zero"), u64::MAX),
            Err(FileError::NotAFile { .. })
        ));
        assert_eq!(max_bytes(u64::MAX), u64::MAX);
    }
}
