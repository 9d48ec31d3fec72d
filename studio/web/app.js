// avdream studio's page: upload, choose, preview, render, compare, download. Talks to the JSON
// API (studio/API.md); every change carries the studio's header (the server refuses others).
'use strict';

const $ = (selector) => document.querySelector(selector);
const state = { info: null, upload: null, style: null, soundStyle: null, job: null, events: null, poll: null, refresh: null };
const CHANGE = { 'X-Avdream-Studio': '1' };

// --- Small helpers ------------------------------------------------------------------------------

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props);
  for (const child of children) node.append(child);
  return node;
}

function showError(text) {
  $('#error').textContent = text || '';
  $('#error').hidden = !text;
}

async function api(path, options = {}) {
  const response = await fetch(path, options);
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error || `${response.status} ${response.statusText}`);
  return body;
}

const post = (path, body) => api(path, { method: 'POST', headers: { ...CHANGE, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

function clock(seconds) {
  const s = Math.round(seconds);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

// --- Setup --------------------------------------------------------------------------------------

async function start() {
  state.info = await api('/api/info');
  $('#version').textContent = `version ${state.info.version}`;
  for (const [name, p] of Object.entries(state.info.presets))
    $('#preset').append(el('option', { value: name, textContent: `${name} (${p.octaves} octaves, ${p.steps} steps)` }));
  $('#preset').value = 'normal';
  applyPreset();
  for (const name of state.info.filters) $('#filter').append(el('option', { value: name, textContent: name }));
  wire();
  setMode('dream');
  await refreshJobs();
  const running = (await api('/api/jobs')).find((j) => j.state === 'running' || j.state === 'queued');
  if (running) follow(running.id);
}

function wire() {
  $('#file-input').addEventListener('change', () => $('#file-input').files[0] && uploadMain($('#file-input').files[0]));
  const zone = $('#drop-zone');
  zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    if (e.dataTransfer.files[0]) uploadMain(e.dataTransfer.files[0]);
  });
  $('#style-input').addEventListener('change', () => uploadStyle('#style-input', 'style'));
  $('#sound-style-input').addEventListener('change', () => uploadStyle('#sound-style-input', 'soundStyle'));
  $('#mode').addEventListener('change', () => setMode($('#mode').value));
  $('#model').addEventListener('change', () => { renderGallery(); $('#classes').replaceChildren(); });
  $('#preset').addEventListener('change', applyPreset);
  let timer = null;
  $('#class-search').addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(searchClasses, 200); });
  $('#preview-button').addEventListener('click', () => submit(true));
  $('#generate-button').addEventListener('click', () => submit(false));
  $('#cancel-button').addEventListener('click', () => state.job && post(`/api/jobs/${state.job}/cancel`, {}).catch((e) => showError(e.message)));
}

function applyPreset() {
  const p = state.info.presets[$('#preset').value];
  $('#octaves').value = p.octaves;
  $('#steps').value = p.steps;
}

// --- Uploads ------------------------------------------------------------------------------------

async function sendFile(file) {
  const form = new FormData();
  form.append('file', file);
  return api('/api/uploads', { method: 'POST', headers: CHANGE, body: form });
}

async function uploadMain(file) {
  showError('');
  const info = $('#upload-info');
  info.textContent = `Uploading ${file.name}…`;
  delete info.dataset.uploadId;
  try {
    state.upload = await sendFile(file);
  } catch (e) {
    state.upload = null;
    info.textContent = 'Nothing uploaded.';
    updateButtons();
    return showError(e.message);
  }
  const u = state.upload;
  const size = u.kind === 'sound' ? '' : `, ${u.width}x${u.height}`;
  const length = u.kind === 'picture' ? '' : `, ${u.duration.toFixed(1)} s`;
  info.textContent = `${u.name}: ${u.kind}${size}${length}, ${(u.bytes / 1048576).toFixed(1)} MB`;
  info.dataset.uploadId = u.id;
  const poster = $('#upload-poster');
  poster.hidden = u.kind === 'sound';
  if (u.kind !== 'sound') poster.src = `/api/uploads/${u.id}/poster.png`;
  const mode = $('#mode').value;
  if (u.kind === 'sound') setMode('sound');
  else if (mode === 'sound') setMode('dream');
  updateButtons();
}

