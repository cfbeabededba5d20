//! `guide`: a static site generator for catalogues of case studies, written for the French
//! "guide de l'innovation sociale".
//!
//! The pipeline is described in `docs/ARCHITECTURE.md`; [`pipeline::run`] runs it.

pub mod cache;
pub mod cards;
pub mod cmd;
pub mod cms;
pub mod config;
pub mod content;
pub mod deps;
pub mod diagnostic;
pub mod edition_pdf;
pub mod feeds;
pub mod files;
pub mod fingerprint;
pub mod frontmatter;
pub mod fs;
pub mod highlight;
pub mod ids;
pub mod incremental;
pub mod lint;
pub mod markdown;
pub mod opendata;
pub mod output;
pub mod pdf_pages;
pub mod pipeline;
pub mod plan;
pub mod print_copy;
pub mod render;
pub mod sanitize;
pub mod scaffold;
pub mod schema;
pub mod search;
pub mod serve;
pub mod slug;
pub mod taxonomy;
pub mod theme;
pub mod timings;
pub mod typography;
pub mod warm;
pub mod yaml;
