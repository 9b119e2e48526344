//! Recording: counts, latency and environment levels over the measured window.

use super::*;

impl<O: Observer, P: Policy> Simulation<O, P> {
    #[inline]
    pub(super) fn count_live(&mut self, f: u32, delta: i32, now: SimTime) {
        let s = &mut self.funcs[f as usize].stats;
        let before = s.live;
        s.live = s.live.wrapping_add_signed(delta);
        if now >= self.warmup {
            // Both counts were alive at `now`, which is inside the measured window.
            s.peak = s.peak.max(before.max(s.live));
        }
    }

    #[inline]
    pub(super) fn count_start(&mut self, f: u32, now: SimTime, cold: bool, ping: bool) {
        if now < self.warmup {
            return;
        }
        if ping {
            for c in [&mut self.counts, &mut self.funcs[f as usize].stats.counts] {
                c.pings += 1;
                c.ping_cold_starts += cold as u64;
            }
            return;
        }
        let bucket = self.levels.series_mut().and_then(|s| s.at(now));
        let func = &mut self.funcs[f as usize].stats.counts;
        if cold {
            func.cold_starts += 1;
            self.counts.cold_starts += 1;
            if let Some(b) = bucket {
                b.cold_starts += 1;
            }
        } else {
            func.warm_starts += 1;
            self.counts.warm_starts += 1;
            if let Some(b) = bucket {
                b.warm_starts += 1;
            }
        }
    }
}
