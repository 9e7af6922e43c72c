// The page: a canvas to draw on, the 28x28 image the model sees, the ten
// probabilities. The model is web_digits.wasm (Rust, weights inside); it
// exports set_pixel, clear, classify, probability, weight_bytes and use_int8
// (the switch between the float32 model and TensorFlow Lite's int8 one).
"use strict";

const pad = document.getElementById("pad");
const ink = pad.getContext("2d", { willReadFrequently: true });
const seen = document.getElementById("seen");
const seenContext = seen.getContext("2d");
const bars = document.getElementById("bars");
let model = null;
let moduleBytes = 0;
let drawing = false;
let pending = false;

function clearPad() {
  ink.fillStyle = "#000";
  ink.fillRect(0, 0, pad.width, pad.height);
}

// MNIST's preprocessing: the ink's bounding box scaled to fit 20x20 (aspect
// kept), placed in 28x28 so that its centre of mass is at the centre.
function mnistInput() {
  const { data, width, height } = ink.getImageData(0, 0, pad.width, pad.height);
  let top = height, left = width, bottom = -1, right = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (data[(y * width + x) * 4] > 25) {
        top = Math.min(top, y); bottom = Math.max(bottom, y);
        left = Math.min(left, x); right = Math.max(right, x);
      }
    }
  }
  const pixels = new Float32Array(28 * 28);
  if (bottom < 0) return pixels;
  const w = right - left + 1, h = bottom - top + 1;
  const scale = 20 / Math.max(w, h);
  const box = document.createElement("canvas");
  box.width = 28; box.height = 28;
  const boxContext = box.getContext("2d", { willReadFrequently: true });
  const place = (dx, dy) => {
    boxContext.fillStyle = "#000";
    boxContext.fillRect(0, 0, 28, 28);
    boxContext.imageSmoothingEnabled = true;
    boxContext.imageSmoothingQuality = "high";
    boxContext.drawImage(pad, left, top, w, h, dx, dy, w * scale, h * scale);
    return boxContext.getImageData(0, 0, 28, 28).data;
  };
  let small = place((28 - w * scale) / 2, (28 - h * scale) / 2);
  let mass = 0, cx = 0, cy = 0;
  for (let i = 0; i < 28 * 28; i++) {
    const v = small[i * 4];
    mass += v; cx += v * (i % 28); cy += v * Math.floor(i / 28);
  }
  if (mass > 0) {
    const shiftX = 13.5 - cx / mass, shiftY = 13.5 - cy / mass;
    small = place((28 - w * scale) / 2 + shiftX, (28 - h * scale) / 2 + shiftY);
  }
  for (let i = 0; i < 28 * 28; i++) pixels[i] = small[i * 4] / 255;
  return pixels;
}

function showInput(pixels) {
  const image = seenContext.createImageData(28, 28);
  for (let i = 0; i < 28 * 28; i++) {
    const v = Math.round(pixels[i] * 255);
    image.data.set([v, v, v, 255], i * 4);
  }
  seenContext.putImageData(image, 0, 0);
}

function classifyNow() {
  pending = false;
  if (!model) return;
  const pixels = mnistInput();
  showInput(pixels);
  model.clear();
  for (let i = 0; i < pixels.length; i++) {
    if (pixels[i] > 0) model.set_pixel(i, pixels[i]);
  }
  // Browsers round timers to 0.1 ms or so: time a few runs.
  const runs = 5;
  const start = performance.now();
  let digit = 0;
  for (let run = 0; run < runs; run++) digit = model.classify();
  const elapsed = (performance.now() - start) / runs;
  // 10: no digit (the model's answer is NaN).
  document.getElementById("digit").textContent = digit > 9 ? "?" : String(digit);
  document.getElementById("time").textContent =
    elapsed < 1 ? `${(elapsed * 1000).toFixed(0)} µs` : `${elapsed.toFixed(2)} ms`;
  bars.querySelectorAll("li").forEach((li, d) => {
    const p = model.probability(d);
    li.classList.toggle("best", d === digit);
    li.querySelector(".bar").style.width = `${Math.max(p * 14, 0.1)}rem`;
    li.querySelector(".value").textContent = p.toFixed(3);
  });
  document.body.dataset.digit = String(digit);
}

function classifySoon() {
  if (!pending) {
    pending = true;
    requestAnimationFrame(classifyNow);
  }
}

function point(event) {
  const r = pad.getBoundingClientRect();
  return [(event.clientX - r.left) * pad.width / r.width,
          (event.clientY - r.top) * pad.height / r.height];
}

pad.addEventListener("pointerdown", (event) => {
  drawing = true;
  try {
    pad.setPointerCapture(event.pointerId);
  } catch {
    // Synthetic or already released pointers cannot be captured: draw anyway.
  }
  const [x, y] = point(event);
  ink.beginPath();
  ink.moveTo(x, y);
  ink.lineTo(x + 0.01, y);
  ink.stroke();
  classifySoon();
});
pad.addEventListener("pointermove", (event) => {
  if (!drawing) return;
  const [x, y] = point(event);
  ink.lineTo(x, y);
  ink.stroke();
  classifySoon();
});
for (const end of ["pointerup", "pointercancel", "pointerleave"]) {
  pad.addEventListener(end, () => { drawing = false; });
}

document.getElementById("clear").addEventListener("click", () => {
  clearPad();
  document.getElementById("keras").textContent = "";
  classifySoon();
});

function drawSample(sample) {
  clearPad();
  const cell = pad.width / 28;
  for (let i = 0; i < 28 * 28; i++) {
    const v = sample.pixels[i];
    if (v > 0) {
      ink.fillStyle = `rgb(${v},${v},${v})`;
      ink.fillRect((i % 28) * cell, Math.floor(i / 28) * cell, cell, cell);
    }
  }
  document.getElementById("keras").textContent =
    `A real MNIST digit (label ${sample.label}); Keras says ${sample.keras} ` +
    `(${sample.probability.toFixed(3)}).`;
  classifySoon();
}

function showSize() {
  document.getElementById("size").textContent =
    `${(moduleBytes / 1024).toFixed(0)} KiB, both models (this one's weights: ` +
    `${(model.weight_bytes() / 1024).toFixed(0)} KiB)`;
}

async function start() {
  ink.lineWidth = 20;
  ink.lineCap = "round";
  ink.lineJoin = "round";
  ink.strokeStyle = "#fff";
  clearPad();
  for (let d = 0; d < 10; d++) {
    const li = document.createElement("li");
    li.innerHTML = `<span class="label">${d}</span><span class="bar"></span><span class="value"></span>`;
    bars.appendChild(li);
  }
  const bytes = await (await fetch("web_digits.wasm")).arrayBuffer();
  const { instance } = await WebAssembly.instantiate(bytes, {});
  model = instance.exports;
  moduleBytes = bytes.byteLength;
  showSize();
  document.querySelectorAll('input[name="precision"]').forEach((input) => {
    input.addEventListener("change", () => {
      model.use_int8(input.value === "int8" ? 1 : 0);
      document.body.dataset.precision = input.value;
      showSize();
      classifySoon();
    });
  });
  const samples = await (await fetch("digits.json")).json();
  const holder = document.getElementById("samples");
  samples.forEach((sample) => {
    const button = document.createElement("button");
    button.textContent = String(sample.label);
    button.title = `a real ${sample.label} from the held-out MNIST digits`;
    button.addEventListener("click", () => drawSample(sample));
    holder.appendChild(button);
  });
  classifyNow();
  document.body.dataset.ready = "true";
}

start().catch((error) => {
  console.error(error);
  document.getElementById("digit").textContent = "error";
});
