// The benchmark: modelc's generated code against ONNX Runtime, measured side by side in
// one run on this machine, single-threaded.
//
//   node benchmark.js --modelc PATH --work DIR [--runs N] MODEL_DIR...
//
// For every NAME.onnx in the folders with an input file (NAME.input.bin, or the first
// sample of NAME.inputs.bin; for NAME_int8.onnx, NAME's input beside it or in
// ../shared/models, where the int8 networks of tests/data/int8 come from): compile it with modelc (timed), link the object into
// tools/benchmark/run_model.c, time it (warm-up, then N runs: median, p10, p90), time
// ONNX Runtime on the same input (intra-op threads 1, all graph optimisations), and
// check both outputs agree. ORT's fixed per-call cost is measured on a one-Identity
// model and also reported subtracted. GFLOP/s use the report's MAC count against the
// measured single-core FMA peak (the best of three measurements). Prints a table and
// writes DIR/benchmark.json.
// On a shared machine the speed of the core drifts by up to 2x within seconds, so each
// model is timed in ROUNDS rounds that alternate modelc and ORT (and ORT's one-node
// model), each round a share of the runs; every figure is the median over the rounds of
// that round's statistic, so both sides see the same conditions.
// Timings are for people to read: nothing here passes or fails on a time.
'use strict';
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');
const ort = require('onnxruntime-node');

const root = path.join(__dirname, '..', '..');
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  if (at < 0) return fallback;
  const value = args[at + 1];
  args.splice(at, 2);
  return value;
};
const modelc = path.resolve(option('--modelc', path.join(root, 'build', 'modelc')));
const work = path.resolve(option('--work', path.join(root, 'build', 'benchmark')));
const runs = Number(option('--runs', '2000'));
const rounds = Number(option('--rounds', '5'));
const shared = path.join(root, '..', 'shared', 'models');
const folders = args.length ? args : [path.join(root, 'build', 'benchmark', 'generated'), shared,
                                      path.join(root, 'models'), path.join(root, 'tests', 'data', 'int8')];

function percentiles(times) {
  const sorted = [...times].sort((a, b) => a - b);
  return { median_us: sorted[Math.floor(sorted.length / 2)], p10_us: sorted[Math.floor(sorted.length / 10)],
           p90_us: sorted[Math.floor(sorted.length * 9 / 10)] };
}

function medianOfRounds(results) {
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  return { median_us: median(results.map((r) => r.median_us)), p10_us: median(results.map((r) => r.p10_us)),
           p90_us: median(results.map((r) => r.p90_us)) };
}

