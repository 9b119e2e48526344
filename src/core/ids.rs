//! Typed ids: what a number names, said by its type.
//!
//! Every thing of a run that is kept in a slab or a list has an id of its own type, so a
//! function's index cannot be passed where an environment's is meant, and a handler's
//! signature says what it works on. Each is a `#[repr(transparent)]` newtype over the `u32`
//! it always was: it costs nothing at run time, [`index`](FuncId::index) turns it into a slab
//! position, and [`new`](FuncId::new) makes one from a position.
//!
//! Where there may be none, the type is `Option<Id>`. A slab or a list may keep a sentinel of
//! its own inside (the intrusive lists of environments do, to stay small), private to it.
//!
//! ```
//! use faasim::core::ids::{EnvId, FuncId};
//! let f = FuncId::new(3);
//! assert_eq!(f.index(), 3);
//! assert_eq!(f.to_string(), "3");
//! assert!(EnvId::new(1) < EnvId::new(2));
//! ```

use std::fmt;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut, Index, IndexMut};

/// What every id type is: a position that converts to and from `usize`.
pub(crate) trait Id: Copy {
    /// The id of position `i`.
    fn at(i: usize) -> Self;
    /// Its position.
    fn position(self) -> usize;
}

macro_rules! id {
    ($(#[$doc:meta])* $vis:vis struct $name:ident;) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[repr(transparent)]
        $vis struct $name(u32);

        #[allow(dead_code)]
        impl $name {
            /// The id numbered `n` (a position in its slab or list).
            #[inline(always)]
            $vis const fn new(n: u32) -> Self {
                $name(n)
            }

            /// The id of position `i`, which must fit in a `u32`.
            #[inline(always)]
            $vis const fn from_index(i: usize) -> Self {
                debug_assert!(i <= u32::MAX as usize);
                $name(i as u32)
            }

            /// Its position, for indexing a slab or a list.
            #[inline(always)]
            $vis const fn index(self) -> usize {
                self.0 as usize
            }

            /// Its number.
            #[inline(always)]
            $vis const fn get(self) -> u32 {
                self.0
            }
        }

        impl Id for $name {
            #[inline(always)]
            fn at(i: usize) -> Self {
                $name::from_index(i)
            }
            #[inline(always)]
            fn position(self) -> usize {
                self.index()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }
    };
}

id! {
    /// A function of a run: its position in the plan's list of functions (copies expanded).
    pub struct FuncId;
}

id! {
    /// An execution environment: a slot of the run's environment slab. Slots are reused after
    /// an eviction (a generation counter tells occupants apart), so a policy that keeps state
    /// per environment resets it when told of the eviction.
    pub struct EnvId;
}

id! {
    /// A request in flight: a slot of the run's request slab, reused once the request ends.
    pub struct ReqId;
}

id! {
    /// A host of the cluster, in the order of the scenario's `[cluster]` host groups.
    pub struct HostId;
}

id! {
    /// A database, in the order of the scenario's `[[database]]` tables.
    pub struct DbId;
}

id! {
    /// A queue of a queue-polled function (one per such function, in function order).
    pub(crate) struct QueueId;
}

id! {
    /// An asynchronous event waiting for or in its attempts: a slot of the delivery's slab.
    pub(crate) struct EventId;
}

id! {
    /// A batch of queue messages in flight or waiting to reappear: a slot of the delivery's
    /// slab.
    pub(crate) struct BatchId;
}

id! {
    /// A fan-out flow in progress: a slot of the flows' slab.
    pub(crate) struct FlowId;
}

/// A vector indexed by an id type: `v[id]` compiles only with the id its slots are named by.
/// It reads as a slice (`iter`, `len`, and positions as `usize` where a loop needs them).
#[derive(Clone, Debug)]
pub(crate) struct IdVec<I, T> {
    items: Vec<T>,
    _id: PhantomData<fn(I) -> I>,
}

impl<I: Id, T> IdVec<I, T> {
    /// An empty vector.
    pub(crate) fn new() -> Self {
        IdVec {
            items: Vec::new(),
            _id: PhantomData,
        }
    }

    /// Appends `item` and returns its id.
    #[inline]
    pub(crate) fn push(&mut self, item: T) -> I {
        self.items.push(item);
        I::at(self.items.len() - 1)
    }

    /// The item of `id`, if there is one.
    #[inline]
    pub(crate) fn get(&self, id: I) -> Option<&T> {
        self.items.get(id.position())
    }

    /// The item of `id`, if there is one.
    #[inline]
    pub(crate) fn get_mut(&mut self, id: I) -> Option<&mut T> {
        self.items.get_mut(id.position())
    }

    /// Every id, in order.
    pub(crate) fn ids(&self) -> impl Iterator<Item = I> {
        (0..self.items.len()).map(I::at)
    }

    /// Every id with its item, in order.
    pub(crate) fn iter_ids(&self) -> impl Iterator<Item = (I, &T)> {
        self.items.iter().enumerate().map(|(i, t)| (I::at(i), t))
    }
}

impl<I: Id, T> Default for IdVec<I, T> {
    fn default() -> Self {
        IdVec::new()
    }
}

impl<I: Id, T> From<Vec<T>> for IdVec<I, T> {
    fn from(items: Vec<T>) -> Self {
        IdVec {
            items,
            _id: PhantomData,
        }
    }
}

impl<I: Id, T> FromIterator<T> for IdVec<I, T> {
    fn from_iter<It: IntoIterator<Item = T>>(iter: It) -> Self {
        IdVec::from(iter.into_iter().collect::<Vec<T>>())
    }
}

impl<I, T> Deref for IdVec<I, T> {
    type Target = [T];
    #[inline(always)]
    fn deref(&self) -> &[T] {
        &self.items
    }
}

impl<I, T> DerefMut for IdVec<I, T> {
    #[inline(always)]
    fn deref_mut(&mut self) -> &mut [T] {
        &mut self.items
    }
}

impl<I: Id, T> Index<I> for IdVec<I, T> {
    type Output = T;
    #[inline(always)]
    fn index(&self, id: I) -> &T {
        &self.items[id.position()]
    }
}

impl<I: Id, T> IndexMut<I> for IdVec<I, T> {
    #[inline(always)]
    fn index_mut(&mut self, id: I) -> &mut T {
        &mut self.items[id.position()]
    }
}

impl<'a, I, T> IntoIterator for &'a IdVec<I, T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

impl<'a, I, T> IntoIterator for &'a mut IdVec<I, T> {
    type Item = &'a mut T;
    type IntoIter = std::slice::IterMut<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.iter_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_their_number_and_nothing_more() {
        assert_eq!(std::mem::size_of::<FuncId>(), 4);
        assert_eq!(std::mem::size_of::<EnvId>(), 4);
        let e = EnvId::from_index(7);
        assert_eq!((e.get(), e.index()), (7, 7));
        assert_eq!(format!("{e} {e:?}"), "7 EnvId(7)");
        assert_eq!(BatchId::new(2), BatchId::from_index(2));
    }

    #[test]
    fn an_id_vec_is_indexed_by_its_id() {
        let mut v: IdVec<FuncId, &str> = IdVec::new();
        let a = v.push("a");
        let b = v.push("b");
        v[b] = "B";
        assert_eq!((v[a], v[b], v.len()), ("a", "B", 2));
        assert_eq!(v.ids().collect::<Vec<_>>(), vec![a, b]);
        assert_eq!(v.get(FuncId::new(2)), None);
    }
}
