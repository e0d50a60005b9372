//! Integration tests: the real binary against trees and git repositories
//! built at test time. One test binary, one module per command or concern.

mod util;

mod architecture;
mod contract;
mod output;

mod api;
mod audit;
mod cli;
mod config;
mod exposure;
mod forms;
mod history;
mod hook;
mod hygiene;
mod properties;
mod robustness;
mod sarif;
mod scan;
mod staged;
mod trust;