// A style picture (style modes) or a style sound (sound mode), uploaded as soon as it is chosen.
async function uploadStyle(input, key) {
  showError('');
  const file = $(input).files[0];
  state[key] = null;
  delete $(input).dataset.uploadId;
  if (file) {
    try {
      state[key] = await sendFile(file);
      $(input).dataset.uploadId = state[key].id;
    } catch (e) {
      showError(e.message);
    }
  }
  // A style sound replaces the dream: its layers and classes are hidden while one is chosen.
  document.body.classList.toggle('sound-styled', Boolean(state.soundStyle));
  updateButtons();
}

// --- Mode, models, gallery, classes ---------------------------------------------------------------

function setMode(mode) {
  $('#mode').value = mode;
  document.body.className = `mode-${mode}${state.soundStyle ? ' sound-styled' : ''}`;
  const kind = mode === 'sound' ? 'logmel' : 'image';
  const models = state.info.models.filter((m) => m.kind === kind);
  const current = $('#model').value;
  $('#model').replaceChildren(...models.map((m) => el('option', { value: m.name, textContent: m.name })));
  if (models.some((m) => m.name === current)) $('#model').value = current;
  renderGallery();
  updateButtons();
}

function currentModel() {
  return state.info.models.find((m) => m.name === $('#model').value);
}

function renderGallery() {
  const model = currentModel();
  const gallery = $('#gallery');
  gallery.replaceChildren();
  if (!model) return;
  for (const layer of model.layers) {
    const tile = el('div', { className: 'layer-tile', title: `${layer.name}: ${layer.channels} channels` });
    tile.dataset.layer = layer.name;
    if (model.kind === 'image')
      tile.append(el('img', { src: `/api/gallery/${model.name}/${layer.name}.png`, loading: 'lazy', alt: layer.name }));
    tile.append(el('div', { textContent: layer.name }));
    if (model.default_layers.includes(layer.name)) tile.append(el('div', { className: 'badge', textContent: 'default' }));
    tile.addEventListener('click', () => tile.classList.toggle('selected'));
    gallery.append(tile);
  }
}

async function searchClasses() {
  const model = currentModel();
  const q = $('#class-search').value.trim();
  if (!model || !q) return $('#class-results').replaceChildren();
  try {
    const found = await api(`/api/labels?model=${encodeURIComponent(model.name)}&q=${encodeURIComponent(q)}`);
    $('#class-results').replaceChildren(...found.map((c) => {
      const option = el('div', { className: 'class-option', textContent: c.label });
      option.dataset.label = c.label;
      option.addEventListener('click', () => addClass(c.label));
      return option;
    }));
  } catch (e) {
    showError(e.message);
  }
}

function addClass(label) {
  if ([...document.querySelectorAll('.class-chip')].some((c) => c.dataset.label === label)) return;
  const chip = el('span', { className: 'class-chip', textContent: `${label} ×` });
  chip.dataset.label = label;
  chip.addEventListener('click', () => chip.remove());
  $('#classes').append(chip);
}

// --- Jobs ---------------------------------------------------------------------------------------

function updateButtons() {
  const mode = $('#mode').value;
  const ready = state.upload && (mode === 'sound') === (state.upload.kind === 'sound') &&
                (!mode.includes('style') || state.style);
  $('#preview-button').disabled = !ready;
  $('#generate-button').disabled = !ready;
}

function request(preview) {
  const mode = $('#mode').value;
  const body = { upload: state.upload.id, mode, preview, seed: Number($('#seed').value) || 0 };
  if (mode === 'filter') {
    body.filter = $('#filter').value;
    return body;
  }
  body.model = $('#model').value;
  if (mode === 'sound' && state.soundStyle) {  // styled like another sound: no layers or classes
    body.style = state.soundStyle.id;
    body.steps = Number($('#steps').value) || 0;  // the style optimizer's
    return body;
  }
  const layers = [...document.querySelectorAll('.layer-tile.selected')].map((t) => t.dataset.layer);
  if (layers.length) body.layers = layers.join(',');
  const classes = [...document.querySelectorAll('.class-chip')].map((c) => c.dataset.label);
  if (classes.length && !mode.includes('style')) body.classes = classes;
  if (mode.includes('style')) body.style = state.style.id;
  body.octaves = Number($('#octaves').value) || 0;
  body.steps = Number($('#steps').value) || 0;
  return body;
}

async function submit(preview) {
  showError('');
  try {
    const { id } = await post('/api/jobs', request(preview));
    follow(id);
    refreshJobs();
  } catch (e) {
    showError(e.message);
  }
}

