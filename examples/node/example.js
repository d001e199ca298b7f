'use strict';
// `npm run example`: the article's experiment from Node.js, 20 ETF portfolios x 50,000 bonds x
// 18 sectors, then one bad input reported as an error instead of corrupting memory.
const sw = require('./sector_weights');

const P = 20, B = 50000, K = 18;
const weights = new Float64Array(P * B);
const sectors = new Int32Array(P * B);
for (let p = 0; p < P; p++) {
  let total = 0;
  for (let i = p * B; i < (p + 1) * B; i++) {
    weights[i] = Math.random();
    sectors[i] = Math.floor(Math.random() * K);
    total += weights[i];
  }
  for (let i = p * B; i < (p + 1) * B; i++) weights[i] /= total;
}

const t0 = process.hrtime.bigint();
const result = sw.sectorWeights(weights, sectors, P, K);
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
console.log(`sector_weights ${sw.version()} (${sw.libraryPath}), ${sw.numThreads()} threads`);
console.log(`${P} portfolios x ${B} bonds x ${K} sectors in ${ms.toFixed(2)} ms (one call, first call included)`);
console.log('portfolio 0:', Array.from(result.subarray(0, K), (x) => x.toFixed(4)).join(' '));

sectors[7 * B + 1043] = 25;
try {
  sw.sectorWeights(weights, sectors, P, K);
} catch (err) {
  console.log(`bad input -> ${err.code}: ${err.message}`);
}
