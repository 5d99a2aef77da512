//! Well identifiers and plate geometries.

use std::fmt;

/// A plate geometry: number of rows and columns.
///
/// Standard formats are 6, 12, 24, 48, 96, 384 and 1536 wells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PlateFormat {
    /// Number of rows (A.. downwards).
    pub rows: u16,
    /// Number of columns (1.. rightwards).
    pub cols: u16,
}

impl PlateFormat {
    /// 6-well plate (2 x 3).
    pub const W6: Self = Self { rows: 2, cols: 3 };
    /// 12-well plate (3 x 4).
    pub const W12: Self = Self { rows: 3, cols: 4 };
    /// 24-well plate (4 x 6).
    pub const W24: Self = Self { rows: 4, cols: 6 };
    /// 48-well plate (6 x 8).
    pub const W48: Self = Self { rows: 6, cols: 8 };
    /// 96-well plate (8 x 12).
    pub const W96: Self = Self { rows: 8, cols: 12 };
    /// 384-well plate (16 x 24).
    pub const W384: Self = Self { rows: 16, cols: 24 };
    /// 1536-well plate (32 x 48).
    pub const W1536: Self = Self { rows: 32, cols: 48 };

    /// All standard formats, smallest first.
    pub const STANDARD: [Self; 7] = [
        Self::W6,
        Self::W12,
        Self::W24,
        Self::W48,
        Self::W96,
        Self::W384,
        Self::W1536,
    ];

    /// The standard format with this many wells.
    pub fn from_well_count(n: usize) -> Option<Self> {
        Self::STANDARD.into_iter().find(|f| f.well_count() == n)
    }

    /// The smallest standard format that holds `rows` x `cols`.
    pub fn smallest_holding(rows: u16, cols: u16) -> Option<Self> {
        Self::STANDARD
            .into_iter()
            .find(|f| f.rows >= rows && f.cols >= cols)
    }

    /// Total number of wells.
    pub fn well_count(self) -> usize {
        usize::from(self.rows) * usize::from(self.cols)
    }

    /// Whether `well` lies on this plate.
    pub fn contains(self, well: WellId) -> bool {
        well.row < self.rows && well.col < self.cols
    }

    /// Row-major index of `well` (A1 = 0, A2 = 1, ...), if on the plate.
    pub fn index(self, well: WellId) -> Option<usize> {
        self.contains(well)
            .then(|| usize::from(well.row) * usize::from(self.cols) + usize::from(well.col))
    }

    /// The well at row-major index `i`.
    pub fn well_at(self, i: usize) -> Option<WellId> {
        (i < self.well_count()).then(|| WellId {
            row: (i / usize::from(self.cols)) as u16,
            col: (i % usize::from(self.cols)) as u16,
        })
    }

    /// Every well in row-major order.
    pub fn wells(self) -> impl Iterator<Item = WellId> {
        (0..self.well_count()).filter_map(move |i| self.well_at(i))
    }

    /// Whether `well` is on the outer ring (first/last row or column).
    pub fn is_edge(self, well: WellId) -> bool {
        well.row == 0 || well.col == 0 || well.row + 1 == self.rows || well.col + 1 == self.cols
    }
}

impl fmt::Display for PlateFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}-well ({}x{})",
            self.well_count(),
            self.rows,
            self.cols
        )
    }
}

/// A well position, 0-based internally; written `A1`, parsed from `A1`, `A01`, `a1`, `AA1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WellId {
    /// 0-based row (A = 0, Z = 25, AA = 26, AF = 31).
    pub row: u16,
    /// 0-based column (column "1" = 0).
    pub col: u16,
}

impl WellId {
    /// Build from 0-based row and column.
    pub const fn new(row: u16, col: u16) -> Self {
        Self { row, col }
    }

    /// Parse `A1`, `A01`, `a1`, `AA12`, with surrounding whitespace allowed.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        let split = s.find(|c: char| !c.is_ascii_alphabetic())?;
        let (letters, digits) = s.split_at(split);
        let row = row_from_label(letters)?;
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.len() > 4 {
            return None;
        }
        let col: u16 = digits.parse().ok()?;
        if col == 0 {
            return None;
        }
        Some(Self { row, col: col - 1 })
    }

    /// Row letters: `A`..`Z`, `AA`..`AF`.
    pub fn row_label(self) -> String {
        row_label(self.row)
    }

    /// 1-based column number.
    pub fn col_number(self) -> u16 {
        self.col + 1
    }
}

impl fmt::Display for WellId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", row_label(self.row), self.col + 1)
    }
}

/// Letters for a 0-based row index: 0 -> `A`, 25 -> `Z`, 26 -> `AA`.
pub fn row_label(row: u16) -> String {
    if row < 26 {
        char::from(b'A' + row as u8).to_string()
    } else {
        let r = row - 26;
        let first = char::from(b'A' + (r / 26) as u8);
        let second = char::from(b'A' + (r % 26) as u8);
        format!("{first}{second}")
    }
}

/// 0-based row index for row letters (`A` -> 0, `AA` -> 26), case-insensitive.
pub fn row_from_label(s: &str) -> Option<u16> {
    let b = s.trim().as_bytes();
    match b.len() {
        1 if b[0].is_ascii_alphabetic() => Some(u16::from(b[0].to_ascii_uppercase() - b'A')),
        2 if b[0].is_ascii_alphabetic() && b[1].is_ascii_alphabetic() => {
            let hi = u16::from(b[0].to_ascii_uppercase() - b'A');
            let lo = u16::from(b[1].to_ascii_uppercase() - b'A');
            Some(26 + hi * 26 + lo)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_writes_well_ids() {
        for (s, row, col) in [
            ("A1", 0, 0),
            ("a01", 0, 0),
            ("H12", 7, 11),
            ("P24", 15, 23),
            ("AF48", 31, 47),
        ] {
            let w = WellId::parse(s).unwrap();
            assert_eq!((w.row, w.col), (row, col), "{s}");
        }
        assert_eq!(WellId::parse("b03").unwrap().to_string(), "B3");
        assert_eq!(WellId::new(26, 0).to_string(), "AA1");
        for bad in ["", "1A", "A", "A0", "A1x", "ABC1", "A-1"] {
            assert!(WellId::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn formats() {
        assert_eq!(PlateFormat::from_well_count(96), Some(PlateFormat::W96));
        assert_eq!(PlateFormat::smallest_holding(8, 12), Some(PlateFormat::W96));
        assert_eq!(
            PlateFormat::smallest_holding(9, 12),
            Some(PlateFormat::W384)
        );
        let f = PlateFormat::W96;
        assert_eq!(f.index(WellId::new(1, 0)), Some(12));
        assert_eq!(f.well_at(95), Some(WellId::new(7, 11)));
        assert!(f.is_edge(WellId::new(0, 5)) && !f.is_edge(WellId::new(3, 5)));
        assert_eq!(f.wells().count(), 96);
    }
}
