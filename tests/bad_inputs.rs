//! The catalogue of bad inputs (tests/catalogue/cases.txt), run through the C ABI from Rust, and
//! the drift check of its rendering in docs/bad-inputs.md.
//!
//! Every case builds its buffers exactly as the table says (aligned, misaligned, NULL, raw
//! addresses, aliases into another buffer), calls the exported `extern "C"` function, and checks
//! the status, the thread's last error message, and that on error no byte of any buffer changed
//! (on success: only the output changed, and it holds exactly the expected values).
//!
//! `SW_UPDATE_CATALOGUE=1 cargo test --test bad_inputs` rewrites the table in docs/bad-inputs.md.

use std::collections::HashMap;
use std::fmt::Write as _;

use sector_weights::ffi;

const CASES: &str = include_str!("catalogue/cases.txt");
const DOC_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/bad-inputs.md");
const BEGIN: &str = "<!-- BEGIN CATALOGUE (generated from tests/catalogue/cases.txt) -->";
const END: &str = "<!-- END CATALOGUE -->";

/// Status names in numeric order, as the header defines them.
const STATUS_NAMES: [&str; 15] = [
    "SW_OK",
    "SW_ERROR_NULL_POINTER",
    "SW_ERROR_LENGTH_MISMATCH",
    "SW_ERROR_SIZE_OVERFLOW",
    "SW_ERROR_SECTOR_OUT_OF_RANGE",
    "SW_ERROR_NON_FINITE",
    "SW_ERROR_INVALID_ARGUMENT",
    "SW_ERROR_OVERLAP",
    "SW_ERROR_MISALIGNED",
    "SW_ERROR_BAD_OFFSETS",
    "SW_ERROR_ZERO_TOTAL",
    "SW_ERROR_OUT_OF_MEMORY",
    "SW_ERROR_THREAD_POOL",
    "SW_ERROR_PANIC",
    "SW_ERROR_BAD_PARTIAL",
];

/// One row of the table.
#[derive(Debug, Clone)]
struct Case {
    line: usize,
    id: String,
    what: String,
    func: String,
    args_text: String,
    args: Vec<(String, String)>,
    status: String,
    message: String,
    tags: Vec<String>,
}

impl Case {
    fn arg(&self, key: &str) -> Option<&str> {
        self.args.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
    fn has_tag(&self, tag: &str) -> bool {
        self.tags.iter().any(|t| t == tag)
    }
}

fn parse_cases(text: &str) -> Vec<Case> {
    let mut cases = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let f: Vec<&str> = line.split('|').map(str::trim).collect();
        assert!(
            f.len() == 6 || f.len() == 7,
            "cases.txt:{}: expected 6 or 7 fields, got {}",
            i + 1,
            f.len()
        );
        let args = f[3]
            .split_whitespace()
            .map(|a| {
                let (k, v) = a
                    .split_once('=')
                    .unwrap_or_else(|| panic!("cases.txt:{}: argument {a} has no '='", i + 1));
                (k.to_string(), v.to_string())
            })
            .collect();
        cases.push(Case {
            line: i + 1,
            id: f[0].into(),
            what: f[1].into(),
            func: f[2].into(),
            args_text: f[3].into(),
            args,
            status: f[4].into(),
            message: f[5].into(),
            tags: f
                .get(6)
                .map(|t| t.split_whitespace().map(String::from).collect())
                .unwrap_or_default(),
        });
    }
    cases
}

fn parse_u64(s: &str) -> u64 {
    if s == "max" {
        u64::MAX
    } else if let Some(k) = s.strip_prefix("2^") {
        1u64 << k.parse::<u32>().expect("exponent")
    } else {
        s.parse().unwrap_or_else(|_| panic!("bad number {s}"))
    }
}

fn parse_f64(s: &str) -> f64 {
    s.parse().unwrap_or_else(|_| panic!("bad double {s}"))
}

/// An element type: the article's functions' double / int32 / int64 buffers, or a column's dtype.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Ty {
    I8,
    I16,
    I32,
    I64,
    U8,
    U16,
    U32,
    F32,
    F64,
}

