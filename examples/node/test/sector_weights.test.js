'use strict';
// `npm test`: the Node.js binding checked against a plain JavaScript reference, and bad inputs
// reported as SectorWeightsError with the library's message and the output left untouched.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const sw = require('../sector_weights');

// The reference: the obvious loop, portfolio by portfolio (values optional, for exposures).
function reference(weights, sectors, offsets, numSectors, values) {
  const out = new Float64Array((offsets.length - 1) * numSectors);
  for (let p = 0; p + 1 < offsets.length; p++) {
    for (let i = Number(offsets[p]); i < Number(offsets[p + 1]); i++) {
      out[p * numSectors + sectors[i]] += weights[i] * (values ? values[i] : 1);
    }
  }
  return out;
}

// A small deterministic generator (xorshift) so failures reproduce.
function rng(seed) {
  let x = BigInt(seed) | 1n;
  return () => {
    x ^= (x << 13n) & 0xffffffffffffffffn;
    x ^= x >> 7n;
    x ^= (x << 17n) & 0xffffffffffffffffn;
    return Number(x & 0xffffffn) / 0x1000000; // [0, 1) with 24 bits
  };
}

// Weights that are multiples of 1/64: every partial sum is exact, so any summation order must give
// the reference's result bit for bit.
function exactData(numPortfolios, numBonds, numSectors, seed) {
  const r = rng(seed);
  const n = numPortfolios * numBonds;
  const weights = new Float64Array(n);
  const sectors = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    weights[i] = Math.floor(r() * 2048 - 1024) / 64;
    sectors[i] = Math.floor(r() * numSectors);
  }
  const offsets = Array.from({ length: numPortfolios + 1 }, (_, p) => p * numBonds);
  return { weights, sectors, offsets };
}

test('version is the one in Cargo.toml', () => {
  const cargo = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'Cargo.toml'), 'utf8');
  const version = /\[package\][^[]*?\nversion\s*=\s*"([^"]+)"/.exec(cargo)[1];
  assert.equal(sw.version(), version);
});

test('sectorWeights equals the JavaScript reference (20 portfolios x 5,000 bonds x 18 sectors)', () => {
  const { weights, sectors, offsets } = exactData(20, 5000, 18, 1);
  const got = sw.sectorWeights(weights, sectors, 20, 18);
  assert.ok(got instanceof Float64Array);
  assert.deepEqual(got, reference(weights, sectors, offsets, 18));
});

test('random weights agree with the reference within the summation-order bound', () => {
  const P = 7, B = 10000, K = 11;
  const r = rng(5);
  const weights = Float64Array.from({ length: P * B }, () => r() - 0.3 + r() * 1e-9);
  const sectors = Int32Array.from({ length: P * B }, () => Math.floor(r() * K));
  const offsets = Array.from({ length: P + 1 }, (_, p) => p * B);
  const got = sw.sectorWeights(weights, sectors, P, K);
  const want = reference(weights, sectors, offsets, K);
  const magnitude = reference(weights.map(Math.abs), sectors, offsets, K);
  for (let j = 0; j < want.length; j++) {
    // Two sums of the same n terms in any order differ by at most 2 n eps sum|w|.
    assert.ok(Math.abs(got[j] - want[j]) <= 2 * B * Number.EPSILON * magnitude[j], `element ${j}`);
  }
});

test('plain arrays, typed-array views and caller-provided outputs', () => {
  const w = [0.5, 0.25, 0.125, 0.125, 1.0, -0.5, 2.0, 0.25];
  const s = [0, 2, 0, 1, 1, 1, 2, 0];
  const want = Float64Array.from([0.625, 0.125, 0.25, 0.25, 0.5, 2.0]);
  assert.deepEqual(sw.sectorWeights(w, s, 2, 3), want);
  // A view into the middle of a larger buffer must be read from its own start.
  const big = new Float64Array(16).fill(1e6);
  big.set(w, 5);
  const bigS = new Int32Array(20).fill(7);
  bigS.set(s, 3);
  const out = new Float64Array(6).fill(-1);
  const ret = sw.sectorWeights(big.subarray(5, 13), bigS.subarray(3, 11), 2, 3, out);
  assert.equal(ret, out);
  assert.deepEqual(out, want);
  // Empty work is valid.
  assert.deepEqual(sw.sectorWeights(new Float64Array(0), new Int32Array(0), 0, 18), new Float64Array(0));
  assert.deepEqual(sw.sectorWeights([], [], 2, 3), new Float64Array(6));
});

