//! Additive-increase / multiplicative-decrease concurrency, the way TCP finds a link's capacity:
//! one more request in flight after each round of quick, clean answers; half as many after a
//! 429, and a quarter fewer when answers slow down to several times the best seen.
//!
//! A limit once found is respected, not probed again and again: a 429 marks the level it met
//! as the ceiling and the limit falls back to the last level that ran clean; the level just
//! under the ceiling is held for `patience` clean rounds before one probe goes above it, and
//! every probe that meets a 429 doubles the patience. What a run learned ([`Learned`]) is kept
//! by the engine for the next run with the same key and shop.
//!
//! A limit on requests *in flight* cannot keep a provider that counts requests *a second* happy:
//! four out at 500 ms is eight a second on average, but scheduling bunches them, and a ninth
//! now and then lands in one of the provider's seconds. So a limit that paces (Pancake's) also
//! counts request *starts* once a 429 has shown the rate: the starts in the second before the
//! refused one, less the refused one, are what the provider let through, and from then on no
//! span of a second and a sixteenth holds more starts than that (a sliding-window log: bursts
//! are allowed, so a reader that went quiet for a moment catches up, but no provider second can
//! see one too many even if the scheduling delays some requests by up to that sixteenth). The
//! rate is kept with the rest of [`Learned`]. It is raised gently, as the limit in flight is: by
//! one, once the run has been held back by it for `patience` rounds of [`RATE_ROUND_SECONDS`]
//! without a 429 (so a rate learned one too low, or a provider that raised its limit, is found
//! again), and a raise that meets a 429 goes back and doubles the patience.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// Latency this many times the best seen counts as congestion.
const SLOW_FACTOR: u32 = 4;

/// Filled clean rounds in a row that make a level safe: one lucky round is not proof against a
/// limit counted per second.
const SAFE_ROUNDS: u32 = 4;
/// Clean rounds held under a known ceiling before the first probe above it.
const FIRST_PATIENCE: u32 = 16;
/// The most clean rounds between two probes (a probe that fails doubles the wait).
const MAX_PATIENCE: u32 = 256;

/// The span a provider counts requests over, as Pancake's 429s behave.
const RATE_WINDOW: Duration = Duration::from_secs(1);
/// The span paced starts are counted over: the provider's second and the room for what the
/// scheduling of two busy cores may delay one request more than another by on its way.
const PACED_SPAN: Duration = Duration::from_millis(1000 + 1000 / 16);
/// A 429 with fewer starts than this in the second before it is not about requests a second
/// (a longer window, a storm): it teaches no rate.
const FEWEST_STARTS_FOR_A_RATE: usize = 3;
/// Seconds bound by the pacing that count as one clean round towards a raise of the rate.
const RATE_ROUND_SECONDS: u64 = 2;

/// What a run learned of a provider's limit, kept for the next run with the same credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Learned {
    /// The most requests in flight that ran a whole round clean.
    pub safe: usize,
    /// The fewest in flight that met a "slow down" (`None`: never met).
    pub ceiling: Option<usize>,
    /// Clean rounds just under the ceiling before the next probe above it.
    pub patience: u32,
    /// Request starts a second the provider's 429s showed it allows (`None`: no pacing; also
    /// what limits learned before pacing existed read back as).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_second: Option<u32>,
}

/// Keeps request starts to `per_second` in any span of [`PACED_SPAN`] (see the module's doc),
/// and remembers the starts of the last such span to learn the rate from a 429.
#[derive(Debug, Default)]
struct Pace {
    /// Only a limit told to pace learns a rate (Meta's slow-downs are not about seconds).
    enabled: bool,
    /// Starts the provider allows a second (`None`: unpaced).
    per_second: Option<usize>,
    /// Starts (reserved ones included) of the last span, oldest first.
    recent: VecDeque<Instant>,
    /// The limit's patience (see [`Learned`]); 0: the rate is never raised.
    patience: u32,
    /// Starts the pacing held back since the rate last changed, with no 429.
    held: u64,
    /// The rate was raised and has not yet run a round clean at the new level.
    probing: bool,
}

