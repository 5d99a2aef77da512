//! Molecular Devices `SoftMax` Pro XML export (`<Experiment><PlateSections><PlateSection ...>`),
//! as written by `SoftMax` Pro 5/6 for `SpectraMax` / `FilterMax` readers (UTF-16 with BOM;
//! decoded before it gets here).
//!
//! Read: endpoint plate sections, one [`Read`] per `<Wavelength WavelengthIndex=...>` block,
//! with the wavelength in nm from `<WavelengthSettings>`, the values from `<RawData>` per
//! `<Well Name="A1">`. Refused: kinetic and spectrum sections (`ReadType` other than
//! `Endpoint`), with "kinetic reads are not supported yet". The XML has no token for a
//! saturated well: a `FilterMax` F5 reports its ceiling as the number 4, which is kept as a
//! number (the export does not say it is a cap).
//!
//! The XML is small and flat, so it is scanned with a minimal tag reader here (elements,
//! attributes, text, the five predefined entities and numeric character references); no
//! DTDs, CDATA or namespaces are needed.

use std::collections::BTreeMap;

use super::Input;
use crate::error::PlateError;
use crate::model::{Plate, Read, Value};
use crate::text;
use crate::well::WellId;

/// Whether the content is a `SoftMax` Pro XML export.
pub fn detect(input: &Input<'_>) -> bool {
    input.text.as_deref().is_some_and(|t| {
        let head = t.trim_start_matches('\u{feff}').trim_start();
        // the first 4 KiB, cut on a character boundary
        let mut n = head.len().min(4096);
        while !head.is_char_boundary(n) {
            n -= 1;
        }
        let head = &head[..n];
        (head.starts_with("<Experiment") || head.starts_with("<?xml"))
            && head.contains("<PlateSections")
    })
}

/// Parse a `SoftMax` Pro XML export.
pub fn parse(input: &Input<'_>) -> Result<Vec<Plate>, PlateError> {
    let t = input.text()?;
    parse_str(input.source, t)
}

/// One XML token.
#[derive(Debug)]
enum Token {
    Open {
        name: String,
        attrs: BTreeMap<String, String>,
        line: usize,
        empty: bool,
    },
    Close(String),
    Text(String),
}

struct Section {
    name: String,
    line: usize,
    read_type: String,
    read_mode: String,
    plate_type: String,
    instrument: String,
    read_time: String,
    wavelengths: BTreeMap<String, f64>,
    /// (wavelength index, well, raw text, line)
    cells: Vec<(String, String, String, usize)>,
}

