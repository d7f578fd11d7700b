// hotlib.rs: a Rust cdylib shaped like Rspack's binding for the profile
// tests: a harness (t/helper/dlharness.c) dlopens it from $LIBWORK
// and calls hot_entry, which spends ~3/4 of its time in
// hotlib::crunch::Table::probe and ~1/4 in hotlib::mix.
//   rustc --crate-type cdylib -O -g hotlib.rs

mod crunch {
    pub struct Table {
        pub seed: u64,
    }

    impl Table {
        #[inline(never)]
        pub fn probe(&self, n: u64) -> u64 {
            let mut s = self.seed;
            for i in 0..n {
                s = s.wrapping_add(i.wrapping_mul(0x9e37_79b9) ^ (s >> 7));
            }
            s
        }
    }
}

#[inline(never)]
fn mix(n: u64) -> u64 {
    let mut s = 1u64;
    for i in 0..n {
        s = s.wrapping_mul(i | 1).wrapping_add(11) ^ (s >> 9);
    }
    s
}

#[no_mangle]
pub extern "C" fn hot_entry(n: u64) -> u64 {
    let t = crunch::Table { seed: n };
    let mut r = 0u64;
    for k in 0..10 {
        r = r.wrapping_add(t.probe(std::hint::black_box(n * 3 + k)));
        r = r.wrapping_add(mix(std::hint::black_box(n + k)));
    }
    r
}