/// The types in the order of their dtype codes (SW_INT8 = 1 ... SW_FLOAT64 = 9), with the
/// catalogue's names for them.
const TYPES: [(Ty, &str); 9] = [
    (Ty::I8, "i8"),
    (Ty::I16, "i16"),
    (Ty::I32, "i32"),
    (Ty::I64, "i64"),
    (Ty::U8, "u8"),
    (Ty::U16, "u16"),
    (Ty::U32, "u32"),
    (Ty::F32, "f32"),
    (Ty::F64, "f64"),
];

impl Ty {
    fn size(self) -> usize {
        match self {
            Ty::I8 | Ty::U8 => 1,
            Ty::I16 | Ty::U16 => 2,
            Ty::I32 | Ty::U32 | Ty::F32 => 4,
            Ty::I64 | Ty::F64 => 8,
        }
    }
    /// The dtype code (`SW_INT8` ...).
    fn code(self) -> i32 {
        TYPES.iter().position(|t| t.0 == self).expect("every type has a code") as i32 + 1
    }
    /// One element (integers wrap like a C cast: `4294967295` as int32 is -1).
    fn encode(self, item: &str) -> Vec<u8> {
        let int = || item.parse::<i128>().unwrap_or_else(|_| panic!("bad integer {item}"));
        match self {
            Ty::I8 => (int() as i8).to_ne_bytes().to_vec(),
            Ty::I16 => (int() as i16).to_ne_bytes().to_vec(),
            Ty::I32 => (int() as i32).to_ne_bytes().to_vec(),
            Ty::I64 => (int() as i64).to_ne_bytes().to_vec(),
            Ty::U8 => (int() as u8).to_ne_bytes().to_vec(),
            Ty::U16 => (int() as u16).to_ne_bytes().to_vec(),
            Ty::U32 => (int() as u32).to_ne_bytes().to_vec(),
            Ty::F32 => (parse_f64(item) as f32).to_ne_bytes().to_vec(),
            Ty::F64 => parse_f64(item).to_ne_bytes().to_vec(),
        }
    }
}

/// Whether the case's function takes its inputs as SwColumn arguments.
fn typed(case: &Case) -> bool {
    matches!(case.func.as_str(), "sw_grouped_sums" | "sw_ragged_sums")
}

/// Column `name`'s dtype field and the type its values are written in (see cases.txt).
fn column_type(case: &Case, name: &str) -> (i32, Ty) {
    let default = if matches!(name, "w" | "v") { Ty::F64 } else { Ty::I32 };
    let Some(t) = case.arg(&format!("{name}t")) else {
        return (default.code(), default);
    };
    if let Some(&(ty, _)) = TYPES.iter().find(|x| x.1 == t) {
        return (ty.code(), ty);
    }
    let code: i32 = t.parse().unwrap_or_else(|_| panic!("bad dtype {t}"));
    let ty = usize::try_from(code - 1).ok().and_then(|i| TYPES.get(i)).map_or(default, |x| x.0);
    (code, ty)
}

/// Element type of buffer `name` of `case`.
fn buffer_type(case: &Case, name: &str) -> Ty {
    match name {
        "w" | "v" | "s" | "p" if typed(case) => column_type(case, name).1,
        "s" => Ty::I32,
        "off" => Ty::I64,
        "w" | "v" | "out" => Ty::F64,
        other => panic!("unknown buffer {other}"),
    }
}

/// The element bytes of `n:K` or a list, for buffer `name` of `case`.
fn encode(case: &Case, name: &str, spec: &str) -> Vec<u8> {
    let ty = buffer_type(case, name);
    if let Some(k) = spec.strip_prefix("n:") {
        let k: usize = k.parse().expect("count");
        let one = match name {
            "w" | "v" => "1",
            "out" => "-7",
            _ => "0",
        };
        return ty.encode(one).repeat(k);
    }
    let inner = spec
        .trim_start_matches("mis")
        .strip_prefix('[')
        .and_then(|s| s.strip_suffix(']'))
        .unwrap_or_else(|| panic!("bad buffer {spec}"));
    inner.split(',').filter(|x| !x.is_empty()).flat_map(|item| ty.encode(item)).collect()
}

/// The buffers of one case: allocations (16-byte aligned, 64 bytes of slack) and pointers.
struct Mem {
    arenas: Vec<Vec<u128>>,
    /// Pointer (with the provenance of its allocation, so Miri can check every access) and length.
    ptrs: HashMap<String, (*mut u8, usize)>,
}

