//! The event queue: a min-heap on (time, insertion order).

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use jiff::Timestamp;

/// A scheduled item. Ordered by time, then by the order of scheduling, so that events at the
/// same instant run first-in, first-out and a run never depends on heap internals.
struct Entry<E> {
    at: Timestamp,
    seq: u64,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.at == other.at && self.seq == other.seq
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed: BinaryHeap is a max-heap and we want the earliest first.
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

/// The order bit of [`EventQueue::push_last`] events.
const LAST: u64 = 1 << 63;

/// A priority queue of events. `push` and `pop` are O(log n).
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    next_seq: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            next_seq: 0,
        }
    }
}

impl<E> EventQueue<E> {
    /// Schedules `event` at `at`.
    pub fn push(&mut self, at: Timestamp, event: E) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Entry { at, seq, event });
    }

    /// Schedules `event` at `at`, after every event [`EventQueue::push`]ed for that instant
    /// (whenever they are pushed); among themselves such events keep their order.
    pub fn push_last(&mut self, at: Timestamp, event: E) {
        let seq = self.next_seq | LAST;
        self.next_seq += 1;
        self.heap.push(Entry { at, seq, event });
    }

    /// The earliest event; among equal times, the one scheduled first.
    pub fn pop(&mut self) -> Option<(Timestamp, E)> {
        self.heap.pop().map(|e| (e.at, e.event))
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// True when nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::SignedDuration;

    #[test]
    fn equal_time_events_come_out_in_insertion_order() {
        let t = Timestamp::UNIX_EPOCH;
        let mut q = EventQueue::default();
        for i in 0..100 {
            q.push(t, i);
        }
        let out: Vec<i32> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(out, (0..100).collect::<Vec<_>>());
    }

    #[test]
    fn earlier_events_come_first_whatever_the_insertion_order() {
        let t0 = Timestamp::UNIX_EPOCH;
        let mut q = EventQueue::default();
        q.push(t0 + SignedDuration::from_secs(30), "late");
        q.push(t0 + SignedDuration::from_secs(10), "early-a");
        q.push(t0 + SignedDuration::from_secs(20), "middle");
        q.push(t0 + SignedDuration::from_secs(10), "early-b");
        let out: Vec<&str> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(out, ["early-a", "early-b", "middle", "late"]);
        assert!(q.is_empty());
    }

    #[test]
    fn events_pushed_last_come_after_every_other_event_of_their_instant() {
        let t0 = Timestamp::UNIX_EPOCH;
        let t1 = t0 + SignedDuration::from_secs(60);
        let mut q = EventQueue::default();
        q.push_last(t0, "last-a");
        q.push(t0, "first-a");
        q.push_last(t0, "last-b");
        q.push(t1, "later");
        // Pushed after the `push_last` events, and still ahead of them.
        q.push(t0, "first-b");
        q.push_last(t1, "later-last");
        assert_eq!(q.len(), 6);
        let out: Vec<&str> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(
            out,
            [
                "first-a",
                "first-b",
                "last-a",
                "last-b",
                "later",
                "later-last"
            ]
        );
    }
}