impl Pace {
    /// Reserves the next start, at `now` or as soon after as the pacing allows.
    fn reserve(&mut self, now: Instant) -> Instant {
        if !self.enabled {
            return now;
        }
        while self
            .recent
            .front()
            .is_some_and(|&at| now.saturating_duration_since(at) >= PACED_SPAN)
        {
            self.recent.pop_front();
        }
        let mut start = self.recent.back().map_or(now, |&last| last.max(now));
        if let Some(per_second) = self.per_second {
            // With this start, the span before it holds `per_second` starts, no more.
            if let Some(&nth) = self
                .recent
                .len()
                .checked_sub(per_second)
                .map(|i| &self.recent[i])
            {
                start = start.max(nth + PACED_SPAN);
            }
            if start > now {
                self.held_back(per_second);
            }
        }
        self.recent.push_back(start);
        start
    }

    /// One more start waited for the rate: after `patience` rounds of it, one more a second.
    fn held_back(&mut self, per_second: usize) {
        self.held += 1;
        let round = RATE_ROUND_SECONDS * per_second as u64;
        if self.patience > 0 && self.held >= u64::from(self.patience) * round {
            tracing::debug!(
                per_second = per_second + 1,
                "probing one more start a second"
            );
            self.per_second = Some(per_second + 1);
            self.held = 0;
            self.probing = true;
        } else if self.probing && self.held >= round {
            self.probing = false;
        }
    }

    /// The request started at `refused` met a 429 (a new signal, not one of a burst): the
    /// starts of the second before it, less the refused one, are what the provider allows;
    /// already paced, one fewer than that. True when that undoes a raise (a failed probe).
    fn refused(&mut self, refused: Instant) -> bool {
        if !self.enabled {
            return false;
        }
        let failed_probe = self.probing;
        let per_second = match self.per_second {
            Some(per_second) => per_second - 1,
            None => {
                let started = self
                    .recent
                    .iter()
                    .filter(|&&at| at <= refused && refused.duration_since(at) < RATE_WINDOW)
                    .count();
                if started < FEWEST_STARTS_FOR_A_RATE {
                    return false;
                }
                started - 1
            }
        };
        self.pace_at(per_second);
        failed_probe
    }

    fn pace_at(&mut self, per_second: usize) {
        let per_second = per_second.max(1);
        tracing::debug!(per_second, "pacing request starts");
        self.per_second = Some(per_second);
        self.held = 0;
        self.probing = false;
    }
}

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
    last_cut: Option<Instant>,
    /// See [`Learned`]; `safe` is 0 until a round ran clean.
    safe: usize,
    ceiling: Option<usize>,
    patience: u32,
    /// Clean rounds held just under the ceiling since the last probe.
    held_rounds: u32,
    /// Filled clean rounds in a row at this level.
    proven_rounds: u32,
    /// Slots held now, and the fewest out together (the answering one included) at any answer
    /// of this round: a round proves a level safe only if that many requests were out
    /// throughout (a limit the work fills now and then proves nothing of the provider).
    in_flight: usize,
    fewest_in_round: usize,
    pace: Pace,
}

/// A slot for one request; returned (or swallowed, if the limit shrank) on drop.
pub struct Slot<'a> {
    permit: Option<OwnedSemaphorePermit>,
    owner: &'a AdaptiveLimit,
    started: Instant,
}

