//! Additive-increase / multiplicative-decrease concurrency, the way TCP finds a link's capacity:
//! one more request in flight after each round of quick, clean answers; half as many after a
//! 429, and a quarter fewer when answers slow down to several times the best seen.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Latency this many times the best seen counts as congestion.
const SLOW_FACTOR: u32 = 4;

pub struct AdaptiveLimit {
    permits: Arc<Semaphore>,
    state: Mutex<State>,
    throttled: AtomicU64,
}

struct State {
    limit: usize,
    min: usize,
    max: usize,
    /// Permits to swallow as they come back (how the limit shrinks).
    to_forget: usize,
    /// Successes since the last change: a round is `limit` of them.
    clean_in_round: usize,
    best: Option<Duration>,
    peak: usize,
    /// When the limit was last cut: one burst of 429s is one signal, not many.
    last_cut: Option<std::time::Instant>,
}

/// A slot for one request; returned (or swallowed, if the limit shrank) on drop.
pub struct Slot<'a> {
    permit: Option<OwnedSemaphorePermit>,
    owner: &'a AdaptiveLimit,
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        if let Some(permit) = self.permit.take() {
            let mut state = self.owner.state.lock().expect("limit lock");
            if state.to_forget > 0 {
                state.to_forget -= 1;
                permit.forget();
            }
        }
    }
}

impl AdaptiveLimit {
    pub fn new(initial: usize, max: usize) -> Self {
        let max = max.max(1);
        let initial = initial.clamp(1, max);
        Self {
            permits: Arc::new(Semaphore::new(initial)),
            state: Mutex::new(State {
                limit: initial,
                min: 1,
                max,
                to_forget: 0,
                clean_in_round: 0,
                best: None,
                peak: initial,
                last_cut: None,
            }),
            throttled: AtomicU64::new(0),
        }
    }

    pub async fn acquire(&self) -> Slot<'_> {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .expect("the semaphore is never closed");
        Slot {
            permit: Some(permit),
            owner: self,
        }
    }

    /// The current limit.
    pub fn limit(&self) -> usize {
        self.state.lock().expect("limit lock").limit
    }

    /// The highest limit reached.
    pub fn peak(&self) -> usize {
        self.state.lock().expect("limit lock").peak
    }

    /// 429s (and other "slow down" answers) seen.
    pub fn throttled(&self) -> u64 {
        self.throttled.load(Ordering::Relaxed)
    }

    /// A request answered well in `latency`.
    pub fn succeeded(&self, latency: Duration) {
        let mut state = self.state.lock().expect("limit lock");
        // The best latency creeps up a little with every answer, so one unusually quick
        // answer (an empty page) does not make every normal one look slow for ever.
        let best = state
            .best
            .map_or(latency, |best| latency.min(best.mul_f64(1.02)));
        state.best = Some(best);
        if latency > best * SLOW_FACTOR && best > Duration::from_millis(5) {
            let target = (state.limit * 3 / 4).max(state.min);
            self.shrink_to(&mut state, target);
            return;
        }
        state.clean_in_round += 1;
        if state.clean_in_round >= state.limit && state.limit < state.max {
            state.clean_in_round = 0;
            state.limit += 1;
            state.peak = state.peak.max(state.limit);
            // A permit owed to a shrink is cancelled before a new one is made.
            if state.to_forget > 0 {
                state.to_forget -= 1;
            } else {
                self.permits.add_permits(1);
            }
        }
    }

    /// The provider said to slow down (429, Meta's usage limits).
    pub fn throttle(&self) {
        self.throttled.fetch_add(1, Ordering::Relaxed);
        let mut state = self.state.lock().expect("limit lock");
        let round = state
            .best
            .unwrap_or(Duration::from_millis(250))
            .max(Duration::from_millis(250));
        if state.last_cut.is_some_and(|at| at.elapsed() < round) {
            return;
        }
        let target = (state.limit / 2).max(state.min);
        self.shrink_to(&mut state, target);
    }

    fn shrink_to(&self, state: &mut State, target: usize) {
        state.clean_in_round = 0;
        state.last_cut = Some(std::time::Instant::now());
        if target >= state.limit {
            return;
        }
        let mut excess = state.limit - target;
        state.limit = target;
        // Free permits are taken away now; the rest as requests in flight finish.
        while excess > 0 {
            match self.permits.try_acquire() {
                Ok(permit) => {
                    permit.forget();
                    excess -= 1;
                }
                Err(_) => break,
            }
        }
        state.to_forget += excess;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn quick_clean_answers_raise_the_limit_one_round_at_a_time() {
        let limit = AdaptiveLimit::new(2, 5);
        for _ in 0..2 {
            limit.succeeded(Duration::from_millis(20));
        }
        assert_eq!(limit.limit(), 3);
        for _ in 0..3 {
            limit.succeeded(Duration::from_millis(20));
        }
        assert_eq!(limit.limit(), 4);
        for _ in 0..100 {
            limit.succeeded(Duration::from_millis(20));
        }
        assert_eq!(limit.limit(), 5, "never above the ceiling");
        // All five slots can be held at once.
        let slots: Vec<_> = futures::future::join_all((0..5).map(|_| limit.acquire())).await;
        assert_eq!(slots.len(), 5);
        assert!(limit.permits.try_acquire().is_err());
    }

    #[tokio::test]
    async fn a_429_halves_the_limit_even_while_requests_are_in_flight() {
        let limit = AdaptiveLimit::new(8, 8);
        // Answers take a minute, so a round is a minute: however slowly this test runs, the
        // 429s below all come within the first cut's round.
        limit.succeeded(Duration::from_secs(60));
        let held: Vec<_> = futures::future::join_all((0..8).map(|_| limit.acquire())).await;
        limit.throttle();
        assert_eq!(limit.limit(), 4);
        assert_eq!(limit.throttled(), 1);
        drop(held);
        // Four of the eight returned permits were swallowed.
        let again: Vec<_> = futures::future::join_all((0..4).map(|_| limit.acquire())).await;
        assert!(limit.permits.try_acquire().is_err());
        drop(again);
        // A burst of 429s in one round counts once.
        limit.throttle();
        limit.throttle();
        assert_eq!(limit.limit(), 4);
        assert_eq!(limit.throttled(), 3);
    }

    #[tokio::test]
    async fn answers_several_times_slower_than_the_best_cut_the_limit() {
        let limit = AdaptiveLimit::new(8, 8);
        limit.succeeded(Duration::from_millis(100));
        limit.succeeded(Duration::from_millis(900));
        assert_eq!(limit.limit(), 6);
    }
}
