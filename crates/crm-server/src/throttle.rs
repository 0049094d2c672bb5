//! What keeps logins from being used against the server: a bound on the
//! password hashes computed at once ([`Hashing`]), and a per-address tally of
//! failed logins across every account ([`Guesses`]).
//!
//! Both live in the memory of one server process. Several processes over one
//! PostgreSQL database each keep their own: a client spreading its guesses
//! over N processes gets N times the per-address allowance. The per-account
//! tally (an address guessing one account's password) is in the database
//! (`auth::login`), shared by every process.

use std::{
    collections::HashMap,
    net::{IpAddr, Ipv6Addr},
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::auth::{LOGIN_WINDOW_MS, login_delay_ms};

/// The address a client is counted under: IPv4 as it is, IPv6 by its /64
/// (one machine usually holds a whole /64, and could otherwise change its
/// address at every guess); an IPv4 address mapped into IPv6 as IPv4.
pub fn client_of(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

/// How a client is named in the database's tally of failed logins.
pub fn client_name(client: IpAddr) -> String {
    match client {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => format!("{v6}/64"),
    }
}

/// Failed logins per client address, across accounts, in a table of at most
/// `capacity` addresses: a client that keeps failing is slowed down (an
/// exponential wait after `free` failures), whichever accounts it tries.
pub struct Guesses {
    tally: Mutex<HashMap<IpAddr, Tally>>,
    capacity: usize,
    free: i64,
}

#[derive(Debug, Clone, Copy)]
struct Tally {
    failures: i64,
    last_ms: i64,
}

/// One login attempt counted against its client before the password is
/// checked, so concurrent guesses see each other. Dropped, it is taken back
/// (the login succeeded, or was not checked); [`Reservation::keep`] makes it
/// a failure.
pub struct Reservation {
    guesses: Arc<Guesses>,
    client: IpAddr,
    /// When it was made, and the client's last failure before it.
    at_ms: i64,
    previous_ms: i64,
    kept: bool,
}

impl Reservation {
    /// The password was wrong: the attempt stays counted.
    pub fn keep(mut self) {
        self.kept = true;
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if self.kept {
            return;
        }
        let mut tally = self.guesses.lock();
        if let Some(t) = tally.get_mut(&self.client) {
            t.failures -= 1;
            if t.last_ms == self.at_ms {
                t.last_ms = self.previous_ms;
            }
            if t.failures <= 0 {
                tally.remove(&self.client);
            }
        }
    }
}

impl Guesses {
    /// A tally of at most `capacity` addresses, each allowed `free` failed
    /// logins in the window before it waits.
    pub fn new(capacity: usize, free: i64) -> Self {
        Guesses {
            tally: Mutex::new(HashMap::new()),
            capacity: capacity.max(1),
            free,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, Tally>> {
        self.tally.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Count an attempt from `client` at `now_ms`, or say how many
    /// milliseconds it must wait first.
    pub fn reserve(self: &Arc<Self>, client: IpAddr, now_ms: i64) -> Result<Reservation, i64> {
        let mut tally = self.lock();
        if !tally.contains_key(&client) && tally.len() >= self.capacity {
            // Forget what is past the window; if every address is recent,
            // the one quiet for longest.
            tally.retain(|_, t| now_ms - t.last_ms <= LOGIN_WINDOW_MS);
            if tally.len() >= self.capacity
                && let Some(oldest) = tally
                    .iter()
                    .min_by_key(|(_, t)| t.last_ms)
                    .map(|(ip, _)| *ip)
            {
                tally.remove(&oldest);
            }
        }
        let t = tally.entry(client).or_insert(Tally {
            failures: 0,
            last_ms: now_ms,
        });
        if now_ms - t.last_ms > LOGIN_WINDOW_MS {
            t.failures = 0;
        }
        let wait = login_delay_ms(t.failures, self.free);
        if t.failures > 0 && wait > 0 && now_ms < t.last_ms + wait {
            return Err(t.last_ms + wait - now_ms);
        }
        t.failures += 1;
        let previous_ms = std::mem::replace(&mut t.last_ms, now_ms);
        Ok(Reservation {
            guesses: Arc::clone(self),
            client,
            at_ms: now_ms,
            previous_ms,
            kept: false,
        })
    }

    /// How many addresses the table holds.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

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

    const NOW: i64 = 1_700_000_000_000;

    fn ip(n: u32) -> IpAddr {
        IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + n))
    }

    #[test]
    fn an_address_is_slowed_after_its_free_failures_and_a_success_is_taken_back() {
        let guesses = Arc::new(Guesses::new(100, 3));
        for _ in 0..3 {
            guesses.reserve(ip(1), NOW).expect("free").keep();
        }
        let wait = guesses.reserve(ip(1), NOW).err().expect("slowed");
        assert!(wait > 0 && wait <= LOGIN_WINDOW_MS, "{wait}");
        assert!(
            guesses.reserve(ip(2), NOW).is_ok(),
            "other addresses are not"
        );
        let after = guesses.reserve(ip(1), NOW + wait).expect("after the wait");
        drop(after);
        assert!(
            guesses.reserve(ip(1), NOW + wait).is_ok(),
            "an attempt that did not fail is not counted"
        );
        assert!(
            guesses.reserve(ip(1), NOW + 2 * LOGIN_WINDOW_MS).is_ok(),
            "failures are forgotten after the window"
        );
    }

    #[test]
    fn concurrent_attempts_see_each_others_reservation() {
        let guesses = Arc::new(Guesses::new(100, 3));
        let held: Vec<_> = (0..3)
            .map(|_| guesses.reserve(ip(1), NOW).expect("free"))
            .collect();
        assert!(
            guesses.reserve(ip(1), NOW).is_err(),
            "three in flight use the allowance"
        );
        drop(held);
        assert!(guesses.reserve(ip(1), NOW).is_ok(), "taken back");
    }

    #[test]
    fn the_table_never_holds_more_than_its_capacity() {
        let guesses = Arc::new(Guesses::new(3, 5));
        for n in 0..50 {
            guesses
                .reserve(ip(n), NOW + i64::from(n))
                .expect("free")
                .keep();
            assert!(guesses.len() <= 3, "{} addresses", guesses.len());
        }
        assert!(
            guesses.reserve(ip(49), NOW + 50).is_ok(),
            "the newest are kept"
        );
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_64() {
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(client_of(a), client_of(b));
        assert_ne!(client_of(a), client_of(c));
        assert_eq!(client_name(client_of(a)), "2001:db8:1:2::/64");
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(client_name(client_of(mapped)), "192.0.2.7");
    }

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
