//! The look every chart shares (the report's and compare's): one palette keyed by series,
//! axes that start near the data, light grids, legends, panels of small multiples,
//! histograms, an embedded font for PNGs, and SVG/PNG rendering ([`style`],
//! [`histogram`]). Built on plotters; nothing here knows what a release is.

pub mod histogram;
pub mod style;
