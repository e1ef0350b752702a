//! The clock TOTP codes are read from, injectable so tests never wait for a window.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// Where the time comes from, and how to wait for a later one.
pub trait Clock: std::fmt::Debug + Send + Sync {
    /// Seconds since the Unix epoch.
    fn now_unix(&self) -> u64;

    /// Waits `duration` (a test clock moves its time forward instead).
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + '_>>;
}

/// The system clock and tokio's timer.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_unix(&self) -> u64 {
        super::now_unix()
    }

    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// A clock that stands still until told to move; sleeping moves it at once.
#[cfg(test)]
#[derive(Debug)]
pub(crate) struct FakeClock(std::sync::atomic::AtomicU64);

#[cfg(test)]
impl FakeClock {
    /// A clock showing `unix_seconds`.
    pub(crate) fn at(unix_seconds: u64) -> Self {
        Self(std::sync::atomic::AtomicU64::new(unix_seconds))
    }

    /// Moves the clock forward.
    pub(crate) fn advance(&self, seconds: u64) {
        self.0
            .fetch_add(seconds, std::sync::atomic::Ordering::SeqCst);
    }
}

#[cfg(test)]
impl Clock for FakeClock {
    fn now_unix(&self) -> u64 {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        self.advance(duration.as_secs());
        Box::pin(std::future::ready(()))
    }
}
