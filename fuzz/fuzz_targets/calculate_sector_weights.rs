//! Fuzzes the drop-in `calculate_sector_weights(weights, pf_size, sectors, num_bonds, out,
//! num_sectors)`: the fuzzer picks the three sizes (any u64) and places the three buffers; a
//! non-NULL buffer always holds the pf_size * num_bonds (or pf_size * num_sectors) elements the
//! sizes imply, so only NULL can go with sizes too large to allocate.
#![no_main]

mod common;

use common::*;
use libfuzzer_sys::fuzz_target;

fn size(ctx: &mut Ctx, small: usize) -> u64 {
    match ctx.byte() % 16 {
        0 => u64::MAX,
        1 => 1 << 32,
        2 => 1 << 61,
        3 => ctx.u64(),
        4 => (1 << 60) + 1,
        _ => small as u64,
    }
}

fuzz_target!(|data: &[u8]| {
    let mut ctx = Ctx::new(data);
    let large = ctx.byte() >= 250;
    let (p, b, s) = if large {
        (ctx.range(1, 3), large_bonds(&mut ctx), ctx.range(1, 80))
    } else {
        let s = match ctx.byte() % 16 {
            0 => 65,
            1 => 300,
            2 => 20_000,
            _ => ctx.range(0, 9),
        };
        (ctx.range(0, 5), ctx.range(0, 12), s)
    };
    let (pf, nb, nsec) = (size(&mut ctx, p), size(&mut ctx, b), size(&mut ctx, s));
    // The lengths the sizes imply (None: the product overflows).
    let n = pf.checked_mul(nb).map(|x| x as usize);
    let o = pf.checked_mul(nsec).map(|x| x as usize);
    let s = nsec.min(1 << 40) as usize;

    let mut rng = SplitMix(ctx.u64());
    let nn = n.unwrap_or(0);
    let faults = if large {
        faults(&mut ctx, nn)
    } else {
        Vec::new()
    };
    let fault = |i: usize| faults.iter().find(|f| f.0 == i).map(|f| f.1);
    let mut gw = |u: &mut Unstructured<'_>, i: usize| match (large, fault(i)) {
        (false, _) => gen_f64(u),
        (true, Some(k)) if k % 2 == 0 => {
            [f64::NAN, f64::INFINITY, f64::NEG_INFINITY][k as usize % 3]
        }
        (true, _) => rng.weight(),
    };
    // An overflowing product can describe no allocation: then the buffer is NULL.
    let weights = ctx.buffer(Plan {
        name: "portfolios_bond_weights",
        output: false,
        natural: n.unwrap_or(usize::MAX),
        fixed: true,
        gen: &mut gw,
    });
    let mut rng2 = SplitMix(rng.next());
    let mut gc = |u: &mut Unstructured<'_>, i: usize| match (large, fault(i)) {
        (false, _) => gen_code(u, s),
        (true, Some(k)) if k % 2 == 1 => [-1, s as i32, i32::MIN, i32::MAX][k as usize / 2 % 4],
        (true, _) => (rng2.next() % s.max(1) as u64) as i32,
    };
    let sectors = ctx.buffer(Plan {
        name: "portfolios_bond_sectors",
        output: false,
        natural: n.unwrap_or(usize::MAX),
        fixed: true,
        gen: &mut gc,
    });
    let mut go = |u: &mut Unstructured<'_>, _| gen_f64(u);
    let out = ctx.buffer(Plan {
        name: "portfolios_sector_weights",
        output: true,
        natural: o.unwrap_or(usize::MAX),
        fixed: true,
        gen: &mut go,
    });

    let exp = expect(&ctx, &weights, &sectors, &out, pf, nb, nsec);
    let before = ctx.snapshot();
    // SAFETY: a non-NULL pointer always lies in an allocation of at least the implied length.
    let status = unsafe {
        sector_weights::ffi::calculate_sector_weights(
            weights.ptr(),
            pf,
            sectors.ptr(),
            nb,
            out.mut_ptr(),
            nsec,
        )
    } as i32;
    verify(&ctx, status, &exp, &before, &out);
});

/// The contract of `calculate_sector_weights`, in its documented order.
fn expect(ctx: &Ctx, w: &Buf, c: &Buf, out: &Buf, pf: u64, nb: u64, ns: u64) -> Expect {
    let Some(n) = pf.checked_mul(nb) else {
        return Expect::err(
            SIZE_OVERFLOW,
            format!("pf_size * num_bonds = {pf} x {nb} overflows size_t"),
        );
    };
    if pf.checked_mul(ns).is_none() {
        return Expect::err(
            SIZE_OVERFLOW,
            format!("pf_size * num_sectors = {pf} x {ns} overflows size_t"),
        );
    }
    if let Some((st, m)) = check_pointers(&[*w, *c, *out]) {
        return Expect::err(st, m);
    }
    let (p, b, s) = (pf as usize, nb as usize, ns as usize);
    if let Some((st, m)) = check_shape(n as usize, n as usize, None, p, s, out.len) {
        return Expect::err(st, m);
    }
    if s == 0 {
        return Expect {
            errors: Vec::new(),
            ok: Some(Vec::new()),
            overflow: false,
        };
    }
    let (weights, codes) = (ctx.read::<f64>(w), ctx.read::<i32>(c));
    reference(
        &Data {
            weights: &weights,
            values: None,
            codes: &codes,
            ranges: (0..p).map(|q| q * b..(q + 1) * b).collect(),
            s,
        },
        0,
    )
    .0
}
