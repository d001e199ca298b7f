//! Fuzzes `sw_compare_to_targets(actual, targets, tolerance, num_sectors, active, breaches)`:
//! scalar, per-sector and per-cell targets and tolerances, two outputs (doubles and bytes), every
//! pointer placed by the fuzzer, against a naive reference of the header's contract.
#![no_main]

mod common;

use common::*;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut ctx = Ctx::new(data);
    let p = ctx.range(0, 5);
    let s = ctx.range(0, 9);
    let cells = p * s;
    // Broadcast shapes: one value, one per sector, one per cell.
    let shape = |ctx: &mut Ctx| match ctx.byte() % 3 {
        0 => 1,
        1 => s,
        _ => cells,
    };
    let (nt, ntol) = (shape(&mut ctx), shape(&mut ctx));
    let mut g = |u: &mut Unstructured<'_>, _| gen_f64(u);
    let actual = ctx.buffer(Plan {
        name: "actual",
        output: false,
        natural: cells,
        fixed: false,
        gen: &mut g,
    });
    let targets = ctx.buffer(Plan {
        name: "targets",
        output: false,
        natural: nt,
        fixed: false,
        gen: &mut g,
    });
    // Tolerances: mostly non-negative small numbers, sometimes anything.
    let mut gt = |u: &mut Unstructured<'_>, _| {
        let x = gen_f64(u);
        if x.is_finite() && u.arbitrary::<u8>().unwrap_or(0) < 200 {
            x.abs()
        } else {
            x
        }
    };
    let tolerance = ctx.buffer(Plan {
        name: "tolerance",
        output: false,
        natural: ntol,
        fixed: false,
        gen: &mut gt,
    });
    let active = ctx.buffer(Plan {
        name: "active",
        output: true,
        natural: cells,
        fixed: false,
        gen: &mut g,
    });
    let mut gb = |u: &mut Unstructured<'_>, _| u.arbitrary::<u8>().unwrap_or(0);
    let breaches = ctx.buffer(Plan {
        name: "breaches",
        output: true,
        natural: cells,
        fixed: false,
        gen: &mut gb,
    });
    let ns = match ctx.byte() % 8 {
        0 => mutate_count(&mut ctx, s),
        _ => s,
    };

    let exp = expect(&ctx, &actual, &targets, &tolerance, ns, &active, &breaches);
    let before = ctx.snapshot();
    // SAFETY: every non-NULL pointer lies in an allocation holding at least its stated length.
    let status = unsafe {
        sector_weights::ffi::sw_compare_to_targets(
            actual.ptr(),
            actual.len,
            targets.ptr(),
            targets.len,
            tolerance.ptr(),
            tolerance.len,
            ns,
            active.mut_ptr(),
            active.len,
            breaches.mut_ptr(),
            breaches.len,
        )
    } as i32;
    let msg = last_error();
    match exp {
        Err(errors) => {
            assert!(
                errors.iter().any(|(st, m)| *st == status && *m == msg),
                "library returned {status} \"{msg}\", reference expects {errors:?}"
            );
            assert!(
                ctx.arenas() == before.as_slice(),
                "status {status}: caller memory changed although the call failed"
            );
        }
        Ok((want_active, want_breaches)) => {
            assert_eq!((status, msg.as_str()), (OK, ""), "reference expects SW_OK");
            let ranges = [
                (active.addr, active.addr + active.len * 8),
                (breaches.addr, breaches.addr + breaches.len),
            ];
            for (a, b) in ctx.arenas().iter().zip(&before) {
                let base = a.as_ptr() as usize;
                for k in 0..a.len() * 8 {
                    let (x, y) = (a[k / 8].to_ne_bytes()[k % 8], b[k / 8].to_ne_bytes()[k % 8]);
                    let at = base + k;
                    let inside = ranges.iter().any(|r| (r.0..r.1).contains(&at));
                    assert!(
                        x == y || inside,
                        "SW_OK but byte {at:#x} outside the outputs changed"
                    );
                }
            }
            let got_active: Vec<f64> = ctx.read(&active);
            let got_breaches: Vec<u8> = ctx.read(&breaches);
            for (i, (g, w)) in got_active.iter().zip(&want_active).enumerate() {
                assert_eq!(g.to_bits(), w.to_bits(), "active[{i}] = {g}, reference {w}");
            }
            assert_eq!(got_breaches, want_breaches, "breaches");
        }
    }
});

type Outputs = (Vec<f64>, Vec<u8>);

/// The contract of `sw_compare_to_targets`, in its documented order.
fn expect(
    ctx: &Ctx,
    actual: &Buf,
    targets: &Buf,
    tolerance: &Buf,
    s: usize,
    active: &Buf,
    breaches: &Buf,
) -> Result<Outputs, Vec<(i32, String)>> {
    let err = |st: i32, m: String| Err(vec![(st, m)]);
    if let Some((st, m)) = check_pointers(&[*actual, *targets, *tolerance, *active, *breaches]) {
        return err(st, m);
    }
    if s == 0 {
        return err(INVALID_ARGUMENT, "num_sectors must be at least 1".into());
    }
    let n = actual.len;
    if !n.is_multiple_of(s) {
        return err(
            LENGTH_MISMATCH,
            format!("actual has {n} elements, not a multiple of num_sectors = {s}"),
        );
    }
    let p = n / s;
    for (name, b) in [("active", active), ("breaches", breaches)] {
        if b.len != n {
            return err(
                LENGTH_MISMATCH,
                format!(
                    "{name} has {} elements but must have {n} ({p} portfolios x {s} sectors)",
                    b.len
                ),
            );
        }
    }
    let a: Vec<f64> = ctx.read(actual);
    if let Some(i) = a.iter().position(|x| !x.is_finite()) {
        return err(
            NON_FINITE,
            format!(
                "actual weight {} of sector {} of portfolio {} is not finite",
                a[i],
                i % s,
                i / s
            ),
        );
    }
    let mut spread = Vec::new();
    for (name, b, non_negative) in [("targets", targets, false), ("tolerance", tolerance, true)] {
        let m = b.len;
        if !(m == 1 || m == s || m == n) {
            return err(
                LENGTH_MISMATCH,
                format!(
                    "{name} has {m} elements but must have 1, {s} (one per sector) or {n} ({p} portfolios x {s} sectors)"
                ),
            );
        }
        let v: Vec<f64> = ctx.read(b);
        for (i, x) in v.iter().enumerate() {
            if !x.is_finite() {
                return err(NON_FINITE, format!("{name}[{i}] = {x} is not finite"));
            }
            if non_negative && *x < 0.0 {
                return err(INVALID_ARGUMENT, format!("{name}[{i}] = {x} is negative"));
            }
        }
        // Value for each cell: the scalar, the cell's sector's, or the cell's own.
        spread.push(
            (0..n)
                .map(|c| match m {
                    1 => v[0],
                    _ if m == s => v[c % s],
                    _ => v[c],
                })
                .collect::<Vec<f64>>(),
        );
    }
    let act: Vec<f64> = (0..n).map(|c| a[c] - spread[0][c]).collect();
    if let Some(c) = act.iter().position(|d| !d.is_finite()) {
        return err(
            NON_FINITE,
            format!(
                "actual {} minus target {} overflows at sector {} of portfolio {}",
                a[c],
                spread[0][c],
                c % s,
                c / s
            ),
        );
    }
    let br = (0..n)
        .map(|c| u8::from(act[c].abs() > spread[1][c]))
        .collect();
    Ok((act, br))
}
