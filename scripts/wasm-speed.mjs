// Time per inference of web_digits.wasm modules under Node (V8, as in
// Chromium): `node scripts/wasm-speed.mjs A.wasm [B.wasm ...]`. A measurement,
// not a test: the machine is shared and the figures vary from run to run.
import { readFileSync } from "node:fs";

for (const path of process.argv.slice(2)) {
  const { instance } = await WebAssembly.instantiate(readFileSync(path), {});
  const model = instance.exports;
  for (let i = 0; i < 784; i++) model.set_pixel(i, ((i * 7919) % 255) / 255);
  // The float32 model, then the int8 one (the page's switch).
  for (const [int8, name] of [[0, "float32"], [1, "int8"]]) {
    model.use_int8(int8);
    for (let i = 0; i < 50; i++) model.classify();
    const runs = 500;
    const start = performance.now();
    for (let i = 0; i < runs; i++) model.classify();
    const micros = ((performance.now() - start) / runs) * 1000;
    console.log(`${path}: ${name}: ${micros.toFixed(0)} µs per inference`);
  }
}
