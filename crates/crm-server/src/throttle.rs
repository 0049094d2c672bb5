//! What keeps logins from being used against the server: a bound on the
//! password hashes computed at once ([`Hashing`]), in the memory of one
//! server process.

use std::sync::{
    Arc,
    atomic::{AtomicUsize, Ordering},
};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// At most `slots` password hashes at once (each takes a core and Argon2's
/// 19 MiB), with at most `queue` logins waiting for one; the rest are turned
/// away at once ([`Busy`]) rather than piling up memory and latency.
pub struct Hashing {
    slots: Arc<Semaphore>,
    waiting: AtomicUsize,
    queue: usize,
}

/// Every hashing slot is taken and the queue is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy;

/// One place in the queue, given back however the wait ends (a client
/// that hangs up drops it).
struct InQueue<'a>(&'a AtomicUsize);

impl Drop for InQueue<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Hashing {
    /// `slots` hashes at once, `queue` waiting.
    pub fn new(slots: usize, queue: usize) -> Self {
        Hashing {
            slots: Arc::new(Semaphore::new(slots.max(1))),
            waiting: AtomicUsize::new(0),
            queue,
        }
    }

    /// A slot to hash in (held until dropped), after waiting in the queue if
    /// there is room in it.
    pub async fn enter(&self) -> Result<OwnedSemaphorePermit, Busy> {
        if let Ok(permit) = Arc::clone(&self.slots).try_acquire_owned() {
            return Ok(permit);
        }
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= self.queue {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return Err(Busy);
        }
        let _in_queue = InQueue(&self.waiting);
        Arc::clone(&self.slots)
            .acquire_owned()
            .await
            .map_err(|_| Busy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashing_turns_away_what_neither_a_slot_nor_the_queue_holds() {
        let hashing = Arc::new(Hashing::new(1, 1));
        let slot = hashing.enter().await.expect("a slot");
        let queued = {
            let hashing = Arc::clone(&hashing);
            tokio::spawn(async move { hashing.enter().await.map(drop) })
        };
        while hashing.waiting.load(Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        assert_eq!(hashing.enter().await.err(), Some(Busy), "queue full");
        drop(slot);
        assert_eq!(queued.await.unwrap(), Ok(()), "the queued one got the slot");
        assert!(hashing.enter().await.is_ok());
    }
}
