//! Response scales. The input scale is never guessed: every block is built with an explicit
//! [`ResponseScale`], and every output states it.

use serde::{Deserialize, Serialize};

/// What the response number measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ResponseKind {
    /// Viability: untreated = 1 (or 100 %), fully killed = 0.
    Viability,
    /// Inhibition: untreated = 0, fully killed = 1 (or 100 %).
    Inhibition,
}

/// How the response number is expressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ResponseUnit {
    /// 0..100.
    Percent,
    /// 0..1.
    Fraction,
}

/// The scale of a response value: kind and unit, both required.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ResponseScale {
    /// Viability or inhibition.
    pub kind: ResponseKind,
    /// Percent or fraction.
    pub unit: ResponseUnit,
}

impl ResponseScale {
    /// Percent viability (SynergyFinder `data_type = "viability"`).
    pub const PERCENT_VIABILITY: Self = Self {
        kind: ResponseKind::Viability,
        unit: ResponseUnit::Percent,
    };
    /// Viability as a fraction (the `synergy` Python package's `E`).
    pub const FRACTION_VIABILITY: Self = Self {
        kind: ResponseKind::Viability,
        unit: ResponseUnit::Fraction,
    };
    /// Percent inhibition (SynergyFinder's internal scale, and the scale of every score here).
    pub const PERCENT_INHIBITION: Self = Self {
        kind: ResponseKind::Inhibition,
        unit: ResponseUnit::Percent,
    };
    /// Inhibition as a fraction.
    pub const FRACTION_INHIBITION: Self = Self {
        kind: ResponseKind::Inhibition,
        unit: ResponseUnit::Fraction,
    };

    /// Convert a value on this scale to viability as a fraction (1 = untreated).
    pub fn to_viability_fraction(self, v: f64) -> f64 {
        let frac = match self.unit {
            ResponseUnit::Percent => v / 100.0,
            ResponseUnit::Fraction => v,
        };
        match self.kind {
            ResponseKind::Viability => frac,
            ResponseKind::Inhibition => 1.0 - frac,
        }
    }

    /// Convert viability (fraction) to a value on this scale.
    pub fn from_viability_fraction(self, viability: f64) -> f64 {
        let frac = match self.kind {
            ResponseKind::Viability => viability,
            ResponseKind::Inhibition => 1.0 - viability,
        };
        match self.unit {
            ResponseUnit::Percent => frac * 100.0,
            ResponseUnit::Fraction => frac,
        }
    }

    /// Short label, e.g. `"% viability"` or `"inhibition fraction"`.
    pub fn label(self) -> &'static str {
        match (self.kind, self.unit) {
            (ResponseKind::Viability, ResponseUnit::Percent) => "% viability",
            (ResponseKind::Viability, ResponseUnit::Fraction) => "viability fraction",
            (ResponseKind::Inhibition, ResponseUnit::Percent) => "% inhibition",
            (ResponseKind::Inhibition, ResponseUnit::Fraction) => "inhibition fraction",
        }
    }

    /// Parse a label such as `"% viability"`, `"percent_inhibition"`, `"viability fraction"`,
    /// `"inhibition"` (percent) or `"viability"` (percent, SynergyFinder's `data_type`).
    /// Returns `None` for anything else; nothing is guessed from the data.
    pub fn parse(text: &str) -> Option<Self> {
        let t = text.trim().to_ascii_lowercase();
        let kind = if t.contains("viab") {
            ResponseKind::Viability
        } else if t.contains("inhib") {
            ResponseKind::Inhibition
        } else {
            return None;
        };
        let unit = if t.contains("frac") || t.contains("0-1") || t.contains("0..1") {
            ResponseUnit::Fraction
        } else {
            ResponseUnit::Percent
        };
        Some(Self { kind, unit })
    }
}

impl std::fmt::Display for ResponseScale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_converts() {
        for s in [
            ResponseScale::PERCENT_VIABILITY,
            ResponseScale::FRACTION_VIABILITY,
            ResponseScale::PERCENT_INHIBITION,
            ResponseScale::FRACTION_INHIBITION,
        ] {
            let v = s.from_viability_fraction(0.37);
            assert!((s.to_viability_fraction(v) - 0.37).abs() < 1e-15);
            assert_eq!(ResponseScale::parse(s.label()), Some(s));
        }
        assert_eq!(
            ResponseScale::PERCENT_INHIBITION.from_viability_fraction(0.25),
            75.0
        );
        assert_eq!(
            ResponseScale::PERCENT_VIABILITY.to_viability_fraction(123.0),
            1.23
        );
        assert_eq!(ResponseScale::parse("response"), None);
    }
}
