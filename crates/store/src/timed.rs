//! Answers kept in memory for a while, by key: the public pages (gap counts, dashboards) that
//! anyone may open as often as they like must not make the server read the database each time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// Values by key, each kept for `ttl` after it was made. Cheap to clone (shared inside).
#[derive(Debug)]
pub(crate) struct TimedCache<V> {
    ttl: Duration,
    map: Arc<Mutex<HashMap<String, (Instant, V)>>>,
}

impl<V> Clone for TimedCache<V> {
    fn clone(&self) -> Self {
        Self {
            ttl: self.ttl,
            map: Arc::clone(&self.map),
        }
    }
}

impl<V: Clone> TimedCache<V> {
    pub(crate) fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            map: Arc::default(),
        }
    }

    /// The value kept for `key`, or `make`'s (kept when it succeeds; expired entries go then).
    pub(crate) async fn get_or<E>(
        &self,
        key: String,
        make: impl Future<Output = Result<V, E>>,
    ) -> Result<V, E> {
        if let Some((at, v)) = self.lock().get(&key)
            && at.elapsed() < self.ttl
        {
            return Ok(v.clone());
        }
        let v = make.await?;
        let mut map = self.lock();
        map.retain(|_, (at, _)| at.elapsed() < self.ttl);
        map.insert(key, (Instant::now(), v.clone()));
        Ok(v)
    }

    /// Forget everything (the data behind the values changed).
    pub(crate) fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, (Instant, V)>> {
        self.map.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
