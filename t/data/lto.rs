// lto.rs: a Rust program whose hot functions carry ThinLTO's ".llvm.<n>"
// suffix after a legacy-mangled name (stable rustc's default mangling), for
// the profile tests (t2540-rust-lto.sh):
//   rustc -C opt-level=3 -C lto=thin -C codegen-units=16 lto.rs
//   lto [MILLIONS]
// A hashbrown-shaped generic table: lto::raw::RawTable<T,A>::reserve_rehash
// takes ~3/4 of the time and ::probe_seq ~1/4. Both are internal to the raw
// module's codegen unit and reached through a read-only table of function
// pointers that ThinLTO may import into other units, so it promotes them to
// global names with a ".llvm.<module hash>" suffix.

mod alloc {
    pub trait Alloc {
        fn salt(&self) -> u64;
    }
    pub struct Global;
    impl Alloc for Global {
        fn salt(&self) -> u64 {
            0x9e37_79b9
        }
    }
}

mod raw {
    use crate::alloc::Alloc;

    pub type Op = fn(&mut RawTable<u32, crate::alloc::Global>, u64) -> u64;
    pub static OPS: [Op; 2] = [RawTable::reserve_rehash, RawTable::probe_seq];

    pub struct RawTable<T, A: Alloc> {
        pub slots: Vec<T>,
        pub alloc: A,
    }

    impl<T: Copy + Into<u64>, A: Alloc> RawTable<T, A> {
        #[inline(never)]
        pub fn reserve_rehash(&mut self, n: u64) -> u64 {
            let mut s = self.alloc.salt();
            for i in 0..n {
                let v: u64 = self.slots[(i as usize) & (self.slots.len() - 1)].into();
                s = s.wrapping_add(i.wrapping_mul(v | 1) ^ (s >> 7));
            }
            s
        }

        #[inline(never)]
        pub fn probe_seq(&mut self, n: u64) -> u64 {
            let mut s = 1u64;
            for i in 0..n {
                s = s.wrapping_mul(i | 1).wrapping_add(self.slots.len() as u64) ^ (s >> 9);
            }
            s
        }
    }
}

mod map {
    use crate::alloc::Global;
    use crate::raw::{Op, RawTable};

    pub fn run(ops: &[Op; 2], n: u64) -> u64 {
        let mut t: RawTable<u32, Global> = RawTable { slots: vec![3u32; 64], alloc: Global };
        let mut r = 0u64;
        for k in 0..10 {
            r = r.wrapping_add(ops[0](&mut t, std::hint::black_box(n * 3 + k)));
            r = r.wrapping_add(ops[1](&mut t, std::hint::black_box(n + k)));
        }
        r
    }
}

fn main() {
    let n: u64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(3);
    println!("{}", map::run(std::hint::black_box(&raw::OPS), n * 1_000_000));
}
