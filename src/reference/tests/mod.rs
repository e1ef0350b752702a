//! Loopback tests of the reference servers: real HTTP against each API's documented flows.

mod cielo24;
mod coldstream;
mod guards;
mod payroll;
mod recycle;
mod rocketchat;
mod support;
mod txty;
