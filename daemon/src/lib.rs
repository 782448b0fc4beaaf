//! placeholder
pub mod library;