impl Mem {
    fn build(case: &Case, names: &[&str]) -> Mem {
        let mut mem = Mem { arenas: Vec::new(), ptrs: HashMap::new() };
        // Own allocations first, aliases after (they point into the others).
        for pass in 0..2 {
            for &name in names {
                let spec = case.arg(name).unwrap_or("null");
                let is_alias = spec.starts_with('@');
                if (pass == 0) == is_alias {
                    continue;
                }
                let (addr, count) = if spec == "null" {
                    (std::ptr::null_mut(), 0)
                } else if let Some(h) = spec.strip_prefix("addr:0x") {
                    let addr = usize::from_str_radix(h, 16).expect("hex address");
                    (std::ptr::null_mut::<u8>().wrapping_add(addr), 0) // no provenance: never dereferenceable
                } else if let Some(a) = spec.strip_prefix('@') {
                    let (target, off) = a.split_once('+').expect("@X+B");
                    let base = mem.ptrs[target].0;
                    (base.wrapping_add(off.parse::<usize>().expect("byte offset")), 0)
                } else {
                    let skew = usize::from(spec.starts_with("mis"));
                    let bytes = encode(case, name, spec);
                    let mut arena = vec![0u128; (bytes.len() + skew + 64).div_ceil(16)];
                    let base = arena.as_mut_ptr().cast::<u8>();
                    // SAFETY: the arena holds bytes.len() + skew + 64 bytes.
                    unsafe {
                        std::ptr::copy_nonoverlapping(bytes.as_ptr(), base.add(skew), bytes.len())
                    };
                    mem.arenas.push(arena);
                    (base.wrapping_add(skew), bytes.len() / buffer_type(case, name).size())
                };
                let len_key = match name {
                    "off" => "offl".to_string(),
                    n => format!("{}l", &n[..1]),
                };
                let len = case.arg(&len_key).map_or(count, |l| parse_u64(l) as usize);
                mem.ptrs.insert(name.to_string(), (addr, len));
            }
        }
        mem
    }

    fn ptr(&self, name: &str) -> *mut u8 {
        self.ptrs.get(name).map_or(std::ptr::null_mut(), |p| p.0)
    }
    fn len(&self, name: &str) -> usize {
        self.ptrs.get(name).map_or(0, |p| p.1)
    }
    fn snapshot(&self) -> Vec<Vec<u128>> {
        self.arenas.clone()
    }
}

fn last_error() -> String {
    // SAFETY: NULL with length 0 writes nothing.
    let n = unsafe { ffi::sw_last_error_message(std::ptr::null_mut(), 0) };
    let mut buf = vec![0u8; n + 1];
    // SAFETY: buf holds n + 1 bytes.
    unsafe { ffi::sw_last_error_message(buf.as_mut_ptr().cast(), buf.len()) };
    buf.truncate(n);
    String::from_utf8(buf).expect("UTF-8 message")
}

/// What one call did.
struct Outcome {
    mem: Mem,
    names: &'static [&'static str],
    status: i32,
    msg: String,
    before: Vec<Vec<u128>>,
    after: Vec<Vec<u128>>,
    /// The output after the call (read only after SW_OK).
    out: Vec<f64>,
}

