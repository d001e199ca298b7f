'use strict';
// sector_weights from Node.js through koffi (a C FFI from npm): per-portfolio, per-sector sums of
// bond weights, computed by the C library libsector_weights.
//
// The library is loaded once, from $SECTOR_WEIGHTS_LIBRARY if set, else from the repository's
// target/release (build it with `cargo build --release`). Each C function is declared once below
// with its prototype from include/sector_weights.h. Every non-OK status becomes a
// SectorWeightsError carrying the status and the library's message ("sector code 25 at bond 1043
// of portfolio 3 is outside 0..18"); on error an output array is left as it was.
//
// Inputs: Float64Array / Int32Array / BigInt64Array are passed to C without a copy; plain arrays
// are converted (and integer inputs are checked to be integers, never truncated).
const path = require('node:path');
const koffi = require('koffi');

const DEFAULT_LIBRARY = path.resolve(__dirname, '..', '..', 'target', 'release', 'libsector_weights.so');
const libraryPath = process.env.SECTOR_WEIGHTS_LIBRARY || DEFAULT_LIBRARY;

let lib;
try {
  lib = koffi.load(libraryPath);
} catch (err) {
  throw new Error(
    `cannot load the sector_weights library from ${libraryPath}: ${err.message} ` +
      '(build it with `cargo build --release`, or set SECTOR_WEIGHTS_LIBRARY to the library file)',
  );
}

// The C API, declared once (prototypes as in include/sector_weights.h; SwStatus is an int32_t).
const c = {
  sectorWeights: lib.func(
    'int32_t sw_sector_weights(const double *weights, size_t weights_len, const int32_t *sectors, ' +
      'size_t sectors_len, size_t num_portfolios, size_t num_sectors, double *out, size_t out_len)',
  ),
  sectorWeightsRagged: lib.func(
    'int32_t sw_sector_weights_ragged(const double *weights, size_t weights_len, const int32_t *sectors, ' +
      'size_t sectors_len, const int64_t *offsets, size_t offsets_len, size_t num_sectors, uint32_t flags, ' +
      'double *out, size_t out_len)',
  ),
  sectorExposures: lib.func(
    'int32_t sw_sector_exposures(const double *weights, size_t weights_len, const double *values, ' +
      'size_t values_len, const int32_t *sectors, size_t sectors_len, const int64_t *offsets, ' +
      'size_t offsets_len, size_t num_sectors, uint32_t flags, double *out, size_t out_len)',
  ),
  setNumThreads: lib.func('int32_t sw_set_num_threads(size_t n)'),
  getNumThreads: lib.func('size_t sw_get_num_threads(void)'),
  statusMessage: lib.func('const char *sw_status_message(int32_t status)'),
  // Declared with uint8_t * (same ABI as char *) so a Buffer is filled in place.
  lastErrorMessage: lib.func('size_t sw_last_error_message(uint8_t *buf, size_t len)'),
  version: lib.func('const char *sw_version(void)'),
};

const SW_NORMALIZE = 1;
const STATUS_NAMES = [
  'SW_OK',
  'SW_ERROR_NULL_POINTER',
  'SW_ERROR_LENGTH_MISMATCH',
  'SW_ERROR_SIZE_OVERFLOW',
  'SW_ERROR_SECTOR_OUT_OF_RANGE',
  'SW_ERROR_NON_FINITE',
  'SW_ERROR_INVALID_ARGUMENT',
  'SW_ERROR_OVERLAP',
  'SW_ERROR_MISALIGNED',
  'SW_ERROR_BAD_OFFSETS',
  'SW_ERROR_ZERO_TOTAL',
  'SW_ERROR_OUT_OF_MEMORY',
  'SW_ERROR_THREAD_POOL',
  'SW_ERROR_PANIC',
  'SW_ERROR_BAD_PARTIAL',
];

/** A failure reported by the library: `status` (number), `code` (e.g. 'SW_ERROR_NON_FINITE'). */
class SectorWeightsError extends Error {
  constructor(status, message) {
    super(message);
    this.name = 'SectorWeightsError';
    this.status = status;
    this.code = STATUS_NAMES[status] || `SW_STATUS_${status}`;
  }
}

/** The calling thread's detail of the last failure ('' after a success). */
function lastErrorMessage() {
  const len = Number(c.lastErrorMessage(null, 0));
  if (len === 0) return '';
  const buf = Buffer.alloc(len + 1);
  c.lastErrorMessage(buf, buf.length);
  return buf.toString('utf8', 0, len);
}

function check(status) {
  if (status !== 0) {
    throw new SectorWeightsError(status, lastErrorMessage() || c.statusMessage(status));
  }
}

function count(name, n) {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new TypeError(`${name} must be a non-negative integer, got ${n}`);
  }
  return n;
}

function isArrayLike(x) {
  return Array.isArray(x) || (ArrayBuffer.isView(x) && !(x instanceof DataView));
}

