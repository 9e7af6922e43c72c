//! A model file is read with the care the weights files get: only a regular
//! file (opening a FIFO would block the compiler forever, reading `/dev/zero`
//! would never end), and no larger than a model of its kind can be, so a
//! hostile path bounds what the compiler loads.

use std::fmt;
use std::io::Read;
use std::path::Path;

/// Largest Keras model text (`.py`, `.json`) or `cnn!` file: a 100,000-layer
/// `model.to_json()` has about 13 MB.
pub const MAX_TEXT_BYTES: u64 = 64 << 20;

/// Largest `.tflite` file (it holds the weights): larger than any model this
/// compiler is for.
pub const MAX_TFLITE_BYTES: u64 = 512 << 20;

/// Why a model file cannot be read.
#[derive(Debug)]
pub enum ModelFileError {
    /// No such file, no permission, ...
    Io(std::io::Error),
    /// A directory, a device, a FIFO or a socket.
    NotAFile { what: &'static str },
    /// Larger than the kind's limit.
    TooLarge { size: u64, max: u64 },
    /// A Keras or DSL file that is not UTF-8 text.
    NotText,
}

impl fmt::Display for ModelFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModelFileError::Io(e) => write!(f, "{e}"),
            ModelFileError::NotAFile { what } => {
                write!(f, "not a regular file ({what}): give the path of a model file")
            }
            ModelFileError::TooLarge { size, max } => write!(
                f,
                "the file has {size} bytes or more, more than the {max} a model file of this kind may have"
            ),
            ModelFileError::NotText => f.write_str("not UTF-8 text"),
        }
    }
}

impl std::error::Error for ModelFileError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ModelFileError::Io(e) => Some(e),
            _ => None,
        }
    }
}

/// The bytes of the regular file at `path`, at most `max` of them.
pub fn read_bytes(path: &Path, max: u64) -> Result<Vec<u8>, ModelFileError> {
    // Checked before opening: opening a FIFO for reading blocks.
    regular(&std::fs::metadata(path).map_err(ModelFileError::Io)?)?;
    let file = std::fs::File::open(path).map_err(ModelFileError::Io)?;
    // And again on what was opened, in case the path changed in between;
    // then at most `max + 1` bytes are read, whatever the size said.
    let metadata = file.metadata().map_err(ModelFileError::Io)?;
    regular(&metadata)?;
    let too_large = |size| ModelFileError::TooLarge { size, max };
    if metadata.len() > max {
        return Err(too_large(metadata.len()));
    }
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    file.take(max.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(ModelFileError::Io)?;
    if bytes.len() as u64 > max {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// The text of the regular file at `path`, at most `max` bytes of UTF-8.
pub fn read_text(path: &Path, max: u64) -> Result<String, ModelFileError> {
    String::from_utf8(read_bytes(path, max)?).map_err(|_| ModelFileError::NotText)
}

fn regular(metadata: &std::fs::Metadata) -> Result<(), ModelFileError> {
    let file_type = metadata.file_type();
    if file_type.is_file() {
        return Ok(());
    }
    let what = if file_type.is_dir() {
        "a directory"
    } else {
        "a device, a FIFO or a socket"
    };
    Err(ModelFileError::NotAFile { what })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_within_the_limit_are_read() {
        let dir = std::env::temp_dir().join(format!("cnn-model-file-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        assert!(matches!(
            read_bytes(&dir, u64::MAX),
            Err(ModelFileError::NotAFile {
                what: "a directory"
            })
        ));
        let file = dir.join("model.json");
        std::fs::write(&file, "{}").unwrap();
        assert_eq!(read_text(&file, 2).unwrap(), "{}");
        assert_eq!(
            read_text(&file, 1).unwrap_err().to_string(),
            "the file has 2 bytes or more, more than the 1 a model file of this kind may have"
        );
        std::fs::write(&file, [0xff, 0xfe]).unwrap();
        assert!(matches!(read_text(&file, 2), Err(ModelFileError::NotText)));
        assert!(matches!(
            read_bytes(&dir.join("missing.json"), 2),
            Err(ModelFileError::Io(_))
        ));
        #[cfg(unix)]
        {
            // A symlink to /dev/zero: refused without reading, where reading
            // would never end.
            let zero = dir.join("zero.json");
            let _ = std::fs::remove_file(&zero);
            std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
            assert!(matches!(
                read_bytes(&zero, MAX_TEXT_BYTES),
                Err(ModelFileError::NotAFile { .. })
            ));
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