/// Builds the case's buffers and makes its call.
fn call(case: &Case) -> Outcome {
    let names: &'static [&'static str] = match case.func.as_str() {
        "calculate_sector_weights" | "sw_sector_weights" => &["w", "s", "out"],
        "sw_sector_weights_ragged" => &["w", "s", "off", "out"],
        "sw_sector_exposures" => &["w", "v", "s", "off", "out"],
        "sw_grouped_sums" => &["w", "v", "s", "p", "out"],
        "sw_ragged_sums" => &["w", "v", "s", "off", "out"],
        "sw_set_num_threads" => &[],
        f => panic!("cases.txt:{}: unknown function {f}", case.line),
    };
    let mem = Mem::build(case, names);
    let num = |k: &str| case.arg(k).map_or(0, parse_u64);
    let (p, l) = (|n: &str| mem.ptr(n), |n: &str| mem.len(n));
    // The SwColumn arguments: a column left out of the case is a NULL pointer.
    let columns: Vec<Option<ffi::SwColumn>> = ["w", "v", "s", "p"]
        .iter()
        .map(|&n| {
            case.arg(n).map(|_| ffi::SwColumn {
                data: p(n).cast_const().cast(),
                len: l(n),
                dtype: column_type(case, n).0,
            })
        })
        .collect();
    let col = |i: usize| columns[i].as_ref().map_or(std::ptr::null(), |c| c as *const _);
    let before = mem.snapshot();
    // SAFETY: every non-NULL pointer is valid for its stated length, except where the table says
    // otherwise on purpose (raw addresses, lengths larger than the allocation): there the length
    // makes the call invalid before any element is read, which is what those cases check. A
    // non-NULL SwColumn pointer points into `columns`, alive for the call.
    let status = unsafe {
        match case.func.as_str() {
            "calculate_sector_weights" => ffi::calculate_sector_weights(
                p("w").cast::<f64>().cast_const(),
                num("pf"),
                p("s").cast::<i32>().cast_const(),
                num("nb"),
                p("out").cast::<f64>(),
                num("ns"),
            ),
            "sw_sector_weights" => ffi::sw_sector_weights(
                p("w").cast::<f64>().cast_const(),
                l("w"),
                p("s").cast::<i32>().cast_const(),
                l("s"),
                num("np") as usize,
                num("ns") as usize,
                p("out").cast::<f64>(),
                l("out"),
            ),
            "sw_sector_weights_ragged" => ffi::sw_sector_weights_ragged(
                p("w").cast::<f64>().cast_const(),
                l("w"),
                p("s").cast::<i32>().cast_const(),
                l("s"),
                p("off").cast::<i64>().cast_const(),
                l("off"),
                num("ns") as usize,
                num("flags") as u32,
                p("out").cast::<f64>(),
                l("out"),
            ),
            "sw_sector_exposures" => ffi::sw_sector_exposures(
                p("w").cast::<f64>().cast_const(),
                l("w"),
                p("v").cast::<f64>().cast_const(),
                l("v"),
                p("s").cast::<i32>().cast_const(),
                l("s"),
                p("off").cast::<i64>().cast_const(),
                l("off"),
                num("ns") as usize,
                num("flags") as u32,
                p("out").cast::<f64>(),
                l("out"),
            ),
            "sw_grouped_sums" => ffi::sw_grouped_sums(
                col(0),
                col(1),
                col(2),
                num("ns") as usize,
                col(3),
                num("np") as usize,
                num("flags") as u32,
                p("out").cast::<f64>(),
                l("out"),
            ),
            "sw_ragged_sums" => ffi::sw_ragged_sums(
                col(0),
                col(1),
                col(2),
                num("ns") as usize,
                p("off").cast::<i64>().cast_const(),
                l("off"),
                num("flags") as u32,
                p("out").cast::<f64>(),
                l("out"),
            ),
            _ => ffi::sw_set_num_threads(num("n") as usize),
        }
    } as i32;
    let msg = last_error();
    let after = mem.snapshot();
    let out = if status == 0 {
        // SAFETY: SW_OK means out was valid for l("out") elements.
        (0..l("out")).map(|i| unsafe { *p("out").cast::<f64>().add(i) }).collect()
    } else {
        Vec::new()
    };
    Outcome { mem, names, status, msg, before, after, out }
}

