// The lif-sim dashboard. Controls are built from /api/meta; every valid change posts the
// run config to /api/simulate (the server runs it in f32 and in I16F16 on lif-core) and the
// plots are redrawn from the answer. The Network tab lists /api/networks, and its Run button
// posts one to /api/network (the server runs it as `lif-sim network` does); the raster and
// the population rates are drawn from the answer. Nothing is computed here but the drawing.
'use strict';
(function () {
  const $ = (id) => document.getElementById(id);
  const COLORS = ['#1f6feb', '#d1495b', '#2a9d8f', '#e9a23b', '#6a4c93', '#8ab17d', '#ff7f50', '#455a64'];
  const SCALAR_LABEL = { f32: 'f32', i16f16: 'I16F16 (fixed point)' };

  // What the end-to-end test (and a curious user, from the console) can read.
  const dash = (window.lifDashboard = {
    ready: false,
    updates: 0,
    requests: 0,
    refused: 0,
    lastRequest: null,
    lastResponse: null,
    plots: {},
    // The Network tab: runs answered, the last request and answer, raster dots drawn (null
    // until the last answer's raster is drawn).
    net: { runs: 0, refused: 0, lastRequest: null, lastResponse: null, drawn: 0, ratePlot: null },
  });

  const st = { meta: null, model: null, fields: {}, inFlight: false, pending: false, timer: null };
  const net = { list: null, fields: {}, inFlight: false };

  // ---- controls ------------------------------------------------------------------------

  function fmt(v) {
    if (typeof v !== 'number') return String(v);
    return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
  }

  function parseNumber(text, o) {
    const t = text.trim();
    if (t === '') return { error: 'enter a number' };
    if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return { error: `"${t}" is not a number` };
    const v = Number(t);
    if (!Number.isFinite(v)) return { error: `${t} is too large` };
    if (o.integer && !Number.isInteger(v)) return { error: 'must be a whole number' };
    if (v < o.min || v > o.max) return { error: `must be between ${fmt(o.min)} and ${fmt(o.max)}` };
    return { value: v };
  }

  function fieldBox(container, key, label) {
    const div = document.createElement('div');
    div.className = 'field';
    div.dataset.key = key;
    const lab = document.createElement('label');
    lab.textContent = label;
    div.appendChild(lab);
    container.appendChild(div);
    return div;
  }

  function setFieldError(f, message) {
    f.div.classList.toggle('invalid', !!message);
    f.msg.textContent = message || '';
    f.ok = !message;
  }

  // A number: a slider (when it has a range) and a box to type into. A typed value is
  // checked here and refused with a message; only valid values reach the server. The field
  // belongs to `o.fields` (default: the population's), calls `o.onChange` (default: rerun)
  // and shows refusals in banner `o.banner`.
  function numberField(container, key, label, o) {
    const fields = o.fields || st.fields;
    const onChange = o.onChange || changed;
    const banner = o.banner || 'banner';
    const div = fieldBox(container, key, label);
    const id = 'f-' + key.replace(/[^a-z0-9]+/gi, '-');
    const row = document.createElement('div');
    row.className = 'row';
    div.appendChild(row);
    const f = { div, key, kind: 'number', ok: true, value: o.value, o };
    if (o.slider !== false) {
      f.range = document.createElement('input');
      f.range.type = 'range';
      f.range.id = id;
      f.range.min = o.min;
      f.range.max = o.max;
      f.range.step = o.step || 'any';
      f.range.value = o.value;
      f.range.addEventListener('input', () => {
        f.value = Number(f.range.value);
        f.text.value = fmt(f.value);
        setFieldError(f, null);
        onChange();
      });
      row.appendChild(f.range);
    }
    f.text = document.createElement('input');
    f.text.type = 'text';
    f.text.id = id + '-text';
    f.text.inputMode = 'decimal';
    f.text.autocomplete = 'off';
    f.text.value = fmt(o.value);
    f.text.setAttribute('aria-label', label);
    row.appendChild(f.text);
    div.querySelector('label').htmlFor = f.text.id;
    f.text.addEventListener('change', () => {
      const r = parseNumber(f.text.value, o);
      if (r.error) {
        setFieldError(f, `${label}: ${r.error}`);
        if (fields === st.fields) dash.refused += 1;
        else dash.net.refused += 1;
        showBanner(`Refused: ${label} ${r.error}. The plots show the last valid settings.`, banner);
        return;
      }
      f.value = r.value;
      if (f.range) f.range.value = r.value;
      setFieldError(f, null);
      onChange();
    });
    f.msg = document.createElement('div');
    f.msg.className = 'msg';
    div.appendChild(f.msg);
    f.get = () => f.value;
    f.set = (v) => {
      f.value = v;
      f.text.value = fmt(v);
      if (f.range) f.range.value = v;
      setFieldError(f, null);
    };
    fields[key] = f;
    return f;
  }

  function boolField(container, key, label, value) {
    const div = fieldBox(container, key, '');
    div.classList.add('check');
    const lab = div.querySelector('label');
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.id = 'f-' + key.replace(/[^a-z0-9]+/gi, '-');
    box.checked = !!value;
    lab.appendChild(box);
    lab.appendChild(document.createTextNode(label));
    const f = { div, key, kind: 'bool', ok: true, get: () => box.checked, set: (v) => (box.checked = !!v) };
    f.msg = document.createElement('div');
    f.msg.className = 'msg';
    div.appendChild(f.msg);
    box.addEventListener('change', () => {
      changed();
      if (key === 'params.neuromodulation') buildModulation();
    });
    st.fields[key] = f;
    return f;
  }

  function choiceField(container, key, label, choices, value) {
    const div = fieldBox(container, key, label);
    const sel = document.createElement('select');
    sel.id = 'f-' + key.replace(/[^a-z0-9]+/gi, '-');
    div.querySelector('label').htmlFor = sel.id;
    for (const c of choices) sel.add(new Option(c, c));
    sel.value = value;
    div.appendChild(sel);
    const f = { div, key, kind: 'choice', ok: true, get: () => sel.value, set: (v) => (sel.value = v) };
    f.msg = document.createElement('div');
    f.msg.className = 'msg';
    div.appendChild(f.msg);
    sel.addEventListener('change', () => {
      changed();
      if (key === 'modulation.kind') buildModulation();
    });
    st.fields[key] = f;
    return f;
  }

  function dropFields(prefix) {
    for (const k of Object.keys(st.fields)) if (k.startsWith(prefix)) delete st.fields[k];
  }

  function modelMeta() {
    return st.meta.models.find((m) => m.name === $('model').value);
  }

  function buildParams(values) {
    const m = modelMeta();
    const box = $('param-fields');
    box.innerHTML = '';
    dropFields('params.');
    for (const p of m.params) {
      const key = 'params.' + p.name;
      const v = values && p.name in values ? values[p.name] : p.default;
      if (p.kind === 'bool') boolField(box, key, p.name, v);
      else if (p.kind === 'choice') choiceField(box, key, p.name, p.choices, v);
      else if (p.min !== undefined) numberField(box, key, p.name, { min: p.min, max: p.max, step: p.step, value: v, integer: p.integer });
      else numberField(box, key, p.name, { min: -1e9, max: 1e9, value: v, slider: false });
    }
    $('mode-field').hidden = !m.presets;
    buildModulation();
  }

  function buildInput(keep) {
    const m = modelMeta();
    const shape = $('shape').value;
    const box = $('input-fields');
    const old = {};
    for (const [k, f] of Object.entries(st.fields)) if (k.startsWith('input.') && f.ok) old[k] = f.get();
    box.innerHTML = '';
    dropFields('input.');
    const span = m.input.max - m.input.min;
    const prev = (k, d) => (keep && k in old ? old[k] : d);
    numberField(box, 'input.amplitude', shape === 'sine' ? 'amplitude (sine)' : 'amplitude', {
      min: m.input.min, max: m.input.max, step: span / 300, value: prev('input.amplitude', m.input.default),
    });
    if (shape === 'sine') {
      numberField(box, 'input.offset', 'offset', { min: -m.input.max, max: m.input.max, step: span / 300, value: prev('input.offset', m.input.default / 2) });
    }
    if (shape === 'sine' || shape === 'pulse') {
      numberField(box, 'input.period', 'period (steps)', { min: 2, max: 1000, step: 1, value: prev('input.period', shape === 'sine' ? 100 : 50), integer: true });
    }
    if (shape === 'pulse') {
      numberField(box, 'input.width', 'width (steps)', { min: 1, max: 1000, step: 1, value: prev('input.width', 10), integer: true });
    }
    if (shape === 'step' || shape === 'pulse') {
      numberField(box, 'input.start', 'start (step)', { min: 0, max: st.meta.limits.steps, step: 1, value: prev('input.start', 50), integer: true });
    }
    if (shape === 'poisson') {
      numberField(box, 'input.p', 'spike probability p', { min: 0, max: 1, step: 0.005, value: prev('input.p', 0.2) });
    }
    numberField(box, 'input.noise', 'noise (std per neuron-step)', { min: 0, max: span / 2, step: span / 600, value: prev('input.noise', span / 30) });
  }

  // The extended model's neuromodulation signal, shown when its switch is on.
  function buildModulation() {
    const box = $('modulation-fields');
    const f = st.fields['params.neuromodulation'];
    const on = f && f.get();
    const old = {};
    for (const [k, g] of Object.entries(st.fields)) if (k.startsWith('modulation.') && g.ok) old[k] = g.get();
    box.innerHTML = '';
    dropFields('modulation.');
    if (!on) return;
    const kind = old['modulation.kind'] || 'sine';
    choiceField(box, 'modulation.kind', 'modulation signal (through the transform)', ['sine', 'constant', 'pulse'], kind);
    numberField(box, 'modulation.amplitude', 'modulation amplitude', { min: -5, max: 5, step: 0.05, value: old['modulation.amplitude'] ?? 3 });
    if (kind !== 'constant') {
      numberField(box, 'modulation.period', 'modulation period (steps)', { min: 2, max: 1000, step: 1, value: old['modulation.period'] ?? 100, integer: true });
    }
  }

  function buildPopulation() {
    const box = $('population-fields');
    const L = st.meta.limits;
    numberField(box, 'neurons', 'neurons', { min: 1, max: L.neurons, step: 1, value: 100, integer: true });
    numberField(box, 'steps', 'time steps', { min: 10, max: L.steps, step: 10, value: 500, integer: true });
    numberField(box, 'record', 'membranes plotted', { min: 1, max: L.recorded, step: 1, value: 3, integer: true });
    numberField(box, 'seed', 'seed', { min: 0, max: 4294967295, step: 1, value: 1, integer: true });
  }

  // ---- the request -----------------------------------------------------------------------

  function value(k) {
    return st.fields[k].get();
  }

  function collect() {
    const bad = Object.values(st.fields).filter((f) => !f.ok);
    if (bad.length) {
      showBanner('Fix the highlighted field' + (bad.length > 1 ? 's' : '') + ': ' + bad.map((f) => f.msg.textContent).join('; '));
      return null;
    }
    const params = {};
    for (const [k, f] of Object.entries(st.fields)) if (k.startsWith('params.')) params[k.slice(7)] = f.get();
    const A = value('input.amplitude');
    const shape = $('shape').value;
    let input;
    if (shape === 'step') input = { kind: 'step', before: 0, after: A, at: value('input.start') };
    else if (shape === 'ramp') input = { kind: 'ramp', from: 0, to: A };
    else if (shape === 'pulse') input = { kind: 'pulse', amplitude: A, start: value('input.start'), width: value('input.width'), period: value('input.period') };
    else if (shape === 'sine') input = { kind: 'sine', amplitude: A, period: value('input.period'), offset: value('input.offset') };
    else if (shape === 'poisson') input = { kind: 'poisson', p: value('input.p'), amplitude: A };
    else input = { kind: 'constant', value: A };
    const n = value('neurons');
    const k = Math.min(value('record'), n);
    const req = {
      model: $('model').value,
      neurons: n,
      steps: value('steps'),
      seed: value('seed'),
      params,
      input,
      noise: value('input.noise'),
      record: { neurons: Array.from({ length: k }, (_, i) => i) },
    };
    if (st.fields['modulation.kind']) {
      const kind = value('modulation.kind');
      const amp = value('modulation.amplitude');
      if (kind === 'constant') req.modulation = { kind: 'constant', value: amp };
      else if (kind === 'sine') req.modulation = { kind: 'sine', amplitude: amp, period: value('modulation.period'), offset: 0 };
      else {
        const p = value('modulation.period');
        req.modulation = { kind: 'pulse', amplitude: amp, start: 0, width: Math.max(1, Math.floor(p / 2)), period: p };
      }
    }
    return req;
  }

  function changed() {
    clearTimeout(st.timer);
    st.timer = setTimeout(send, 40);
  }

  async function send() {
    if (st.inFlight) {
      st.pending = true;
      return;
    }
    const req = collect();
    if (!req) return;
    st.inFlight = true;
    setStatus('running…', true);
    dash.requests += 1;
    try {
      const res = await fetch('/api/simulate', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(req),
      });
      const body = await res.json().catch(() => ({ error: `the server answered ${res.status} without JSON` }));
      if (!res.ok) {
        showBanner('The server refused these settings: ' + (body.error || res.status) + '\nThe plots still show the last settings that ran.');
        markServerError(body.error || '');
        setStatus('refused');
      } else {
        hideBanner();
        dash.lastRequest = req;
        dash.lastResponse = body;
        render();
        dash.updates += 1;
        dash.ready = true;
        setStatus(`updated (${dash.updates})`);
      }
    } catch (e) {
      showBanner('Cannot reach the lif-sim server: ' + e.message);
      setStatus('offline');
    } finally {
      st.inFlight = false;
      if (st.pending) {
        st.pending = false;
        send();
      }
    }
  }

  // A server message names its field first ("neurons: ...", "params: parameter `tau` = ...").
  function markServerError(message) {
    const p = /parameter `(\w+)`/.exec(message);
    let key = p ? 'params.' + p[1] : message.split(':')[0].trim();
    if (key === 'input.after' || key === 'input.to' || key === 'input.value') key = 'input.amplitude';
    const f = st.fields[key];
    if (f) {
      f.div.classList.add('invalid');
      f.msg.textContent = message;
    }
  }

  function showBanner(text, id) {
    const b = $(id || 'banner');
    b.textContent = text;
    b.hidden = false;
  }

  function hideBanner(id, fields) {
    $(id || 'banner').hidden = true;
    for (const f of Object.values(fields || st.fields)) if (f.ok && f.msg) {
      f.div.classList.remove('invalid');
      f.msg.textContent = '';
    }
  }

  function setStatus(text, busy) {
    const s = $('status');
    s.textContent = text;
    s.classList.toggle('busy', !!busy);
  }

  // ---- drawing -----------------------------------------------------------------------------

  function decodeSpikes(run) {
    const bin = atob(run.spikes);
    const view = new DataView(new ArrayBuffer(bin.length));
    for (let i = 0; i < bin.length; i++) view.setUint8(i, bin.charCodeAt(i));
    const words = new Uint32Array(bin.length / 4);
    for (let i = 0; i < words.length; i++) words[i] = view.getUint32(4 * i, true);
    return words;
  }

  function spiked(words, W, t, i) {
    return (words[t * W + (i >>> 5)] >>> (i & 31)) & 1;
  }

  function steps(n) {
    return Array.from({ length: n }, (_, t) => t);
  }

  function plot(name, parent, opts, data) {
    const div = document.createElement('div');
    div.className = 'plot';
    parent.appendChild(div);
    const width = Math.max(260, parent.clientWidth - 4);
    const u = new uPlot(
      Object.assign({ width, height: 200, scales: { x: { time: false } }, legend: { live: false } }, opts),
      data,
      div,
    );
    dash.plots[name] = u;
    return u;
  }

  function axes(y, exp) {
    const yAxis = { label: y, size: exp ? 70 : 60 };
    if (exp) yAxis.values = (u, vals) => vals.map((v) => (v === 0 ? '0' : v.toExponential(1)));
    return [{ label: 'step' }, yAxis];
  }

  function membranePlot(name, parent, run) {
    const legend = document.createElement('div');
    legend.className = 'legend';
    legend.innerHTML =
      run.recorded.map((n, j) => `<span style="color:${COLORS[j % COLORS.length]}">■ neuron ${n}</span>`).join(' ') +
      ' <span class="muted">— membrane · - - threshold · ● spike</span>';
    parent.appendChild(legend);
    const T = run.steps;
    const W = run.words;
    const words = decodeSpikes(run);
    const data = [steps(T)];
    const series = [{ label: 'step' }];
    run.recorded.forEach((neuron, j) => {
      const c = COLORS[j % COLORS.length];
      const th = run.threshold[j];
      data.push(run.membrane[j]);
      series.push({ label: `V ${neuron}`, stroke: c, width: 1.25 });
      data.push(th);
      series.push({ label: `threshold ${neuron}`, stroke: c, dash: [5, 4], width: 1, alpha: 0.6 });
      data.push(steps(T).map((t) => (spiked(words, W, t, neuron) ? th[t] : null)));
      series.push({ label: `spikes ${neuron}`, stroke: c, fill: c, paths: () => null, points: { show: true, size: 6 } });
    });
    return plot(name, parent, { series, axes: axes('membrane'), legend: { show: false } }, data);
  }

  function raster(parent, run, title) {
    const box = document.createElement('div');
    box.className = 'raster-box';
    box.innerHTML = `<div class="raster-title">${title}</div>`;
    const canvas = document.createElement('canvas');
    canvas.className = 'raster';
    box.appendChild(canvas);
    const note = document.createElement('div');
    note.className = 'axis-note';
    note.innerHTML = `<span>step 0 · neuron 0 at top</span><span>neuron ${run.neurons - 1} at bottom · step ${run.steps - 1}</span>`;
    box.appendChild(note);
    parent.appendChild(box);
    const w = Math.max(200, Math.floor(canvas.clientWidth));
    const h = Math.max(80, Math.floor(canvas.clientHeight));
    canvas.width = w;
    canvas.height = h;
    const ctx = canvas.getContext('2d');
    const img = ctx.createImageData(w, h);
    img.data.fill(255);
    const words = decodeSpikes(run);
    const W = run.words;
    const bw = Math.max(1, Math.floor(w / run.steps));
    const bh = Math.max(1, Math.floor(h / run.neurons));
    for (let t = 0; t < run.steps; t++) {
      const x0 = Math.floor((t * w) / run.steps);
      for (let k = 0; k < W; k++) {
        let bits = words[t * W + k];
        while (bits) {
          const b = 31 - Math.clz32(bits & -bits);
          bits &= bits - 1;
          const i = k * 32 + b;
          const y0 = Math.floor((i * h) / run.neurons);
          for (let y = y0; y < Math.min(h, y0 + bh); y++) {
            for (let x = x0; x < Math.min(w, x0 + bw); x++) {
              const o = 4 * (y * w + x);
              img.data[o] = 20;
              img.data[o + 1] = 30;
              img.data[o + 2] = 50;
            }
          }
        }
      }
    }
    ctx.putImageData(img, 0, 0);
    return canvas;
  }

  function rateHistogram(name, parent, run) {
    const rates = run.summary.rate_per_step_by_neuron;
    // Bins over the rates' own span, so that a narrow spread is still resolved.
    let lo = Math.min(...rates);
    let hi = Math.max(...rates);
    if (hi - lo < 1e-12) {
      const pad = 0.05 * Math.max(hi, 0.01);
      lo = Math.max(0, lo - pad);
      hi += pad;
    }
    const bins = 20;
    const width = (hi - lo) / bins;
    const counts = new Array(bins).fill(0);
    for (const r of rates) counts[Math.min(bins - 1, Math.floor((r - lo) / width))] += 1;
    const x = counts.map((_, b) => lo + (b + 0.5) * width);
    return plot(
      name,
      parent,
      {
        title: 'firing rate per neuron (spikes per step)',
        height: 170,
        series: [{ label: 'rate' }, { label: 'neurons', stroke: '#455a64', fill: '#45648a55', paths: uPlot.paths.bars({ size: [0.9, 60] }), points: { show: false } }],
        axes: [{ label: 'spikes per step', values: (u, vals) => vals.map((v) => String(Number(v.toPrecision(3)))) }, { label: 'neurons', size: 50 }],
      },
      [x, counts],
    );
  }

  function movingAverage(xs, w) {
    const out = new Array(xs.length);
    let sum = 0;
    for (let i = 0; i < xs.length; i++) {
      sum += xs[i];
      if (i >= w) sum -= xs[i - w];
      out[i] = sum / Math.min(i + 1, w);
    }
    return out;
  }

  function clearPlots() {
    for (const u of Object.values(dash.plots)) u.destroy();
    dash.plots = {};
  }

  function render() {
    const body = dash.lastResponse;
    if (!body) return;
    clearPlots();
    const view = $('view').value;
    const runsBox = $('runs');
    runsBox.innerHTML = '';
    // Cards first, plots second: a plot takes its width from its card, so every card must be
    // laid out before the first plot is drawn.
    const cards = [];
    for (const scalar of st.meta.scalars) {
      if (view !== 'both' && view !== scalar) continue;
      const run = body.runs[scalar];
      const card = document.createElement('section');
      card.className = 'card';
      card.id = 'run-' + scalar;
      card.innerHTML = `<h2>${SCALAR_LABEL[scalar]}</h2>`;
      runsBox.appendChild(card);
      cards.push([scalar, run, card]);
    }
    for (const [scalar, run, card] of cards) {
      if (run.error) {
        card.insertAdjacentHTML('beforeend', '<p class="error"></p>');
        card.querySelector('.error').textContent = 'Did not run: ' + run.error;
        continue;
      }
      const s = run.summary;
      const stats = document.createElement('p');
      stats.className = 'stats';
      stats.textContent = `${s.spike_count} spikes · ${fmt(s.rate_per_step)} per neuron-step · ${s.backend} backend · ${fmt(s.wall_time_s * 1000)} ms`;
      card.appendChild(stats);
      membranePlot(scalar + '-membrane', card, run);
      raster(card, run, `raster: ${run.neurons} neurons × ${run.steps} steps`);
      rateHistogram(scalar + '-rates', card, run);
    }
    renderCompare(body);
  }

  function renderCompare(body) {
    const a = body.runs.f32;
    const b = body.runs.i16f16;
    const card = $('compare-card');
    for (const id of ['compare-plot', 'diff-plot', 'rate-plot']) $(id).innerHTML = '';
    const text = $('compare-text');
    if (a.error || b.error) {
      text.textContent = `No comparison: ${a.error ? 'f32' : 'I16F16'} did not run (${a.error || b.error}).`;
      return;
    }
    const c = body.compare;
    text.innerHTML =
      `Largest |V<sub>f32</sub> − V<sub>I16F16</sub>| among the plotted neurons: <b>${c.max_membrane_diff.toExponential(3)}</b> ` +
      `at step ${c.max_at_step} (neuron ${c.max_at_neuron}); mean <b>${c.mean_membrane_diff.toExponential(3)}</b>. ` +
      `Spikes: f32 <b>${c.spikes[0]}</b>, I16F16 <b>${c.spikes[1]}</b>; they differ on <b>${c.differing_spikes}</b> of ${a.neurons * a.steps} neuron-steps.`;
    const T = a.steps;
    const x = steps(T);
    const n0 = a.recorded[0];
    plot(
      'compare-membrane',
      $('compare-plot'),
      {
        title: `membrane of neuron ${n0}: f32 and I16F16 overlaid`,
        series: [
          { label: 'step' },
          { label: 'f32', stroke: COLORS[0], width: 1.5 },
          { label: 'I16F16', stroke: COLORS[1], width: 1.25, dash: [4, 3] },
        ],
        axes: axes('membrane'),
      },
      [x, a.membrane[0], b.membrane[0]],
    );
    plot(
      'compare-diff',
      $('diff-plot'),
      {
        title: 'difference f32 − I16F16, per plotted neuron',
        height: 170,
        series: [{ label: 'step' }].concat(a.recorded.map((nrn, j) => ({ label: `ΔV ${nrn}`, stroke: COLORS[j % COLORS.length] }))),
        axes: axes('ΔV', true),
      },
      [x].concat(a.recorded.map((_, j) => a.membrane[j].map((v, t) => v - b.membrane[j][t]))),
    );
    const w = Math.max(1, Math.round(T / 100));
    plot(
      'compare-rate',
      $('rate-plot'),
      {
        title: `population firing rate (spikes per neuron per step, moving average over ${w} steps)`,
        height: 170,
        series: [
          { label: 'step' },
          { label: 'f32', stroke: COLORS[0] },
          { label: 'I16F16', stroke: COLORS[1], dash: [4, 3] },
        ],
        axes: axes('rate'),
      },
      [x, movingAverage(a.rate, w), movingAverage(b.rate, w)],
    );
    card.hidden = false;
  }

  // ---- the Network tab -----------------------------------------------------------------------

  function netMeta() {
    return net.list.networks.find((n) => n.name === $('net-name').value);
  }

  // A population's size at `scale`, rounded as the server rounds it.
  function scaled(n, scale) {
    return Math.max(1, Math.round(n * scale));
  }

  function describeNetwork() {
    const m = netMeta();
    const f = net.fields['net.scale'];
    const scale = f && f.ok ? f.get() : m.defaults.scale;
    const pops = m.populations.map((p) => `${p.name} ${scaled(p.neurons, scale)}`).join(', ');
    const total = m.populations.reduce((a, p) => a + scaled(p.neurons, scale), 0);
    $('net-about').textContent =
      `${m.description} At scale ${fmt(scale)}: ${total} neurons (${pops}); sizes are multiplied ` +
      'by the scale and connection probabilities divided by it, as lif-sim network --scale does.';
  }

  function buildNetFields() {
    const m = netMeta();
    const L = net.list.limits;
    const box = $('net-fields');
    box.innerHTML = '';
    for (const k of Object.keys(net.fields)) delete net.fields[k];
    const o = { fields: net.fields, onChange: describeNetwork, banner: 'net-banner' };
    numberField(box, 'net.scale', 'scale (size factor)', Object.assign({ min: 0.01, max: L.scale, step: 0.01, value: m.defaults.scale }, o));
    numberField(box, 'net.steps', `time steps (${fmt(m.dt_ms)} ms each)`, Object.assign({ min: 100, max: L.steps, step: 100, value: m.defaults.steps, integer: true }, o));
    numberField(box, 'net.seed', 'seed', Object.assign({ min: 0, max: 4294967295, step: 1, value: m.defaults.seed, integer: true, slider: false }, o));
    $('net-scalar').value = m.defaults.scalar;
    describeNetwork();
  }

  function collectNet() {
    const bad = Object.values(net.fields).filter((f) => !f.ok);
    if (bad.length) {
      showBanner('Fix the highlighted field' + (bad.length > 1 ? 's' : '') + ': ' + bad.map((f) => f.msg.textContent).join('; '), 'net-banner');
      return null;
    }
    return {
      name: $('net-name').value,
      scale: net.fields['net.scale'].get(),
      steps: net.fields['net.steps'].get(),
      seed: net.fields['net.seed'].get(),
      scalar: $('net-scalar').value,
    };
  }

  function setNetStatus(text, busy) {
    const s = $('net-status');
    s.textContent = text;
    s.classList.toggle('busy', !!busy);
  }

  async function runNetwork() {
    if (net.inFlight) return;
    const req = collectNet();
    if (!req) return;
    net.inFlight = true;
    $('net-run').disabled = true;
    setNetStatus('running…', true);
    const t0 = performance.now();
    try {
      const res = await fetch('/api/network', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(req),
      });
      const body = await res.json().catch(() => ({ error: `the server answered ${res.status} without JSON` }));
      if (!res.ok) {
        const last = dash.net.lastResponse ? '\nThe plots still show the last run.' : '';
        showBanner('The server refused this run: ' + (body.error || res.status) + last, 'net-banner');
        const f = net.fields['net.' + String(body.error || '').split(':')[0].trim()];
        if (f) {
          f.div.classList.add('invalid');
          f.msg.textContent = body.error;
        }
        setNetStatus(res.status === 503 ? 'busy: try again' : 'refused');
      } else {
        hideBanner('net-banner', net.fields);
        dash.net.lastRequest = req;
        dash.net.lastResponse = body;
        renderNetwork();
        dash.net.runs += 1;
        setNetStatus(`ran in ${fmt(Math.round(performance.now() - t0))} ms`);
      }
    } catch (e) {
      showBanner('Cannot reach the lif-sim server: ' + e.message, 'net-banner');
      setNetStatus('offline');
    } finally {
      net.inFlight = false;
      $('net-run').disabled = false;
    }
  }

  function scalarLabel(s) {
    return s === 'i16f16' ? 'I16F16' : s;
  }

  function ms(seconds) {
    return fmt(Number((seconds * 1000).toPrecision(3)));
  }

  function renderNetwork() {
    const b = dash.net.lastResponse;
    if (!b || $('net-layout').hidden) return;
    $('net-hint').hidden = true;
    $('net-card').hidden = false;
    dash.net.drawn = null; // until the raster is drawn
    $('net-title').textContent = `${b.title}: ${b.neurons} neurons (scale ${fmt(b.scale)}), ${fmt(b.duration_ms)} ms in ${scalarLabel(b.scalar)}`;
    const t = b.timing_s;
    $('net-stats').textContent =
      `${b.synapses} synapses · ${b.steps} steps of ${fmt(b.dt_ms)} ms · seed ${b.seed} · ${b.backend} backend, ` +
      `${b.threads} thread${b.threads > 1 ? 's' : ''} · ${ms(t.total)} ms (connect ${ms(t.connect)}, deliver ${ms(t.deliver)}, ` +
      `step ${ms(t.step)}) · ${fmt(Number((b.neuron_steps_per_s / 1e6).toPrecision(3)))} M neuron-steps/s`;

    const table = $('net-table');
    const tbody = table.tBodies[0];
    tbody.innerHTML = '';
    b.populations.forEach((p, k) => {
      const tr = tbody.insertRow();
      tr.dataset.population = p.name;
      const cells = [
        ['name', p.name],
        ['model', p.model],
        ['neurons', p.neurons],
        ['spikes', p.spikes],
        ['rate', p.rate_hz.toFixed(2)],
        ['cv', p.cv_isi === null ? '—' : p.cv_isi.toFixed(3)],
        ['rows', `${p.raster.rows} of ${p.neurons}`],
      ];
      for (const [cls, text] of cells) {
        const td = tr.insertCell();
        td.className = cls;
        td.textContent = String(text);
      }
      const sw = document.createElement('span');
      sw.className = 'swatch';
      sw.style.background = COLORS[k % COLORS.length];
      tr.cells[0].prepend(sw);
      if (p.cv_isi !== null) tr.cells[5].title = `mean over the ${p.cv_neurons} neurons with at least 3 spikes`;
    });
    table.tFoot.innerHTML = '';
    const peak = table.tFoot.insertRow().insertCell();
    peak.colSpan = 7;
    peak.id = 'net-peak';
    peak.textContent =
      b.population_rate_peak_hz === null
        ? 'spectral peak of the population rate: none (the run is too short or the rate is flat)'
        : `spectral peak of the population rate (all neurons, 1 ms bins): ${fmt(b.population_rate_peak_hz)} Hz`;

    $('net-raster-title').textContent =
      b.raster_rows === b.neurons
        ? `spikes of all ${b.neurons} neurons`
        : `spikes of ${b.raster_rows} of the ${b.neurons} neurons (the first of each population, in proportion to its size)`;
    const legend = $('net-legend');
    legend.innerHTML = '';
    b.populations.forEach((p, k) => {
      const span = document.createElement('span');
      span.style.color = COLORS[k % COLORS.length];
      span.textContent = `■ ${p.name}`;
      legend.appendChild(span);
    });
    // The raster takes the rate plot's left and right edges once that is laid out, so that
    // the two share one time axis on the page.
    drawNetRates(b, (u) => {
      const px = uPlot.pxRatio || window.devicePixelRatio || 1;
      drawNetRaster(b, { left: u.bbox.left / px, right: u.width - (u.bbox.left + u.bbox.width) / px + 4 });
    });
  }

  // 1, 2 or 5 times a power of ten, at least `raw`.
  function niceStep(raw) {
    const pow = Math.pow(10, Math.floor(Math.log10(raw)));
    for (const m of [1, 2, 5, 10]) if (m * pow >= raw) return m * pow;
    return 10 * pow;
  }

  // The raster: a row per neuron shown, populations in bands of their colour, time in ms.
  function drawNetRaster(b, edges) {
    const canvas = $('net-raster');
    const dpr = window.devicePixelRatio || 1;
    const cw = Math.max(300, canvas.clientWidth);
    const ch = Math.max(120, canvas.clientHeight);
    canvas.width = Math.round(cw * dpr);
    canvas.height = Math.round(ch * dpr);
    const ctx = canvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, cw, ch);
    const m = { left: Math.max(40, edges.left), right: Math.max(4, edges.right), top: 4, bottom: 32 };
    const pw = cw - m.left - m.right;
    const ph = ch - m.top - m.bottom;
    const rowH = ph / Math.max(1, b.raster_rows);
    ctx.font = '11px system-ui, sans-serif';
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    b.populations.forEach((p, k) => {
      const y0 = m.top + p.raster.row0 * rowH;
      const h = p.raster.rows * rowH;
      if (k % 2 === 1) {
        ctx.fillStyle = '#f5f7fa';
        ctx.fillRect(m.left, y0, pw, h);
      }
      ctx.fillStyle = COLORS[k % COLORS.length];
      ctx.fillText(p.name, m.left - 6, y0 + h / 2);
    });
    const dw = Math.max(1.5, pw / b.steps);
    const dh = Math.max(1.5, Math.min(rowH * 0.8, 6));
    let drawn = 0;
    b.populations.forEach((p, k) => {
      ctx.fillStyle = COLORS[k % COLORS.length];
      const { t, i, row0 } = p.raster;
      for (let j = 0; j < t.length; j++) {
        const x = m.left + ((t[j] + 0.5) / b.steps) * pw;
        const y = m.top + (row0 + i[j] + 0.5) * rowH;
        ctx.fillRect(x - dw / 2, y - dh / 2, dw, dh);
      }
      drawn += t.length;
    });
    dash.net.drawn = drawn;
    ctx.strokeStyle = '#d8dde6';
    ctx.lineWidth = 1;
    ctx.strokeRect(m.left - 0.5, m.top - 0.5, pw + 1, ph + 1);
    ctx.fillStyle = '#5b6577';
    ctx.strokeStyle = '#5b6577';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    const T = b.duration_ms;
    const step = niceStep(T / Math.max(2, Math.floor(pw / 90)));
    for (let k = 0; k * step <= T + 1e-9; k++) {
      const x = Math.round(m.left + ((k * step) / T) * pw) + 0.5;
      ctx.beginPath();
      ctx.moveTo(x, m.top + ph);
      ctx.lineTo(x, m.top + ph + 4);
      ctx.stroke();
      ctx.fillText(fmt(Number((k * step).toPrecision(6))), x, m.top + ph + 6);
    }
    ctx.fillText('time (ms)', m.left + pw / 2, m.top + ph + 19);
    return drawn;
  }

  function drawNetRates(b, ready) {
    if (dash.net.ratePlot) dash.net.ratePlot.destroy();
    const box = $('net-rate-plot');
    box.innerHTML = '';
    const width = Math.max(260, box.clientWidth - 4);
    const series = [{ label: 'time (ms)' }].concat(
      b.populations.map((p, k) => ({ label: p.name, stroke: COLORS[k % COLORS.length], width: 1.25 })),
    );
    dash.net.ratePlot = new uPlot(
      {
        title: `population rate (${fmt(b.rate_bin_ms)} ms bins)`,
        width,
        height: 200,
        scales: { x: { time: false, range: [0, b.duration_ms] }, y: { range: (u, lo, hi) => [0, Math.max(1, hi * 1.05)] } },
        legend: { live: false },
        hooks: { ready: [ready] },
        series,
        axes: [{ label: 'time (ms)' }, { label: 'rate (Hz)', size: 56 }],
      },
      [b.rate_t_ms].concat(b.populations.map((p) => p.rate_binned_hz)),
      box,
    );
  }

  async function startNetworks() {
    try {
      const res = await fetch('/api/networks');
      if (!res.ok) throw new Error(`the server answered ${res.status}`);
      net.list = await res.json();
    } catch (e) {
      showBanner('Cannot list the networks: ' + e.message, 'net-banner');
      $('net-run').disabled = true;
      return;
    }
    for (const n of net.list.networks) $('net-name').add(new Option(`${n.title} (${n.name})`, n.name));
    for (const s of net.list.scalars) $('net-scalar').add(new Option(scalarLabel(s), s));
    buildNetFields();
    $('net-name').addEventListener('change', buildNetFields);
    $('net-run').addEventListener('click', runNetwork);
  }

  function showTab(name) {
    const network = name === 'network';
    $('layout').hidden = network;
    $('net-layout').hidden = !network;
    $('status').hidden = network;
    $('tab-single').setAttribute('aria-selected', String(!network));
    $('tab-network').setAttribute('aria-selected', String(network));
    history.replaceState(null, '', network ? '#network' : location.pathname);
    if (network) renderNetwork();
    else render();
  }

  // ---- start -------------------------------------------------------------------------------

  async function start() {
    $('tab-single').addEventListener('click', () => showTab('single'));
    $('tab-network').addEventListener('click', () => showTab('network'));
    startNetworks();
    if (location.hash === '#network') showTab('network');
    let meta;
    try {
      meta = await (await fetch('/api/meta')).json();
    } catch (e) {
      showBanner('Cannot reach the lif-sim server: ' + e.message);
      return;
    }
    st.meta = meta;
    $('backend').textContent = 'backend: ' + meta.backend;
    const model = $('model');
    for (const m of meta.models) model.add(new Option(m.label, m.name));
    const ext = meta.models.find((m) => m.presets);
    for (const p of ext.presets) $('mode').add(new Option(p.name.replace(/_/g, ' '), p.name));
    buildPopulation();
    buildParams();
    buildInput(false);
    model.addEventListener('change', () => {
      buildParams();
      buildInput(false);
      changed();
    });
    $('mode').addEventListener('change', () => {
      const p = ext.presets.find((q) => q.name === $('mode').value);
      buildParams(p.params);
      changed();
    });
    $('shape').addEventListener('change', () => {
      buildInput(true);
      changed();
    });
    $('view').addEventListener('change', render);
    $('reset-params').addEventListener('click', () => {
      if (modelMeta().presets) $('mode').value = 'deterministic';
      buildParams();
      changed();
    });
    let resize = null;
    window.addEventListener('resize', () => {
      clearTimeout(resize);
      resize = setTimeout(() => ($('layout').hidden ? renderNetwork() : render()), 150);
    });
    send();
  }

  start();
})();
