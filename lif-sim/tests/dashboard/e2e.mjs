// End-to-end test of the lif-sim dashboard in headless Chromium (Debian's package), driven by
// playwright-core. It starts `lif-sim serve`, loads the page, moves a slider with the keyboard
// and checks that the plotted data changed and equals, bit for bit, what `lif-sim run`
// (lif-core through the simulator) computes for the settings the page shows; it types bad
// values and checks they are refused. On the Network tab it runs the shipped CUBA network and
// checks that the raster is drawn, that its dots are the spikes `lif-sim network` writes for
// the same settings and that the table shows its rates. Screenshots go to
// target/dashboard-e2e/.
//
// Run it with scripts/dashboard-e2e.sh, which installs what it needs.
import { chromium } from 'playwright-core';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const bin = process.env.LIF_SIM || path.join(root, 'target/release/lif-sim');
const out = process.env.E2E_OUT || path.join(root, 'target/dashboard-e2e');
const browserPath = process.env.CHROMIUM || '/usr/bin/chromium';
fs.mkdirSync(out, { recursive: true });

let failures = 0;
function check(ok, what) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures += 1;
}

function startServer() {
  const proc = spawn(bin, ['serve', '--port', '0', '--backend', 'cpu'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error('lif-sim serve printed no address within 20 s')), 20000);
    proc.stdout.on('data', (d) => {
      text += d;
      const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve({ proc, url: m[0] });
      }
    });
    proc.on('exit', (code) => reject(new Error(`lif-sim serve exited with ${code}`)));
  });
}

// The page's request as a lif-sim run config (TOML: one level of tables).
function toToml(req) {
  const v = (x) => (Array.isArray(x) ? `[${x.map(v).join(', ')}]` : typeof x === 'string' ? JSON.stringify(x) : String(x));
  const lines = [];
  const tables = [];
  for (const [k, x] of Object.entries(req)) {
    if (x !== null && typeof x === 'object' && !Array.isArray(x)) tables.push([k, x]);
    else lines.push(`${k} = ${v(x)}`);
  }
  for (const [name, t] of tables) {
    lines.push(`[${name}]`);
    for (const [k, x] of Object.entries(t)) lines.push(`${k} = ${v(x)}`);
  }
  return lines.join('\n') + '\n';
}