impl Slot<'_> {
    /// When the request may start (and, once [`AdaptiveLimit::acquire`] returned, did).
    pub fn started(&self) -> Instant {
        self.started
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        if let Some(permit) = self.permit.take() {
            let mut state = self.owner.state.lock().expect("limit lock");
            state.in_flight = state.in_flight.saturating_sub(1);
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
                safe: 0,
                ceiling: None,
                patience: FIRST_PATIENCE,
                held_rounds: 0,
                proven_rounds: 0,
                in_flight: 0,
                fewest_in_round: usize::MAX,
                pace: Pace::default(),
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
        let started = {
            let mut state = self.state.lock().expect("limit lock");
            state.in_flight += 1;
            state.pace.reserve(Instant::now())
        };
        // Waited with the slot held, so a start the pacing put off cannot be overtaken; an
        // unpaced start does not even yield (a timer is a millisecond at least).
        if started > Instant::now() {
            tokio::time::sleep_until(started).await;
        }
        Slot {
            permit: Some(permit),
            owner: self,
            started,
        }
    }

    /// Makes this limit pace request starts once a 429 shows the provider's rate (see the
    /// module's doc): for a provider that counts requests a second, as Pancake does.
    pub fn pace_starts(&self) {
        let mut state = self.state.lock().expect("limit lock");
        state.pace.enabled = true;
        state.pace.patience = state.patience;
    }

    /// Starts a second the pacing keeps to (`None`: none).
    pub fn per_second(&self) -> Option<usize> {
        self.state.lock().expect("limit lock").pace.per_second
    }

    /// Starts from what an earlier run learned: at its safe level (within this limit's ceiling),
    /// probing above its ceiling only after its patience. Meant for a limit no slot is held of.
    pub fn adopt(&self, learned: Learned) {
        let mut state = self.state.lock().expect("limit lock");
        let start = learned.safe.clamp(state.min, state.max);
        state.safe = learned.safe.min(state.max);
        state.ceiling = learned.ceiling;
        state.patience = learned.patience.clamp(1, MAX_PATIENCE);
        if state.pace.enabled {
            state.pace.patience = state.patience;
            if let Some(per_second) = learned.per_second {
                state.pace.pace_at(per_second as usize);
            }
        }
        state.held_rounds = 0;
        state.clean_in_round = 0;
        if start > state.limit {
            let by = start - state.limit;
            self.grow(&mut state, by);
        } else if start < state.limit {
            self.shrink_to(&mut state, start);
            state.last_cut = None;
        }
        state.peak = state.limit;
    }

    /// What this limit has learned so far, to start the next run from (`None`: nothing yet).
    pub fn learned(&self) -> Option<Learned> {
        let state = self.state.lock().expect("limit lock");
        (state.safe > 0 || state.ceiling.is_some()).then_some(Learned {
            safe: state.safe.max(state.min),
            ceiling: state.ceiling,
            patience: state.patience,
            per_second: state.pace.per_second.map(|n| n as u32),
        })
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
        // The answering request's slot is already back: it was out with the others.
        state.fewest_in_round = state.fewest_in_round.min(state.in_flight + 1);
        if state.clean_in_round < state.limit {
            return;
        }
        // A whole round ran clean at this level; with the level filled, it is safe.
        state.clean_in_round = 0;
        let filled = state.fewest_in_round >= state.limit;
        state.fewest_in_round = usize::MAX;
        state.proven_rounds = if filled { state.proven_rounds + 1 } else { 0 };
        if filled && state.proven_rounds >= SAFE_ROUNDS {
            state.safe = state.safe.max(state.limit);
            if let Some(ceiling) = state.ceiling {
                if state.limit >= ceiling {
                    // A probe held: the ceiling moves up, and the next step waits as long.
                    state.ceiling = Some(state.limit + 1);
                    state.held_rounds = 0;
                }
            }
        }
        if state.limit >= state.max {
            return;
        }
        if state
            .ceiling
            .is_some_and(|ceiling| state.limit + 1 >= ceiling)
        {
            // Only a level proven safe is held towards a probe.
            if !filled || state.safe < state.limit {
                return;
            }
            state.held_rounds += 1;
            if state.held_rounds < state.patience {
                return;
            }
            state.held_rounds = 0;
        }
        self.grow(&mut state, 1);
    }

    fn grow(&self, state: &mut State, by: usize) {
        state.limit += by;
        state.proven_rounds = 0;
        state.peak = state.peak.max(state.limit);
        // Permits owed to a shrink are cancelled before new ones are made.
        let cancelled = by.min(state.to_forget);
        state.to_forget -= cancelled;
        self.permits.add_permits(by - cancelled);
    }

    /// The provider said to slow down (Meta's usage limits; a 429 whose request's start is
    /// not known).
    pub fn throttle(&self) {
        self.slow_down(None);
    }

    /// The request started at `started` (its slot's [`Slot::started`]) met a 429: as
    /// [`Self::throttle`], and a pacing limit learns the rate from it.
    pub fn refused(&self, started: Instant) {
        self.slow_down(Some(started));
    }

    fn slow_down(&self, refused: Option<Instant>) {
        self.throttled.fetch_add(1, Ordering::Relaxed);
        let mut state = self.state.lock().expect("limit lock");
        let round = state
            .best
            .unwrap_or(Duration::from_millis(250))
            .max(Duration::from_millis(250));
        if state.last_cut.is_some_and(|at| at.elapsed() < round) {
            return;
        }
        let failed_rate_probe = refused.is_some_and(|refused| state.pace.refused(refused));
        let patience = state.patience;
        let met = state.limit;
        let probing = state.ceiling.is_some();
        state.ceiling = Some(state.ceiling.map_or(met, |ceiling| ceiling.min(met)));
        state.held_rounds = 0;
        let target = if met > state.safe && state.safe > 0 {
            // Above what ran clean: back to that; a failed probe waits longer for the next.
            if probing {
                state.patience = (state.patience * 2).min(MAX_PATIENCE);
            }
            state.safe
        } else {
            // Even what ran clean is too much now (or nothing has yet): halve, as TCP does.
            let half = (met / 2).max(state.min);
            state.safe = half.min(state.safe);
            half
        };
        if failed_rate_probe && state.patience == patience {
            state.patience = (state.patience * 2).min(MAX_PATIENCE);
        }
        if state.pace.enabled {
            state.pace.patience = state.patience;
        }
        let target = target.max(state.min);
        self.shrink_to(&mut state, target);
    }

    fn shrink_to(&self, state: &mut State, target: usize) {
        state.clean_in_round = 0;
        state.proven_rounds = 0;
        state.last_cut = Some(Instant::now());
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

    /// Clean answers until the limit has run `rounds` whole rounds, every slot out throughout:
    /// each answer's slot is handed back and taken again at once, as a busy sync does.
    async fn clean_rounds(limit: &AdaptiveLimit, rounds: u32) {
        for _ in 0..rounds {
            let level = limit.limit();
            let mut slots: Vec<_> =
                futures::future::join_all((0..level).map(|_| limit.acquire())).await;
            for _ in 0..level {
                drop(slots.pop());
                limit.succeeded(Duration::from_millis(20));
                slots.push(limit.acquire().await);
            }
        }
    }

    /// Lets the next 429 count as a new signal, as if a round had passed since the last cut.
    fn round_passes(limit: &AdaptiveLimit) {
        limit.state.lock().unwrap().last_cut = None;
    }

    #[tokio::test]
    async fn a_429_above_what_ran_clean_falls_back_to_it_and_probes_again_only_after_patience() {
        let limit = AdaptiveLimit::new(2, 12);
        clean_rounds(&limit, 3).await;
        assert_eq!(limit.limit(), 5);
        limit.throttle();
        assert_eq!(
            limit.limit(),
            2,
            "no level held long enough to be proven: halved"
        );
        // Free growth up to just under the ceiling, where the level is held, proven, and kept.
        clean_rounds(&limit, 2).await;
        assert_eq!(limit.limit(), 4);
        clean_rounds(&limit, SAFE_ROUNDS + FIRST_PATIENCE - 2).await;
        assert_eq!(limit.limit(), 4, "held under the ceiling");
        assert_eq!(
            limit.learned(),
            Some(Learned {
                safe: 4,
                ceiling: Some(5),
                patience: FIRST_PATIENCE,
                per_second: None,
            })
        );
        clean_rounds(&limit, 1).await;
        assert_eq!(limit.limit(), 5, "one gentle probe");
        round_passes(&limit);
        limit.throttle();
        assert_eq!(limit.limit(), 4, "back to the proven level");
        let learned = limit.learned().unwrap();
        assert_eq!(
            learned.patience,
            FIRST_PATIENCE * 2,
            "a failed probe waits longer"
        );
        clean_rounds(&limit, FIRST_PATIENCE * 2 - 1).await;
        assert_eq!(limit.limit(), 4);
        clean_rounds(&limit, 1).await;
        assert_eq!(limit.limit(), 5);
        // The probe holds long enough: proven, and the next step waits as long.
        clean_rounds(&limit, SAFE_ROUNDS).await;
        assert_eq!(limit.limit(), 5);
        assert_eq!(
            limit.learned(),
            Some(Learned {
                safe: 5,
                ceiling: Some(6),
                patience: FIRST_PATIENCE * 2,
                per_second: None,
            })
        );
    }

    #[tokio::test]
    async fn a_429_at_a_level_proven_safe_halves_the_limit_and_forgets_it_was_safe() {
        let limit = AdaptiveLimit::new(8, 8);
        clean_rounds(&limit, SAFE_ROUNDS).await;
        assert_eq!(limit.learned().unwrap().safe, 8);
        limit.throttle();
        assert_eq!(limit.limit(), 4);
        assert_eq!(
            limit.learned(),
            Some(Learned {
                safe: 4,
                ceiling: Some(8),
                patience: FIRST_PATIENCE,
                per_second: None,
            })
        );
    }

    #[tokio::test]
    async fn rounds_that_never_fill_the_limit_neither_prove_it_safe_nor_probe_the_ceiling() {
        let limit = AdaptiveLimit::new(2, 12);
        limit.adopt(Learned {
            safe: 2,
            ceiling: Some(4),
            patience: 1,
            per_second: None,
        });
        // One request out at a time: the limit still grows under the ceiling, as before.
        for _ in 0..20 {
            let slot = limit.acquire().await;
            drop(slot);
            limit.succeeded(Duration::from_millis(20));
        }
        assert_eq!(limit.limit(), 3, "held under the ceiling");
        assert_eq!(limit.learned().unwrap().safe, 2, "three never ran together");
        clean_rounds(&limit, SAFE_ROUNDS - 1).await;
        assert_eq!(limit.limit(), 3, "no probe from a level not yet proven");
        clean_rounds(&limit, 1).await;
        assert_eq!(limit.learned().unwrap().safe, 3);
        assert_eq!(limit.limit(), 4, "a proven level may probe");
    }

    #[tokio::test]
    async fn a_limit_started_from_what_was_learned_begins_there_and_probes_after_its_patience() {
        let limit = AdaptiveLimit::new(2, 12);
        assert_eq!(limit.learned(), None, "nothing learned yet");
        limit.adopt(Learned {
            safe: 4,
            ceiling: Some(5),
            patience: 3,
            per_second: None,
        });
        assert_eq!(limit.limit(), 4);
        let slots: Vec<_> = futures::future::join_all((0..4).map(|_| limit.acquire())).await;
        assert!(limit.permits.try_acquire().is_err(), "four slots, no more");
        drop(slots);
        clean_rounds(&limit, 2).await;
        assert_eq!(limit.limit(), 4);
        clean_rounds(&limit, 1).await;
        assert_eq!(limit.limit(), 5);
        // A learned level above this run's ceiling is cut to it.
        let capped = AdaptiveLimit::new(2, 3);
        capped.adopt(Learned {
            safe: 9,
            ceiling: None,
            patience: 3,
            per_second: None,
        });
        assert_eq!(capped.limit(), 3);
    }

    #[tokio::test]
    async fn answers_several_times_slower_than_the_best_cut_the_limit() {
        let limit = AdaptiveLimit::new(8, 8);
        limit.succeeded(Duration::from_millis(100));
        limit.succeeded(Duration::from_millis(900));
        assert_eq!(limit.limit(), 6);
    }
    /// A provider that counts requests per second as the Pancake fake does: a second starts at
    /// the first request after the last one ended, and refuses what comes above `per_second`.
    struct FixedWindow {
        per_second: u32,
        window: Option<(Instant, u32)>,
    }

    impl FixedWindow {
        fn new(per_second: u32) -> Self {
            Self {
                per_second,
                window: None,
            }
        }

        fn refuses(&mut self, arrival: Instant) -> bool {
            match &mut self.window {
                Some((start, count)) if arrival.duration_since(*start) < RATE_WINDOW => {
                    *count += 1;
                    *count > self.per_second
                }
                _ => {
                    self.window = Some((arrival, 1));
                    false
                }
            }
        }
    }

    /// `n` requests that all want to start at once go through `pace`, each arriving up to
    /// `late` after its start (a fixed spread standing for the scheduling): how many the
    /// provider refuses.
    fn refusals(pace: &mut Pace, provider: &mut FixedWindow, n: u32, late: Duration) -> usize {
        let now = Instant::now();
        let mut arrivals: Vec<Instant> = (0..n)
            .map(|i| pace.reserve(now) + late.mul_f64(f64::from((i * 7) % 11) / 10.0))
            .collect();
        arrivals.sort();
        arrivals
            .into_iter()
            .filter(|&at| provider.refuses(at))
            .count()
    }

    /// A pace told to pace, with no rate yet.
    fn unpaced() -> Pace {
        Pace {
            enabled: true,
            ..Pace::default()
        }
    }

    fn paced_at(per_second: usize) -> Pace {
        let mut pace = unpaced();
        pace.pace_at(per_second);
        pace
    }

    #[test]
    fn paced_starts_meet_no_429_from_a_per_second_limit_even_when_the_scheduling_delays_some() {
        let late = PACED_SPAN - RATE_WINDOW;
        let mut pace = paced_at(8);
        assert_eq!(refusals(&mut pace, &mut FixedWindow::new(8), 200, late), 0);
        // Eight a second, in bursts: 200 starts take 25 spans.
        let last = pace.recent.back().copied().unwrap();
        let first = last - PACED_SPAN * 24;
        assert!(pace.recent.iter().all(|&at| at >= first));
        // One start too many a second, and the same spread meets 429s.
        let mut pace = paced_at(9);
        assert!(refusals(&mut pace, &mut FixedWindow::new(8), 200, late) > 0);
        // Unpaced, the provider refuses all but the first second's eight.
        let mut unpaced = unpaced();
        assert_eq!(
            refusals(&mut unpaced, &mut FixedWindow::new(8), 20, late),
            12
        );
    }

    #[test]
    fn the_first_429_teaches_the_starts_of_the_second_before_it_and_holds_the_next_past_it() {
        let mut pace = unpaced();
        let t0 = Instant::now();
        // Unpaced, ten starts 100 ms apart; the provider let eight through, refused the ninth.
        let starts: Vec<Instant> = (0..10)
            .map(|i| pace.reserve(t0 + Duration::from_millis(100 * i)))
            .collect();
        assert_eq!(starts[9], t0 + Duration::from_millis(900), "not paced yet");
        pace.refused(starts[8]);
        assert_eq!(pace.per_second, Some(8));
        // The provider's second that refused it began with the first of the eight at the
        // latest: nothing starts before it is over.
        let next = pace.reserve(starts[9]);
        assert!(next >= starts[0] + RATE_WINDOW, "{:?}", next - t0);
        // And no span of a second (and the room) holds more than eight.
        let later: Vec<Instant> = (0..40).map(|_| pace.reserve(starts[9])).collect();
        for (i, &at) in later.iter().enumerate().skip(8) {
            assert!(
                at >= later[i - 8] + PACED_SPAN,
                "start {i} at {:?}",
                at - t0
            );
        }
    }

    #[test]
    fn a_429_with_few_starts_before_it_teaches_no_rate_nor_holds_the_starts() {
        let mut pace = unpaced();
        let t0 = Instant::now();
        pace.reserve(t0);
        let refused = pace.reserve(t0 + Duration::from_millis(10));
        pace.refused(refused);
        assert_eq!(
            pace.per_second, None,
            "two starts a second say nothing of a rate"
        );
        assert_eq!(pace.reserve(refused), refused, "not held");
    }

    /// The starts of `n` requests that all want to go now, without waiting on the pacing.
    fn starts(limit: &AdaptiveLimit, n: usize) -> Vec<Instant> {
        let now = Instant::now();
        let mut state = limit.state.lock().unwrap();
        (0..n).map(|_| state.pace.reserve(now)).collect()
    }

    #[tokio::test]
    async fn a_pacing_limit_lowers_its_rate_once_per_burst_of_429s_and_keeps_it_for_the_next_run() {
        let limit = AdaptiveLimit::new(4, 12);
        limit.pace_starts();
        let started = starts(&limit, 9);
        limit.refused(started[8]);
        assert_eq!(limit.per_second(), Some(8));
        assert_eq!(limit.limit(), 2, "the 429 also cuts the requests in flight");
        // Its neighbours in the same burst are one signal.
        limit.refused(started[7]);
        assert_eq!(limit.per_second(), Some(8));
        assert_eq!(limit.throttled(), 2);
        // Paced, a 429 all the same (a provider's limit gone down): one fewer a second.
        round_passes(&limit);
        let paced = starts(&limit, 9);
        limit.refused(paced[8]);
        assert_eq!(limit.per_second(), Some(7));
        let learned = limit.learned().unwrap();
        assert_eq!(learned.per_second, Some(7));

        let next_run = AdaptiveLimit::new(2, 12);
        next_run.pace_starts();
        next_run.adopt(learned);
        assert_eq!(next_run.per_second(), Some(7));
        assert_eq!(next_run.learned().unwrap().per_second, Some(7));
        let first = starts(&next_run, 15);
        assert_eq!(first[6], first[0], "seven at once");
        assert!(first[7] >= first[0] + PACED_SPAN, "the eighth waits");
    }

    #[test]
    fn a_rate_that_held_the_run_back_for_its_patience_is_raised_by_one_and_a_raise_met_by_a_429_goes_back(
    ) {
        let mut pace = paced_at(7);
        pace.patience = 1;
        let mut provider = FixedWindow::new(8);
        // Seven go at once; the next fourteen (one round of two seconds at seven) are held back.
        assert_eq!(
            refusals(&mut pace, &mut provider, 7 + 13, Duration::ZERO),
            0
        );
        assert_eq!(pace.per_second, Some(7), "not yet: thirteen held back");
        assert_eq!(refusals(&mut pace, &mut provider, 1, Duration::ZERO), 0);
        assert_eq!(
            pace.per_second,
            Some(8),
            "a rate learned one too low is found again"
        );
        assert!(pace.probing);
        // Eight a second is what the provider allows: a round of it runs clean, and after the
        // patience one more is tried, which the provider refuses.
        assert_eq!(refusals(&mut pace, &mut provider, 16, Duration::ZERO), 0);
        assert_eq!(pace.per_second, Some(9));
        let refused = (0..20)
            .map(|_| pace.reserve(Instant::now()))
            .find(|&at| provider.refuses(at))
            .expect("nine a second meet the provider's eight");
        assert!(pace.refused(refused), "a failed probe");
        assert_eq!(pace.per_second, Some(8));
        assert!(!pace.probing);
        // A 429 at a rate that was not a raise is no failed probe.
        assert!(!paced_at(8).refused(Instant::now()));
        // Without a patience (a pace not told it), the rate is never raised.
        let mut fixed = paced_at(7);
        refusals(&mut fixed, &mut FixedWindow::new(8), 200, Duration::ZERO);
        assert_eq!(fixed.per_second, Some(7));
    }

    #[tokio::test]
    async fn a_raise_of_the_rate_that_meets_a_429_doubles_the_patience_kept_for_the_next_run() {
        let limit = AdaptiveLimit::new(2, 12);
        limit.pace_starts();
        limit.adopt(Learned {
            safe: 4,
            ceiling: Some(5),
            patience: 1,
            per_second: Some(8),
        });
        let started = starts(&limit, 8 + 16);
        assert_eq!(
            limit.per_second(),
            Some(9),
            "raised after one round held back"
        );
        limit.refused(*started.last().unwrap());
        assert_eq!(limit.per_second(), Some(8));
        let learned = limit.learned().unwrap();
        assert_eq!(learned.per_second, Some(8));
        assert_eq!(learned.patience, 2, "the next raise waits twice as long");
    }

    #[tokio::test]
    async fn a_limit_not_told_to_pace_learns_no_rate_and_ignores_one_learned() {
        // Meta's slow-downs are not about seconds.
        let limit = AdaptiveLimit::new(4, 12);
        let started = starts(&limit, 9);
        limit.refused(started[8]);
        assert_eq!(limit.limit(), 2, "the 429 still cuts the limit");
        assert_eq!(limit.per_second(), None);
        assert_eq!(limit.learned().unwrap().per_second, None);
        limit.adopt(Learned {
            safe: 4,
            ceiling: Some(5),
            patience: 3,
            per_second: Some(8),
        });
        assert_eq!(limit.per_second(), None);
    }

    #[test]
    fn a_limit_learned_before_pacing_existed_reads_back_unpaced() {
        let stored = r#"{"safe":4,"ceiling":5,"patience":16}"#;
        let learned: Learned = serde_json::from_str(stored).unwrap();
        assert_eq!(learned.per_second, None);
        assert_eq!(learned.safe, 4);
        let paced = Learned {
            per_second: Some(8),
            ..learned
        };
        let text = serde_json::to_string(&paced).unwrap();
        assert!(text.contains(r#""perSecond":8"#), "{text}");
    }
}