// Follows a job with server-sent events (polling if they fail) until it is finished.
function follow(id) {
  if (state.events) state.events.close();
  clearInterval(state.poll);
  state.job = id;
  $('#result').replaceChildren();
  $('#download').hidden = true;
  const events = new EventSource(`/api/jobs/${id}/events`);
  state.events = events;
  events.onmessage = (e) => showJob(JSON.parse(e.data));
  events.onerror = () => {
    events.close();
    if (state.job !== id) return;
    state.poll = setInterval(async () => {
      try {
        const job = await api(`/api/jobs/${id}`);
        showJob(job);
        if (finished(job)) clearInterval(state.poll);
      } catch (e) {
        clearInterval(state.poll);
      }
    }, 500);
  };
}

const finished = (job) => ['done', 'failed', 'cancelled'].includes(job.state);

function showJob(job) {
  if (job.id !== state.job) return;
  $('#job-state').textContent = job.state;
  $('#progress').value = job.progress;
  const eta = job.state === 'running' && job.eta > 0 ? ` · about ${clock(job.eta)} left` : '';
  $('#progress-text').textContent = job.state === 'done' ? `done in ${clock(job.seconds)}` : `${Math.round(job.progress * 100)}%${eta}`;
  $('#cancel-button').hidden = finished(job);
  if (job.state === 'failed') showError(job.error);
  if (finished(job)) {
    if (state.events) state.events.close();
    refreshJobs();
  }
  if (job.state === 'done') showResult(job);
}

const media = (tag, id, src) => el(tag, { id, src, controls: true, preload: 'metadata' });

function showResult(job) {
  const result = $('#result');
  const upload = job.upload;
  if (job.result.endsWith('.png')) {
    const before = el('img', { id: 'before-img', src: `/api/uploads/${upload}/poster.png`, alt: 'before' });
    const after = el('img', { id: 'after-img', src: job.result, alt: 'after' });
    const slider = el('input', { type: 'range', id: 'compare-slider', min: 0, max: 100, value: 50 });
    const clip = () => { after.style.clipPath = `inset(0 ${100 - slider.value}% 0 0)`; };
    slider.addEventListener('input', clip);
    clip();
    result.replaceChildren(el('div', { id: 'compare' }, before, after), slider,
                           el('p', { className: 'hint', textContent: 'Slide: the dream on the left, the original on the right.' }));
  } else if (job.result.endsWith('.mp4')) {
    result.replaceChildren(el('div', { className: 'pair' }, media('video', 'before-video', `/api/uploads/${upload}/file`),
                              media('video', 'after-video', job.result)));
  } else {
    const pictures = el('img', { id: 'spectrograms', src: job.spectrograms, alt: 'spectrograms before and after' });
    result.replaceChildren(el('div', { className: 'pair' }, media('audio', 'before-audio', `/api/uploads/${upload}/file`),
                              media('audio', 'after-audio', job.result)), pictures);
  }
  $('#download').href = `${job.result}?download=1`;
  $('#download').hidden = false;
}

// --- The queue ----------------------------------------------------------------------------------

async function refreshJobs() {
  let jobs;
  try {
    jobs = await api('/api/jobs');
  } catch (e) {
    return;
  }
  $('#jobs').replaceChildren(...jobs.map((job) => {
    const row = el('div', { className: 'job' },
      el('span', { className: 'grow', textContent: `${job.kind} · ${job.mode}${job.preview ? ' · preview' : ''}` }),
      el('span', { textContent: `${Math.round(job.progress * 100)}%` }),
      el('span', { className: 'job-state', textContent: job.state }));
    row.dataset.jobId = job.id;
    if (!finished(job)) {
      const cancel = el('button', { className: 'job-cancel', textContent: 'Cancel' });
      cancel.addEventListener('click', (e) => { e.stopPropagation(); post(`/api/jobs/${job.id}/cancel`, {}).then(refreshJobs); });
      row.append(cancel);
    }
    row.addEventListener('click', () => {
      state.job = job.id;
      $('#result').replaceChildren();
      $('#download').hidden = true;
      if (finished(job)) showJob(job); else follow(job.id);
    });
    return row;
  }));
  clearTimeout(state.refresh);  // one refresh loop, however many callers
  if (jobs.some((j) => !finished(j))) state.refresh = setTimeout(refreshJobs, 2000);
}

start().catch((e) => showError(`The studio did not answer: ${e.message}`));