// What `lif-sim run` computes for `req` in `scalar`: membranes per recorded neuron, spike
// steps per recorded neuron, and the total spike count.
function reference(req, scalar, tag) {
  const dir = path.join(out, `reference-${tag}-${scalar}`);
  const cfg = path.join(out, `request-${tag}.toml`);
  fs.writeFileSync(cfg, toToml(req));
  execFileSync(bin, ['run', cfg, '--scalar', scalar, '--backend', 'cpu', '--no-plots', '--force', '--out', dir], { stdio: 'pipe' });
  const rows = fs.readFileSync(path.join(dir, 'membrane.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
  const membrane = req.record.neurons.map((_, j) => rows.map((r) => r[j + 1]));
  const spikes = req.record.neurons.map(() => []);
  for (const line of fs.readFileSync(path.join(dir, 'spikes.csv'), 'utf8').trim().split('\n').slice(1)) {
    const [t, i] = line.split(',').map(Number);
    const j = req.record.neurons.indexOf(i);
    if (j >= 0) spikes[j].push(t);
  }
  const summary = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'));
  return { membrane, spikes, count: summary.spike_count };
}

// What the page plotted for one scalar: series 1 + 3j is neuron j's membrane, 3 + 3j its spike dots.
async function plotted(page, scalar) {
  return page.evaluate((s) => {
    const d = window.lifDashboard;
    const u = d.plots[`${s}-membrane`];
    const k = d.lastRequest.record.neurons.length;
    const membrane = [];
    const spikes = [];
    for (let j = 0; j < k; j++) {
      membrane.push(Array.from(u.data[1 + 3 * j]));
      spikes.push(Array.from(u.data[3 + 3 * j]).flatMap((y, t) => (y === null ? [] : [t])));
    }
    return { membrane, spikes, count: d.lastResponse.runs[s].summary.spike_count, request: d.lastRequest };
  }, scalar);
}

// The (step, neuron) rows of a uint32 .npy of shape (n, 2), as lif-sim network writes them.
function readEvents(file) {
  const buf = fs.readFileSync(file);
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = (major === 1 ? 10 : 12) + headerLen;
  const header = buf.subarray(major === 1 ? 10 : 12, start).toString('latin1');
  if (!/'descr': '<u4'/.test(header) || /'fortran_order': True/.test(header)) throw new Error(`${file}: unexpected header ${header}`);
  const rows = [];
  for (let o = start; o + 8 <= buf.length; o += 8) rows.push([buf.readUInt32LE(o), buf.readUInt32LE(o + 4)]);
  return rows;
}

// What `lif-sim network` writes for CUBA with the page's request: per population its events,
// and the summary.
function networkReference(req, tag) {
  const dir = path.join(out, `network-${tag}`);
  execFileSync(bin, ['network', path.join(root, 'examples', `${req.name}.toml`), '--scale', String(req.scale), '--steps', String(req.steps), '--seed', String(req.seed), '--scalar', req.scalar, '--no-plots', '--force', '--out', dir], { stdio: 'pipe' });
  const summary = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'));
  const events = summary.populations.map((p) => readEvents(path.join(dir, `spikes-${p.name}.npy`)));
  return { summary, events };
}

// Pixels of the raster canvas by colour: how many are each population's colour.
async function rasterPixels(page) {
  return page.evaluate(() => {
    const c = document.getElementById('net-raster');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const want = Array.from(document.querySelectorAll('#net-legend span')).map((s) => {
      const m = /rgb\((\d+), (\d+), (\d+)\)/.exec(getComputedStyle(s).color);
      return m.slice(1).map(Number);
    });
    const counts = want.map(() => 0);
    for (let o = 0; o < d.length; o += 4) {
      want.forEach((w, k) => {
        if (Math.abs(d[o] - w[0]) + Math.abs(d[o + 1] - w[1]) + Math.abs(d[o + 2] - w[2]) < 12) counts[k] += 1;
      });
    }
    return counts;
  });
}

async function runNetwork(page) {
  const runs = await page.evaluate(() => window.lifDashboard.net.runs);
  await page.click('#net-run');
  await page.waitForFunction((n) => window.lifDashboard.net.runs > n && window.lifDashboard.net.drawn !== null, runs, { timeout: 60000 });
  return page.evaluate(() => ({ req: window.lifDashboard.net.lastRequest, body: window.lifDashboard.net.lastResponse, drawn: window.lifDashboard.net.drawn }));
}

async function checkNetwork(page, tag) {
  const { req, body, drawn } = await runNetwork(page);
  const ref = networkReference(req, tag);
  const points = body.populations.reduce((a, p) => a + p.raster.t.length, 0);
  check(drawn === points && points > 0, `${tag}: the raster drew all ${points} dots of the answer (${drawn})`);
  const pixels = await rasterPixels(page);
  check(pixels.length === body.populations.length && pixels.every((n) => n > 0), `${tag}: the raster canvas has dots of every population's colour (${pixels.join(', ')} pixels)`);
  body.populations.forEach((p, k) => {
    const shown = ref.events[k].filter(([, i]) => i < p.raster.rows);
    const got = p.raster.t.map((t, j) => [t, p.raster.i[j]]);
    check(sameArrays(got, shown), `${tag}: ${p.name}'s ${got.length} raster dots are lif-sim network's spikes of its first ${p.raster.rows} neurons`);
  });
  const rows = await page.$$eval('#net-table tbody tr', (trs) => trs.map((tr) => ({ name: tr.dataset.population, neurons: tr.querySelector('.neurons').textContent, spikes: tr.querySelector('.spikes').textContent, rate: tr.querySelector('.rate').textContent, cv: tr.querySelector('.cv').textContent })));
  ref.summary.populations.forEach((p, k) => {
    const r = rows[k] || {};
    const cv = p.cv_isi === null ? '—' : p.cv_isi.toFixed(3);
    check(r.name === p.name && r.neurons === String(p.neurons) && r.spikes === String(p.spikes) && r.rate === p.rate_hz.toFixed(2) && r.cv === cv, `${tag}: the table shows ${p.name}: ${r.neurons} neurons, ${r.spikes} spikes, ${r.rate} Hz, CV ${r.cv} (lif-sim network: ${p.neurons}, ${p.spikes}, ${p.rate_hz.toFixed(2)} Hz, CV ${cv})`);
  });
  const peak = await page.textContent('#net-peak');
  const want = ref.summary.population_rate_peak_hz;
  check(want === null ? /none/.test(peak) : peak.includes(`${Number(want.toPrecision(6))} Hz`), `${tag}: the table shows the spectral peak: "${peak}"`);
  return { req, body };
}

function sameArrays(a, b) {
  return a.length === b.length && a.every((x, i) => x.length === b[i].length && x.every((v, t) => Object.is(v, b[i][t])));
}

async function settle(page, updatesBefore) {
  await page.waitForFunction((n) => window.lifDashboard.updates > n, updatesBefore, { timeout: 30000 });
  // Later keystrokes may still be queued: wait until the page has been quiet for a while.
  let last = -1;
  for (;;) {
    await page.waitForTimeout(400);
    const now = await page.evaluate(() => window.lifDashboard.requests + ':' + window.lifDashboard.updates + ':' + document.getElementById('status').textContent);
    if (now === last && !now.endsWith('running…')) return;
    last = now;
  }
}

async function verify(page, tag) {
  for (const scalar of ['f32', 'i16f16']) {
    const got = await plotted(page, scalar);
    const want = reference(got.request, scalar, tag);
    check(sameArrays(got.membrane, want.membrane), `${tag}: plotted ${scalar} membranes equal lif-sim run's, bit for bit (${got.membrane.length} neurons x ${got.membrane[0].length} steps)`);
    check(sameArrays(got.spikes, want.spikes), `${tag}: plotted ${scalar} spike marks equal lif-sim run's spikes`);
    check(got.count === want.count, `${tag}: ${scalar} spike count ${got.count} equals lif-sim run's ${want.count}`);
  }
}

const { proc, url } = await startServer();
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'lif-e2e-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: browserPath,
  headless: true,
  viewport: { width: 1400, height: 1000 },
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const pageErrors = [];
try {
  const page = context.pages()[0] || (await context.newPage());
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  // The one failed load expected is the server's 400 for the refused settings below.
  page.on('console', (m) => m.type() === 'error' && !/status of 400/.test(m.text()) && pageErrors.push(m.text()));
  const offsite = [];
  page.on('request', (r) => !r.url().startsWith(url) && offsite.push(r.url()));

  await page.goto(url);
  await page.waitForFunction(() => window.lifDashboard && window.lifDashboard.updates >= 1, null, { timeout: 30000 });
  await settle(page, 0);
  check(offsite.length === 0, `the page loads nothing from outside the server (${offsite.length} other requests)`);
  const before = await plotted(page, 'f32');
  await verify(page, 'initial');
  await page.screenshot({ path: path.join(out, 'initial.png'), fullPage: true });

  // Move the input amplitude slider with the keyboard, as a user would.
  const slider = page.locator('#f-input-amplitude');
  const v0 = Number(await slider.inputValue());
  let updates = await page.evaluate(() => window.lifDashboard.updates);
  await slider.focus();
  for (let k = 0; k < 20; k++) await page.keyboard.press('ArrowRight');
  await settle(page, updates);
  const v1 = Number(await slider.inputValue());
  const after = await plotted(page, 'f32');
  check(v1 > v0, `the amplitude slider moved (${v0} -> ${v1})`);
  check(after.request.input.after === v1, `the request carries the slider's value (${after.request.input.after})`);
  check(Number(await page.inputValue('#f-input-amplitude-text')) === v1, 'the typed box shows the slider value');
  check(!sameArrays(before.membrane, after.membrane), 'the plotted membranes changed');
  check(after.count !== before.count, `the spike count changed (${before.count} -> ${after.count})`);
  await verify(page, 'slider');
  await page.screenshot({ path: path.join(out, 'slider.png'), fullPage: true });

  // Bad values typed into a field are refused on the page: no request, a message, old plots.
  for (const [typed, says] of [['abc', 'is not a number'], ['-5', 'between'], ['1e9', 'between'], ['2.5', 'whole number']]) {
    const requests = await page.evaluate(() => window.lifDashboard.requests);
    await page.fill('#f-neurons-text', typed);
    await page.press('#f-neurons-text', 'Enter');
    await page.waitForTimeout(300);
    const msg = await page.textContent('.field[data-key="neurons"] .msg');
    const state = await page.evaluate(() => ({ r: window.lifDashboard.requests, banner: !document.getElementById('banner').hidden }));
    check(msg.includes(says) && state.banner && state.r === requests, `typing "${typed}" into neurons is refused: "${msg}"`);
  }
  await page.screenshot({ path: path.join(out, 'refused.png'), fullPage: true });
  updates = await page.evaluate(() => window.lifDashboard.updates);
  await page.fill('#f-neurons-text', '60');
  await page.press('#f-neurons-text', 'Enter');
  await settle(page, updates);
  const fixed = await plotted(page, 'f32');
  check(fixed.request.neurons === 60, 'a valid value afterwards runs again (neurons = 60)');
  check(await page.evaluate(() => document.getElementById('banner').hidden), 'the message goes away once the value is valid');

  // A combination only the model can judge (LIF: v_reset above v_th) is refused by the server,
  // shown on the page, and the page keeps working.
  updates = await page.evaluate(() => window.lifDashboard.updates);
  await page.selectOption('#model', 'lif');
  await settle(page, updates);
  const requests = await page.evaluate(() => window.lifDashboard.requests);
  await page.fill('#f-params-v-th-text', '5');
  await page.press('#f-params-v-th-text', 'Enter');
  await page.fill('#f-params-v-reset-text', '8');
  await page.press('#f-params-v-reset-text', 'Enter');
  await page.waitForFunction((r) => window.lifDashboard.requests > r && document.getElementById('status').textContent === 'refused', requests, { timeout: 30000 });
  const banner = await page.textContent('#banner');
  check(/v_reset/.test(banner), `the server's refusal is shown: "${banner.trim()}"`);
  await page.screenshot({ path: path.join(out, 'server-refused.png'), fullPage: true });
  updates = await page.evaluate(() => window.lifDashboard.updates);
  await page.fill('#f-params-v-reset-text', '-5');
  await page.press('#f-params-v-reset-text', 'Enter');
  await settle(page, updates);
  await verify(page, 'lif');

  // The extended model in its neuromodulation mode, with a tanh transform.
  updates = await page.evaluate(() => window.lifDashboard.updates);
  await page.selectOption('#model', 'extended');
  await page.selectOption('#mode', 'neuromodulation');
  await page.selectOption('#f-params-transform', 'tanh');
  await settle(page, updates);
  const ext = await plotted(page, 'f32');
  check(ext.request.params.neuromodulation === true && ext.request.modulation && ext.request.params.transform === 'tanh', 'the neuromodulation preset sends its switch, the tanh transform and a modulation signal');
  await verify(page, 'extended');
  await page.screenshot({ path: path.join(out, 'extended.png'), fullPage: true });

  // The Network tab: CUBA at a tenth of its size (all 400 neurons in the raster), then in
  // I16F16 at a larger scale (the raster shows the first rows of each population).
  await page.click('#tab-network');
  check((await page.isVisible('#net-controls')) && !(await page.isVisible('#controls')), 'the Network tab shows the network controls instead of the population ones');
  check((await page.$$eval('#net-name option', (os) => os.map((o) => o.value))).join() === 'cuba', 'the shipped networks are listed (cuba)');
  const netRequests = await page.evaluate(() => window.lifDashboard.requests);
  await page.fill('#f-net-scale-text', '2');
  await page.press('#f-net-scale-text', 'Enter');
  await page.click('#net-run');
  await page.waitForTimeout(300);
  const netMsg = await page.textContent('.field[data-key="net.scale"] .msg');
  check(/between/.test(netMsg) && !(await page.isHidden('#net-banner')) && (await page.evaluate(() => window.lifDashboard.net.runs)) === 0, `a scale of 2 is refused on the page: "${netMsg}"`);
  for (const [field, v] of [['scale', '0.1'], ['steps', '3000'], ['seed', '3']]) {
    await page.fill(`#f-net-${field}-text`, v);
    await page.press(`#f-net-${field}-text`, 'Enter');
  }
  const small = await checkNetwork(page, 'cuba-f32');
  check(JSON.stringify(small.req) === JSON.stringify({ name: 'cuba', scale: 0.1, steps: 3000, seed: 3, scalar: 'f32' }), `the network request carries the fields (${JSON.stringify(small.req)})`);
  check(small.body.raster_rows === small.body.neurons, `every neuron of the small network has its raster row (${small.body.raster_rows})`);
  check(await page.isHidden('#net-banner'), 'the refusal message went away with the run');
  check(!(await page.evaluate(() => window.lifDashboard.net.ratePlot === null)) && (await page.locator('#net-rate-plot canvas').count()) === 1, 'the population rates are plotted');
  check((await page.evaluate(() => window.lifDashboard.requests)) === netRequests, 'the Network tab did not rerun the population');
  await page.screenshot({ path: path.join(out, 'network.png'), fullPage: true });
  await page.fill('#f-net-scale-text', '0.5');
  await page.press('#f-net-scale-text', 'Enter');
  await page.selectOption('#net-scalar', 'i16f16');
  const large = await checkNetwork(page, 'cuba-i16f16');
  check(large.body.scalar === 'i16f16' && large.body.neurons === 2000 && large.body.raster_rows === 400, `the larger run: ${large.body.neurons} neurons in I16F16, ${large.body.raster_rows} raster rows`);
  await page.screenshot({ path: path.join(out, 'network-i16f16.png'), fullPage: true });
  await page.click('#tab-single');
  check(await page.isVisible('#controls'), 'back on the Population tab');

  check(pageErrors.length === 0, `no errors in the page (${pageErrors.join(' | ')})`);
} finally {
  await context.close();
  proc.kill();
  fs.rmSync(profile, { recursive: true, force: true });
}
console.log(failures ? `dashboard e2e: ${failures} check(s) failed` : `dashboard e2e: all checks passed; screenshots in ${out}`);
process.exit(failures ? 1 : 0);