test('ragged portfolios, normalisation and exposures equal the reference', () => {
  const { weights, sectors } = exactData(1, 9000, 18, 2);
  const offsets = BigInt64Array.from([0n, 10n, 10n, 4000n, 9000n]);
  assert.deepEqual(sw.sectorWeightsRagged(weights, sectors, offsets, 18), reference(weights, sectors, offsets, 18));
  const values = Float64Array.from({ length: weights.length }, (_, i) => (i % 7) * 0.25);
  assert.deepEqual(
    sw.sectorExposures(weights, values, sectors, [0, 10, 10, 4000, 9000], 18),
    reference(weights, sectors, offsets, 18, values),
  );
  const positive = weights.map((x) => Math.abs(x) + 1);
  const rows = sw.sectorWeightsRagged(positive, sectors, [0, 10, 4000, 9000], 18, { normalize: true });
  for (let p = 0; p < 3; p++) {
    const total = rows.subarray(p * 18, (p + 1) * 18).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(total - 1) < 1e-12, `row ${p} sums to ${total}`);
  }
});

test('results are bit-identical for every thread count', () => {
  const { weights, sectors } = exactData(9, 20000, 18, 3);
  const r = rng(9);
  const noisy = weights.map((x) => x + r()); // inexact sums: order would show
  sw.setNumThreads(1);
  assert.equal(sw.numThreads(), 1);
  const one = sw.sectorWeights(noisy, sectors, 9, 18);
  sw.setNumThreads(2);
  const two = sw.sectorWeights(noisy, sectors, 9, 18);
  sw.setNumThreads(0);
  assert.deepEqual(two, one);
});

test('a bad sector code is a SectorWeightsError with the library message; output untouched', () => {
  const { weights, sectors } = exactData(5, 2000, 18, 4);
  const bad = Int32Array.from(sectors);
  bad[3 * 2000 + 1043] = 25;
  const out = new Float64Array(5 * 18).fill(42);
  assert.throws(
    () => sw.sectorWeights(weights, bad, 5, 18, out),
    (err) => {
      assert.ok(err instanceof sw.SectorWeightsError);
      assert.equal(err.status, 4);
      assert.equal(err.code, 'SW_ERROR_SECTOR_OUT_OF_RANGE');
      assert.equal(err.message, 'sector code 25 at bond 1043 of portfolio 3 is outside 0..18');
      return true;
    },
  );
  assert.deepEqual(out, new Float64Array(5 * 18).fill(42));
  assert.equal(sw.lastErrorMessage(), 'sector code 25 at bond 1043 of portfolio 3 is outside 0..18');
});

test('other bad inputs: NaN, wrong lengths, bad offsets, zero totals, non-integer codes', () => {
  const expectCode = (fn, code, pattern) =>
    assert.throws(fn, (err) => err instanceof sw.SectorWeightsError && err.code === code && pattern.test(err.message));
  expectCode(() => sw.sectorWeights([1, NaN], [0, 0], 1, 1), 'SW_ERROR_NON_FINITE', /not finite/);
  expectCode(() => sw.sectorWeights([1, 2, 3], [0, 0], 1, 1), 'SW_ERROR_LENGTH_MISMATCH', /sectors/);
  expectCode(() => sw.sectorWeights([1, 2], [0, 0], 1, 1, new Float64Array(3)), 'SW_ERROR_LENGTH_MISMATCH', /out/);
  expectCode(() => sw.sectorWeightsRagged([1, 2], [0, 0], [0, 2, 1], 1), 'SW_ERROR_BAD_OFFSETS', /offsets/);
  expectCode(() => sw.sectorWeightsRagged([1, 2], [0, 0], [0, 0, 2], 1, { normalize: true }), 'SW_ERROR_ZERO_TOTAL', /portfolio 0/);
  expectCode(() => sw.setNumThreads(100000), 'SW_ERROR_INVALID_ARGUMENT', /100000/);
  // Caught in JavaScript before the call: never truncated silently.
  assert.throws(() => sw.sectorWeights([1], [0.5], 1, 1), { name: 'TypeError', message: /sectors\[0\] = 0.5/ });
  assert.throws(() => sw.sectorWeights([1], [0], -1, 1), { name: 'TypeError', message: /numPortfolios/ });
  // After a success the detail is empty again.
  sw.sectorWeights([1], [0], 1, 1);
  assert.equal(sw.lastErrorMessage(), '');
});
