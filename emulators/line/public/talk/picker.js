// Small dialogs the LINE app would show: date/time pickers and a location picker.
import { h } from './dom.js';

function ask(label, fields) {
  const dialog = document.getElementById('picker');
  document.getElementById('picker-label').textContent = label;
  const box = document.getElementById('picker-fields');
  box.replaceChildren(...fields.map((f) => h('label', {}, f.label, f.input)));
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
  });
}

/** datetimepicker action → {date} | {time} | {datetime}, or null when cancelled. */
export async function pickDateTime(action) {
  const mode = action.mode || 'datetime';
  const type = mode === 'date' ? 'date' : mode === 'time' ? 'time' : 'datetime-local';
  const input = h('input', {
    type,
    required: true,
    value: action.initial || '',
    min: action.min,
    max: action.max,
  });
  const ok = await ask(action.label || '日時を選択', [{ label: mode === 'time' ? '時刻' : '日付', input }]);
  return ok && input.value ? { [mode]: input.value } : null;
}

/** A location, prefilled with the channel's town hall or the last choice. */
export async function pickLocation(defaults) {
  const title = h('input', { value: defaults.title || '' });
  const address = h('input', { value: defaults.address || '' });
  const lat = h('input', { type: 'number', step: 'any', required: true, value: defaults.latitude });
  const lng = h('input', { type: 'number', step: 'any', required: true, value: defaults.longitude });
  const ok = await ask('位置情報を送信', [
    { label: '名称', input: title },
    { label: '住所', input: address },
    { label: '緯度', input: lat },
    { label: '経度', input: lng },
  ]);
  if (!ok) return null;
  return {
    title: title.value || undefined,
    address: address.value || undefined,
    latitude: Number(lat.value),
    longitude: Number(lng.value),
  };
}
