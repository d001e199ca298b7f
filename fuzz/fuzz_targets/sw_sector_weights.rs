//! Fuzzes `sw_sector_weights` through raw pointers and lengths the fuzzer chooses, against the
//! naive reference in `common`.
#![no_main]

mod common;

use common::*;
use libfuzzer_sys::fuzz_target;

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
    let n = p * b;
    let mut rng = SplitMix(ctx.u64());
    let faults = if large {
        faults(&mut ctx, n)
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
    let weights = ctx.buffer(Plan {
        name: "weights",
        output: false,
        natural: n,
        fixed: false,
        gen: &mut gw,
    });
    let mut rng2 = SplitMix(rng.next());
    let mut gc = |u: &mut Unstructured<'_>, i: usize| match (large, fault(i)) {
        (false, _) => gen_code(u, s),
        (true, Some(k)) if k % 2 == 1 => [-1, s as i32, i32::MIN, i32::MAX][k as usize / 2 % 4],
        (true, _) => (rng2.next() % s as u64) as i32,
    };
    let sectors = ctx.buffer(Plan {
        name: "sectors",
        output: false,
        natural: n,
        fixed: false,
        gen: &mut gc,
    });
    let mut go = |u: &mut Unstructured<'_>, _| gen_f64(u);
    let out = ctx.buffer(Plan {
        name: "out",
        output: true,
        natural: p * s,
        fixed: false,
        gen: &mut go,
    });
    let np = match ctx.byte() % 8 {
        0 => mutate_count(&mut ctx, p),
        _ => p,
    };
    let ns = match ctx.byte() % 8 {
        0 => mutate_count(&mut ctx, s),
        _ => s,
    };

    let exp = expect(&ctx, &weights, &sectors, &out, np, ns);
    let before = ctx.snapshot();
    // SAFETY: every non-NULL pointer lies in an allocation holding at least its stated length.
    let status = unsafe {
        sector_weights::ffi::sw_sector_weights(
            weights.ptr(),
            weights.len,
            sectors.ptr(),
            sectors.len,
            np,
            ns,
            out.mut_ptr(),
            out.len,
        )
    } as i32;
    verify(&ctx, status, &exp, &before, &out);
});

/// The contract of `sw_sector_weights`, in its documented order.
fn expect(ctx: &Ctx, w: &Buf, c: &Buf, out: &Buf, np: usize, ns: usize) -> Expect {
    if let Some((st, m)) = check_pointers(&[*w, *c, *out]) {
        return Expect::err(st, m);
    }
    if np > 0 && !w.len.is_multiple_of(np) {
        return Expect::err(
            LENGTH_MISMATCH,
            format!(
                "weights has {} elements, not a multiple of num_portfolios = {np}",
                w.len
            ),
        );
    }
    if let Some((st, m)) = check_shape(w.len, c.len, None, np, ns, out.len) {
        return Expect::err(st, m);
    }
    if np == 0 && w.len > 0 {
        return Expect::err(
            LENGTH_MISMATCH,
            format!(
                "weights has {} elements but must have 0 (0 portfolios x 0 bonds)",
                w.len
            ),
        );
    }
    if ns == 0 {
        return Expect {
            errors: Vec::new(),
            ok: Some(Vec::new()),
            overflow: false,
        };
    }
    let b = w.len.checked_div(np).unwrap_or(0);
    let (weights, codes) = (ctx.read::<f64>(w), ctx.read::<i32>(c));
    reference(
        &Data {
            weights: &weights,
            values: None,
            codes: &codes,
            ranges: (0..np).map(|q| q * b..(q + 1) * b).collect(),
            s: ns,
        },
        0,
    )
    .0
}