fn parse_str(file: &str, t: &str) -> Result<Vec<Plate>, PlateError> {
    let tokens = tokenize(file, t)?;
    let mut sections: Vec<Section> = Vec::new();
    let mut stack: Vec<String> = Vec::new();
    let mut wl_setting: Option<String> = None;
    let mut wl_block: Option<String> = None;
    let mut well: Option<(String, usize)> = None;
    for tok in tokens {
        match tok {
            Token::Open {
                name,
                attrs,
                line,
                empty,
            } => {
                let parent = stack.last().cloned().unwrap_or_default();
                match name.as_str() {
                    "PlateSection" => sections.push(Section {
                        name: attrs.get("Name").cloned().unwrap_or_default(),
                        line,
                        read_type: String::new(),
                        read_mode: String::new(),
                        plate_type: String::new(),
                        instrument: attrs.get("InstrumentInfo").cloned().unwrap_or_default(),
                        read_time: attrs.get("ReadTime").cloned().unwrap_or_default(),
                        wavelengths: BTreeMap::new(),
                        cells: Vec::new(),
                    }),
                    "InstrumentSettings" => {
                        if let Some(s) = sections.last_mut() {
                            s.read_type = attrs.get("ReadType").cloned().unwrap_or_default();
                            s.read_mode = attrs.get("ReadMode").cloned().unwrap_or_default();
                            s.plate_type = attrs.get("PlateType").cloned().unwrap_or_default();
                        }
                    }
                    "Wavelength" if parent == "WavelengthSettings" => {
                        wl_setting = attrs.get("Index").cloned();
                    }
                    "Wavelength" if parent == "Wavelengths" => {
                        wl_block = attrs.get("WavelengthIndex").cloned();
                    }
                    "Well" => well = attrs.get("Name").cloned().map(|n| (n, line)),
                    _ => {}
                }
                if !empty {
                    stack.push(name);
                }
            }
            Token::Close(name) => {
                if stack.last() != Some(&name) {
                    return Err(PlateError::parse(
                        file,
                        None,
                        format!(
                            "malformed XML: </{name}> closes <{}>",
                            stack.last().map_or("nothing", String::as_str)
                        ),
                    ));
                }
                stack.pop();
                match name.as_str() {
                    "Well" => well = None,
                    "Wavelength" => wl_setting = None,
                    _ => {}
                }
            }
            Token::Text(s) => {
                let here = stack.last().map_or("", String::as_str);
                let parent = stack.len().checked_sub(2).map_or("", |i| stack[i].as_str());
                let Some(sec) = sections.last_mut() else {
                    continue;
                };
                if here == "Wavelength" && parent == "WavelengthSettings" {
                    if let (Some(i), Some(nm)) = (&wl_setting, text::parse_number(&s, false)) {
                        sec.wavelengths.insert(i.clone(), nm);
                    }
                } else if here == "RawData" {
                    if let (Some(i), Some((w, line))) = (&wl_block, &well) {
                        sec.cells
                            .push((i.clone(), w.clone(), s.trim().to_owned(), *line));
                    }
                }
            }
        }
    }
    if sections.is_empty() {
        return Err(PlateError::parse(
            file,
            None,
            "SoftMax Pro XML without a <PlateSection>",
        ));
    }
    let mut plates = Vec::new();
    for s in sections {
        if !s.read_type.eq_ignore_ascii_case("Endpoint") {
            return Err(PlateError::Unsupported {
                file: file.to_owned(),
                message: format!(
                    "plate section {:?} (line {}) is a {} read: kinetic reads are not supported yet \
                     (only endpoint sections are read)",
                    s.name, s.line, s.read_type
                ),
            });
        }
        let format = super::tecan::plate_format_hint(&s.plate_type).unwrap_or_else(|| {
            super::tecan::format_for_wells(s.cells.iter().filter_map(|c| WellId::parse(&c.1)))
        });
        let mut plate = Plate::new(s.name.clone(), format);
        for (k, v) in [
            ("reader", s.instrument.replace('\n', " ")),
            ("date", s.read_time.clone()),
            ("mode", s.read_mode.clone()),
            ("plate_type", s.plate_type.clone()),
            ("software", "SoftMax Pro (XML)".to_owned()),
        ] {
            if !v.is_empty() {
                plate.metadata.insert(k.to_owned(), v);
            }
        }
        let mut order: Vec<String> = Vec::new();
        for c in &s.cells {
            if !order.contains(&c.0) {
                order.push(c.0.clone());
            }
        }
        for idx in order {
            let nm = s.wavelengths.get(&idx).copied();
            let label = nm.map_or_else(|| format!("Wavelength {idx}"), crate::model::format_number);
            let mut read = Read::new(label, nm, format);
            for (_, w, raw, line) in s.cells.iter().filter(|c| c.0 == idx) {
                let well = WellId::parse(w).ok_or_else(|| {
                    PlateError::parse(
                        file,
                        Some(*line),
                        format!("expected a well name such as A1, found {w:?}"),
                    )
                })?;
                let i = format.index(well).ok_or_else(|| {
                    PlateError::at_well(
                        file,
                        Some(*line),
                        w,
                        format!("well outside the {format} plate"),
                    )
                })?;
                let v: Value = text::parse_value(raw, false).ok_or_else(|| {
                    PlateError::at_well(
                        file,
                        Some(*line),
                        w,
                        format!("expected a number or a flag in <RawData>, found {raw:?}"),
                    )
                })?;
                read.values[i] = Some(v);
            }
            plate.reads.push(read);
        }
        if plate.reads.is_empty() {
            return Err(PlateError::parse(
                file,
                Some(s.line),
                format!("plate section {:?} holds no <RawData> values", s.name),
            ));
        }
        plates.push(plate);
    }
    Ok(plates)
}