async function ortSession(modelPath) {
  return ort.InferenceSession.create(modelPath, { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
}

// One round of ORT timing: warm-up, then `count` timed runs.
async function timeOrt(session, feeds, count) {
  let result;
  for (let i = 0; i < count / 10 + 10; ++i) result = await session.run(feeds);
  const times = [];
  for (let i = 0; i < count; ++i) {
    const start = process.hrtime.bigint();
    result = await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  return { ...percentiles(times), output: result[session.outputNames[0]].data };
}

function findInput(folder, name) {
  for (const file of [`${name}.input.bin`, `${name}.inputs.bin`]) {
    if (fs.existsSync(path.join(folder, file))) return path.join(folder, file);
  }
  // An int8 model takes its float model's input: beside it (models/digits_*_int8), or
  // in ../shared (the networks of tests/data/int8 were quantised from those).
  if (!name.endsWith('_int8')) return null;
  const float = name.slice(0, -'_int8'.length);
  return findInput(folder, float) || (folder !== shared ? findInput(shared, float) : null);
}

async function main() {
  fs.mkdirSync(work, { recursive: true });
  execFileSync('cc', ['-O2', '-march=native', '-ffp-contract=fast', path.join(root, 'tools/benchmark/fma_peak.c'),
                      '-o', path.join(work, 'fma_peak')]);
  let peak = 0;
  for (let i = 0; i < 3; ++i) peak = Math.max(peak, JSON.parse(execFileSync(path.join(work, 'fma_peak')).toString()).gflops);
  const identitySession = await ortSession(path.join(root, 'tools/benchmark/identity.onnx'));
  const identityFeeds = { x: new ort.Tensor('float32', new Float32Array([1]), [1, 1]) };
  const overheads = [];
  const rows = [];
  for (const folder of folders) {
    if (!fs.existsSync(folder)) continue;
    for (const file of fs.readdirSync(folder).sort()) {
      if (!file.endsWith('.onnx')) continue;
      const name = file.replace(/\.onnx$/, '');
      const input = findInput(folder, name);
      if (!input) continue;
      const modelPath = path.join(folder, file);
      const out = path.join(work, name);
      fs.mkdirSync(out, { recursive: true });
      const compileStart = process.hrtime.bigint();
      execFileSync(modelc, ['compile', modelPath, '--name', 'bench', '-o', out]);
      const compileSeconds = Number(process.hrtime.bigint() - compileStart) / 1e9;
      const report = fs.readFileSync(path.join(out, 'bench.report.txt'), 'utf8');
      const macs = Number(/^MACs:\s+(\d+)/m.exec(report)[1]);
      const flash = /^flash:\s+(\d+) bytes \(code (\d+), read-only data (\d+)/m.exec(report);
      const runner = path.join(out, 'run_model');
      execFileSync('cc', ['-O2', `-I${path.join(root, 'include')}`, '-DMODEL_INFO=bench_model_info',
                          path.join(root, 'tools/benchmark/run_model.c'), path.join(out, 'bench.o'), '-o', runner]);
      const outputFile = path.join(out, 'modelc_output.bin');
      const session = await ortSession(modelPath);
      const inputName = session.inputNames[0];
      const info = execFileSync(modelc, ['compile', modelPath, '--name', 'probe', '-o', out, '--dump-ir']).toString();
      const shape = JSON.parse('[' + new RegExp(`%${inputName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: float32\\[([0-9,]*)\\]`).exec(info)[1] + ']');
      const count = shape.reduce((a, b) => a * b, 1);
      const bytes = fs.readFileSync(input);
      const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + count * 4));
      const feeds = { [inputName]: new ort.Tensor('float32', data, shape) };
      const mineRounds = [], theirRounds = [];
      let theirs;
      const perRound = Math.max(10, Math.round(runs / rounds));
      for (let round = 0; round < rounds; ++round) {
        mineRounds.push(JSON.parse(execFileSync(runner, [input, outputFile, String(perRound)]).toString()));
        theirs = await timeOrt(session, feeds, perRound);
        theirRounds.push(theirs);
        overheads.push(await timeOrt(identitySession, identityFeeds, perRound));
      }
      const mine = { ...medianOfRounds(mineRounds), runs: perRound * rounds };
      theirs = { ...medianOfRounds(theirRounds), output: theirs.output };
      const written = fs.readFileSync(outputFile);  // a view into a pooled buffer: mind the offset
      const ours = new Float32Array(written.buffer.slice(written.byteOffset, written.byteOffset + written.length));
      let difference = 0;
      for (let i = 0; i < ours.length; ++i) difference = Math.max(difference, Math.abs(ours[i] - theirs.output[i]));
      rows.push({
        model: name, modelc: mine, ort: { median_us: theirs.median_us, p10_us: theirs.p10_us, p90_us: theirs.p90_us },
        macs, gflops: (2 * macs) / (mine.median_us * 1e3), peak_fraction: (2 * macs) / (mine.median_us * 1e3) / peak,
        compile_seconds: compileSeconds, text_bytes: flash ? Number(flash[2]) : null,
        rodata_bytes: flash ? Number(flash[3]) : null, max_abs_difference: difference,
      });
    }
  }
  // ORT's per-call cost: the one-node model, timed in the same rounds as the models.
  const overhead = medianOfRounds(overheads).median_us;
  for (const r of rows) {
    r.ort_minus_overhead_us = r.ort.median_us - overhead;
    r.speedup_vs_ort = r.ort.median_us / r.modelc.median_us;
    r.speedup_vs_ort_minus_overhead = r.ort_minus_overhead_us / r.modelc.median_us;
  }
  const result = { date: new Date().toISOString(), runs, rounds, fma_peak_gflops: peak, ort_overhead_us: overhead,
                   onnxruntime: require('onnxruntime-node/package.json').version, models: rows };
  fs.writeFileSync(path.join(work, 'benchmark.json'), JSON.stringify(result, null, 1) + '\n');
  const f = (x, digits = 1) => x.toFixed(digits).padStart(8);
  console.log(`single-core FMA peak ${peak.toFixed(1)} GFLOP/s; ORT per-call overhead ${overhead.toFixed(1)} us; ` +
              `${runs} runs each in ${rounds} alternating rounds`);
  console.log('model                  modelc us (p10-p90)      ORT us  ORT-ovh   x ORT  x ORT-ovh  GFLOP/s  %peak  compile s   .text  .rodata  max|diff|');
  for (const r of rows) {
    console.log(`${r.model.padEnd(22)} ${f(r.modelc.median_us)} (${r.modelc.p10_us.toFixed(1)}-${r.modelc.p90_us.toFixed(1)})`.padEnd(48) +
                `${f(r.ort.median_us)} ${f(r.ort_minus_overhead_us)} ${f(r.speedup_vs_ort, 2)} ${f(r.speedup_vs_ort_minus_overhead, 2)}` +
                ` ${f(r.gflops)} ${f(100 * r.peak_fraction)} ${f(r.compile_seconds, 2)} ${String(r.text_bytes).padStart(7)} ${String(r.rodata_bytes).padStart(8)}  ${r.max_abs_difference.toExponential(1)}`);
  }
  console.log(`written: ${path.join(work, 'benchmark.json')}`);
}

main().catch((error) => { console.error(error); process.exit(1); });