/// Runs one case; returns a description of every way it did not match the table.
fn run(case: &Case) -> Result<(), String> {
    let Outcome { mem, names, status, msg, before, after, out: got } = call(case);
    let (p, l) = (|n: &str| mem.ptr(n), |n: &str| mem.len(n));
    let mut problems = Vec::new();
    let got_name = STATUS_NAMES.get(status as usize).copied().unwrap_or("unknown");
    let mut want_msg = case.message.clone();
    for n in names {
        want_msg = want_msg.replace(&format!("{{{n}}}"), &format!("{:#x}", mem.ptr(n) as usize));
    }
    if got_name != case.status || msg != want_msg {
        problems.push(format!("got {got_name} | {msg}\n      want {} | {want_msg}", case.status));
    }
    if status != 0 {
        if after != before {
            problems.push("memory changed although the call failed".into());
        }
    } else {
        // Only the output range may change.
        let (lo, hi) = (p("out") as usize, p("out") as usize + l("out") * 8);
        for ((a, b), live) in after.iter().zip(&before).zip(&mem.arenas) {
            let base = live.as_ptr() as usize;
            let (x, y) = (bytes_of(a), bytes_of(b));
            if let Some(i) = (0..x.len()).find(|&i| x[i] != y[i] && !(lo..hi).contains(&(base + i)))
            {
                problems.push(format!("SW_OK but byte {:#x} outside the output changed", base + i));
            }
        }
        if let Some(exp) = case.arg("expect") {
            let want: Vec<Option<f64>> = exp
                .trim_matches(|c| c == '[' || c == ']')
                .split(',')
                .filter(|x| !x.is_empty())
                .map(|x| (x != "nonfinite").then(|| parse_f64(x)))
                .collect();
            let same = got.len() == want.len()
                && got.iter().zip(&want).all(|(g, w)| match w {
                    None => !g.is_finite(),
                    Some(w) => g.to_bits() == w.to_bits() || (g.is_nan() && w.is_nan()),
                });
            if !same {
                problems.push(format!("output {got:?}, want exactly {exp}"));
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n      "))
    }
}

fn bytes_of(v: &[u128]) -> &[u8] {
    // SAFETY: a u128 slice is valid to read as bytes.
    unsafe { std::slice::from_raw_parts(v.as_ptr().cast(), std::mem::size_of_val(v)) }
}

#[test]
fn every_catalogue_case_gives_its_status_and_message() {
    let cases = parse_cases(CASES);
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|c| run(c).err().map(|e| format!("cases.txt:{} {}: {e}", c.line, c.id)))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} catalogue cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn catalogue_is_complete() {
    let cases = parse_cases(CASES);
    let bad = cases.iter().filter(|c| c.status != "SW_OK").count();
    assert!(bad >= 30, "only {bad} bad inputs in the catalogue");
    let mut ids: Vec<&str> = cases.iter().map(|c| c.id.as_str()).collect();
    ids.sort_unstable();
    let n = ids.len();
    ids.dedup();
    assert_eq!(ids.len(), n, "case ids must be unique");
    for f in [
        "calculate_sector_weights",
        "sw_sector_weights",
        "sw_sector_weights_ragged",
        "sw_sector_exposures",
        "sw_grouped_sums",
        "sw_ragged_sums",
        "sw_set_num_threads",
    ] {
        assert!(cases.iter().any(|c| c.func == f), "no case for {f}");
    }
    // Every error status the inputs can cause appears at least once.
    for s in &STATUS_NAMES[..11] {
        assert!(cases.iter().any(|c| c.status == *s), "no case gives {s}");
    }
}

/// The markdown table docs/bad-inputs.md shows.
fn render(cases: &[Case]) -> String {
    let mut t = String::new();
    t.push_str("| # | bad input | call | status | message |\n|---|---|---|---|---|\n");
    for (i, c) in cases.iter().enumerate() {
        let status = if c.has_tag("known-issue") {
            format!("`{}` ⚠ known issue", c.status)
        } else {
            format!("`{}`", c.status)
        };
        let msg = if c.message.is_empty() {
            match c.arg("expect") {
                Some(e) => format!("(none) — output `{e}`"),
                None => "(none)".into(),
            }
        } else {
            format!("`{}`", c.message)
        };
        let args: Vec<&str> =
            c.args_text.split_whitespace().filter(|a| !a.starts_with("expect=")).collect();
        writeln!(
            t,
            "| {} | {} <br>`{}` | `{}({})` | {} | {} |",
            i + 1,
            c.what,
            c.id,
            c.func,
            args.join(" "),
            status,
            msg
        )
        .unwrap();
    }
    t
}

#[test]
#[cfg_attr(miri, ignore = "reads a file: Miri isolates the file system; not about memory safety")]
fn doc_table_matches_the_catalogue() {
    let table = render(&parse_cases(CASES));
    let doc = std::fs::read_to_string(DOC_PATH).expect("read docs/bad-inputs.md");
    let (Some(b), Some(e)) = (doc.find(BEGIN), doc.find(END)) else {
        panic!("docs/bad-inputs.md lacks the {BEGIN} / {END} markers");
    };
    let current = &doc[b + BEGIN.len()..e];
    let wanted = format!("\n{table}");
    if current != wanted {
        if std::env::var_os("SW_UPDATE_CATALOGUE").is_some() {
            let new = format!("{}{BEGIN}{wanted}{}", &doc[..b], &doc[e..]);
            std::fs::write(DOC_PATH, new).expect("write docs/bad-inputs.md");
        } else {
            panic!(
                "docs/bad-inputs.md is out of date with tests/catalogue/cases.txt: run \
                 `SW_UPDATE_CATALOGUE=1 cargo test --test bad_inputs` and commit it"
            );
        }
    }
}

/// sw_last_error_message is snprintf-like: the full length back, at most len - 1 bytes and a NUL
/// written, nothing written for NULL or len 0, and reading does not change the detail.
#[test]
fn last_error_message_truncates_like_snprintf() {
    let w = [1.0f64];
    let c = [7i32];
    let mut out = [0.0f64; 2];
    // SAFETY: valid buffers of the stated lengths.
    let st =
        unsafe { ffi::sw_sector_weights(w.as_ptr(), 1, c.as_ptr(), 1, 1, 2, out.as_mut_ptr(), 2) };
    assert_eq!(st as i32, 4);
    let full = "sector code 7 at bond 0 of portfolio 0 is outside 0..2";
    for len in [1usize, 2, 10, full.len(), full.len() + 1, full.len() + 50] {
        let mut buf = vec![b'#'; len + 8];
        // SAFETY: buf holds len + 8 >= len bytes.
        let n = unsafe { ffi::sw_last_error_message(buf.as_mut_ptr().cast(), len) };
        assert_eq!(n, full.len());
        let k = full.len().min(len - 1);
        assert_eq!(&buf[..k], &full.as_bytes()[..k], "len {len}");
        assert_eq!(buf[k], 0, "NUL at {k} for len {len}");
        assert!(buf[k + 1..].iter().all(|&b| b == b'#'), "wrote past the NUL, len {len}");
    }
    for len in [0usize, 1, 4096, usize::MAX] {
        // SAFETY: NULL is documented to be written to never.
        let n = unsafe { ffi::sw_last_error_message(std::ptr::null_mut(), len) };
        assert_eq!(n, full.len(), "NULL buffer, len {len}");
    }
    let mut buf = [b'#'; 4];
    // SAFETY: len 0: nothing may be written.
    let n = unsafe { ffi::sw_last_error_message(buf.as_mut_ptr().cast(), 0) };
    assert_eq!((n, buf), (full.len(), [b'#'; 4]));
    assert_eq!(last_error(), full, "reading the detail must not change it");
    // A successful call clears it.
    // SAFETY: valid buffers.
    let st = unsafe {
        ffi::sw_sector_weights(w.as_ptr(), 1, [0i32].as_ptr(), 1, 1, 2, out.as_mut_ptr(), 2)
    };
    assert_eq!(st as i32, 0);
    assert_eq!(last_error(), "");
}

/// sw_status_message: a static string for every status, "unknown status" for anything else.
#[test]
fn status_messages_for_any_code() {
    for code in [-1, 15, 100, i32::MIN, i32::MAX] {
        // SAFETY: documented never NULL, static, NUL-terminated.
        let m = unsafe { std::ffi::CStr::from_ptr(ffi::sw_status_message(code)) };
        assert_eq!(m.to_str().unwrap(), "unknown status", "code {code}");
    }
    for code in 0..15 {
        // SAFETY: as above.
        let m = unsafe { std::ffi::CStr::from_ptr(ffi::sw_status_message(code)) };
        assert!(!m.to_bytes().is_empty() && m.to_str().unwrap() != "unknown status");
    }
}

/// Finite inputs whose sums, products or normalised ratios overflow are errors
/// (SW_ERROR_NON_FINITE), never SW_OK with NaN or +-Inf in the output: over every catalogue case,
/// an SW_OK result holds only finite numbers.
#[test]
fn finite_inputs_never_give_non_finite_outputs_with_ok() {
    for case in parse_cases(CASES).iter() {
        let o = call(case);
        assert!(
            o.status != 0 || o.out.iter().all(|x| x.is_finite()),
            "{}: SW_OK with non-finite output {:?}",
            case.id,
            o.out
        );
    }
}
