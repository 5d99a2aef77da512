//! Drug-combination synergy scores for platesyn: Bliss, HSA, Loewe, ZIP and the
//! Chou-Talalay combination index, with block summaries. Pure: no file I/O.
//!
//! Sign convention: scores are in percentage points of inhibition; positive = synergy
//! (more effect than expected). A combination index below 1 means synergy.
