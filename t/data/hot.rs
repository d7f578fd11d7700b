// hot.rs: a Rust workload with known hot functions for the profile tests.
//   hot-rs [MILLIONS]
// Spends about 3/4 of the time in hot_rs::spin_left and 1/4 in
// hot_rs::Mixer::spin_right (a method, so the demangled name has a path).

#[inline(never)]
fn spin_left(n: u64) -> u64 {
    let mut s = 0u64;
    for i in 0..n {
        s = s.wrapping_add(i.wrapping_mul(i) ^ (s >> 3));
    }
    s
}

struct Mixer {
    seed: u64,
}

impl Mixer {
    #[inline(never)]
    fn spin_right(&self, n: u64) -> u64 {
        let mut s = self.seed;
        for i in 0..n {
            s = s.wrapping_mul(i | 1).wrapping_add(7) ^ (s >> 5);
        }
        s
    }
}

fn main() {
    let m: u64 = std::env::args().nth(1).and_then(|x| x.parse().ok()).unwrap_or(40);
    let mixer = Mixer { seed: std::env::args().count() as u64 };
    let mut r = 0u64;
    for _ in 0..10 {
        r = r.wrapping_add(spin_left(std::hint::black_box(m * 3_000_000)));
        r = r.wrapping_add(mixer.spin_right(std::hint::black_box(m * 1_000_000)));
    }
    println!("{}", r);
}
