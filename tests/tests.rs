//! Integration tests: the real binary against trees and git repositories
//! built at test time. One test binary, one module per command or concern.

mod util;

mod action;
mod api;
mod architecture;
mod audit;
mod cli;
mod config;
mod contract;
mod exposure;
mod fixtures;
mod forges;
mod forms;
mod history;
mod hook;
mod hygiene;
mod manifest;
mod merge;
mod metadata;
mod output;
mod pre_receive;
mod properties;
mod recipes;
mod remote;
mod robustness;
mod sarif;
mod scan;
mod schema;
mod skip;
mod staged;
mod trust;