fn tokenize(file: &str, t: &str) -> Result<Vec<Token>, PlateError> {
    let mut out = Vec::new();
    let mut rest = t.trim_start_matches('\u{feff}');
    let mut line = 1;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('<') {
            let end = after.find('>').ok_or_else(|| {
                PlateError::parse(file, Some(line), "malformed XML: `<` without `>`")
            })?;
            let tag = &after[..end];
            let tag_line = line;
            line += tag.matches('\n').count();
            rest = &after[end + 1..];
            if tag.starts_with('?') || tag.starts_with('!') {
                continue;
            }
            if let Some(name) = tag.strip_prefix('/') {
                out.push(Token::Close(name.trim().to_owned()));
                continue;
            }
            let empty = tag.ends_with('/');
            let tag = tag.trim_end_matches('/');
            let (name, attr_text) = tag.split_once(char::is_whitespace).unwrap_or((tag, ""));
            out.push(Token::Open {
                name: name.to_owned(),
                attrs: attributes(attr_text),
                line: tag_line,
                empty,
            });
        } else {
            let end = rest.find('<').unwrap_or(rest.len());
            let s = &rest[..end];
            line += s.matches('\n').count();
            if !s.trim().is_empty() {
                out.push(Token::Text(unescape(s)));
            }
            rest = &rest[end..];
        }
    }
    Ok(out)
}

fn attributes(s: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut rest = s;
    while let Some(eq) = rest.find('=') {
        let key = rest[..eq].trim().to_owned();
        let after = rest[eq + 1..].trim_start();
        let Some(q) = after.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            break;
        };
        let body = &after[1..];
        let Some(close) = body.find(q) else { break };
        out.insert(key, unescape(&body[..close]));
        rest = &body[close + 1..];
    }
    out
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let Some(semi) = after.find(';') else {
            out.push_str(&rest[amp..]);
            return out;
        };
        let ent = &after[..semi];
        let ch = match ent {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => ent
                .strip_prefix("#x")
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| ent.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        if let Some(c) = ch {
            out.push(c);
        } else {
            out.push('&');
            out.push_str(ent);
            out.push(';');
        }
        rest = &after[semi + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::well::PlateFormat;

    const XML: &str = r#"<Experiment>
  <PlateSections>
    <PlateSection Name="Plate1" InstrumentInfo="FilterMax F5&#xA;ROM" ReadTime="12:26 PM">
      <InstrumentSettings ReadMode="Absorbance" ReadType="Endpoint" PlateType="96 Well Standard">
        <WavelengthSettings NumberOfWavelengths="1">
          <Wavelength Index="1">595</Wavelength>
        </WavelengthSettings>
      </InstrumentSettings>
      <Wavelengths>
        <Wavelength WavelengthIndex="1">
          <Wells>
            <Well WellID="1" Name="A1" Row="1" Col="1"><RawData>0.25</RawData></Well>
            <Well WellID="2" Name="A2" Row="1" Col="2"><RawData>Range?</RawData></Well>
          </Wells>
        </Wavelength>
      </Wavelengths>
    </PlateSection>
  </PlateSections>
</Experiment>"#;

    #[test]
    fn reads_endpoint_and_reports_junk_with_line_and_well() {
        let err = parse_str("x.xml", XML).unwrap_err().to_string();
        assert!(err.contains("x.xml, line 13, well A2"), "{err}");
        let ok = XML.replace("Range?", "OVER");
        let plates = parse_str("x.xml", &ok).unwrap();
        let p = &plates[0];
        assert_eq!((p.id.as_str(), p.format), ("Plate1", PlateFormat::W96));
        assert_eq!(p.metadata["reader"], "FilterMax F5 ROM");
        let r = &p.reads[0];
        assert_eq!((r.label.as_str(), r.wavelength_nm), ("595", Some(595.0)));
        assert_eq!(p.value(r, WellId::new(0, 0)), Some(Value::Number(0.25)));
        assert_eq!(
            p.value(r, WellId::new(0, 1)),
            Some(Value::Flag(crate::model::Flag::Overflow))
        );
        assert_eq!(r.values.iter().flatten().count(), 2);
    }

    #[test]
    fn kinetic_sections_are_refused() {
        let k = XML.replace("ReadType=\"Endpoint\"", "ReadType=\"Kinetic\"");
        let err = parse_str("x.xml", &k).unwrap_err().to_string();
        assert!(err.contains("kinetic reads are not supported yet"), "{err}");
        assert!(err.contains("x.xml"), "{err}");
    }
}