function float64(name, x) {
  if (x instanceof Float64Array) return x;
  if (!isArrayLike(x)) throw new TypeError(`${name} must be a Float64Array or an array of numbers`);
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    if (typeof x[i] !== 'number') throw new TypeError(`${name}[${i}] = ${x[i]} is not a number`);
    out[i] = x[i];
  }
  return out;
}

function int32(name, x) {
  if (x instanceof Int32Array) return x;
  if (!isArrayLike(x)) throw new TypeError(`${name} must be an Int32Array or an array of integers`);
  const out = new Int32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = Number(x[i]);
    if (!Number.isInteger(v) || v < -2147483648 || v > 2147483647) {
      throw new TypeError(`${name}[${i}] = ${x[i]} is not a 32-bit integer`);
    }
    out[i] = v;
  }
  return out;
}

function int64(name, x) {
  if (x instanceof BigInt64Array) return x;
  if (!isArrayLike(x)) throw new TypeError(`${name} must be a BigInt64Array or an array of integers`);
  const out = new BigInt64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (typeof v === 'bigint') out[i] = v;
    else if (Number.isSafeInteger(v)) out[i] = BigInt(v);
    else throw new TypeError(`${name}[${i}] = ${v} is not an integer`);
  }
  return out;
}

// The result array: the caller's `out` (a Float64Array, checked by the library for its length) or
// a new one of `rows * numSectors` doubles.
function output(out, rows, numSectors) {
  if (out !== undefined) {
    if (!(out instanceof Float64Array)) throw new TypeError('out must be a Float64Array');
    return out;
  }
  const n = rows * numSectors;
  if (!Number.isSafeInteger(n)) throw new RangeError(`${rows} portfolios x ${numSectors} sectors is too large`);
  return new Float64Array(n);
}

/**
 * Per-sector sums for numPortfolios portfolios of equal size (portfolio-major inputs):
 * result[p * numSectors + k] = sum of weights of portfolio p's bonds whose sector is k.
 * Returns a Float64Array of numPortfolios * numSectors (or fills `out`).
 */
function sectorWeights(weights, sectors, numPortfolios, numSectors, out) {
  const w = float64('weights', weights);
  const s = int32('sectors', sectors);
  count('numPortfolios', numPortfolios);
  count('numSectors', numSectors);
  const o = output(out, numPortfolios, numSectors);
  check(c.sectorWeights(w, w.length, s, s.length, numPortfolios, numSectors, o, o.length));
  return o;
}

/**
 * Per-sector sums for portfolios of different sizes: portfolio p holds bonds
 * offsets[p] .. offsets[p+1]-1. Options: normalize (divide each row by its total), out.
 */
function sectorWeightsRagged(weights, sectors, offsets, numSectors, { normalize = false, out } = {}) {
  const w = float64('weights', weights);
  const s = int32('sectors', sectors);
  const off = int64('offsets', offsets);
  count('numSectors', numSectors);
  const o = output(out, Math.max(off.length - 1, 0), numSectors);
  check(c.sectorWeightsRagged(w, w.length, s, s.length, off, off.length, numSectors, normalize ? SW_NORMALIZE : 0, o, o.length));
  return o;
}

/**
 * Per-sector exposures: result[p * numSectors + k] = sum of weights[i] * values[i] over portfolio
 * p's bonds in sector k (duration, spread-duration or DTS contributions). Portfolios by offsets.
 */
function sectorExposures(weights, values, sectors, offsets, numSectors, { normalize = false, out } = {}) {
  const w = float64('weights', weights);
  const v = float64('values', values);
  const s = int32('sectors', sectors);
  const off = int64('offsets', offsets);
  count('numSectors', numSectors);
  const o = output(out, Math.max(off.length - 1, 0), numSectors);
  check(
    c.sectorExposures(w, w.length, v, v.length, s, s.length, off, off.length, numSectors, normalize ? SW_NORMALIZE : 0, o, o.length),
  );
  return o;
}

/** Sets the worker pool size for all later calls (0 = the default: SECTOR_WEIGHTS_NUM_THREADS, RAYON_NUM_THREADS, OMP_NUM_THREADS or all CPUs). */
function setNumThreads(n) {
  check(c.setNumThreads(count('n', n)));
}

/** The worker pool size calls use now. */
function numThreads() {
  const n = Number(c.getNumThreads());
  if (n === 0) throw new SectorWeightsError(12, lastErrorMessage() || c.statusMessage(12));
  return n;
}

/** The library version, e.g. '0.1.0'. */
function version() {
  return c.version();
}

module.exports = {
  sectorWeights,
  sectorWeightsRagged,
  sectorExposures,
  setNumThreads,
  numThreads,
  version,
  lastErrorMessage,
  SectorWeightsError,
  STATUS_NAMES,
  libraryPath,
};
