// Runs ONNX Runtime (single thread, all graph optimisations) on every model in a folder
// that has NAME.io.json + NAME.inputs.bin, and writes NAME.ort_outputs.bin: the output
// for each input sample, raw little-endian float32, one after another.
//
//   cd tools/ort && npm install --ignore-scripts && node make_references.js ../../models
//
// A developer tool: the committed reference files are what the tests read.
'use strict';
const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');

async function makeReferences(folder, manifestName) {
  const manifest = JSON.parse(fs.readFileSync(path.join(folder, manifestName), 'utf8'));
  const name = manifestName.replace(/\.io\.json$/, '');
  const session = await ort.InferenceSession.create(path.join(folder, manifest.model), {
    intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all',
  });
  const inputBytes = fs.readFileSync(path.join(folder, name + '.inputs.bin'));
  const all = new Float32Array(inputBytes.buffer, inputBytes.byteOffset, inputBytes.length / 4);
  const perSample = manifest.input.shape.reduce((a, b) => a * b, 1);
  const outputs = [];
  for (let s = 0; s < manifest.samples; ++s) {
    const data = all.slice(s * perSample, (s + 1) * perSample);
    const feeds = { [manifest.input.name]: new ort.Tensor('float32', data, manifest.input.shape) };
    const result = await session.run(feeds);
    outputs.push(Buffer.from(result[manifest.output.name].data.buffer.slice(0)));
  }
  fs.writeFileSync(path.join(folder, name + '.ort_outputs.bin'), Buffer.concat(outputs));
  console.log(`${name}: ${manifest.samples} samples, onnxruntime ${require('onnxruntime-node/package.json').version}`);
}

async function main() {
  const folder = process.argv[2] || path.join(__dirname, '..', '..', 'models');
  for (const file of fs.readdirSync(folder).sort()) {
    if (file.endsWith('.io.json')) await makeReferences(folder, file);
  }
}

main().catch((error) => { console.error(error); process.exit(1); });
