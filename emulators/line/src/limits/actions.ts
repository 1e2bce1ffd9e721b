import { Issues, isObj } from './issues.js';

/**
 * LINE's limits on action objects. Where an action sits decides which types are allowed and how
 * long its label may be: camera/cameraRoll/location only in quick replies, richmenuswitch only in
 * rich menus, 40-character labels only on Flex buttons, 12 on image-carousel columns.
 */
export type ActionPlace = 'template' | 'imageCarousel' | 'quickReply' | 'flex' | 'flexButton' | 'richmenu';

const ALLOWED: Record<ActionPlace, string[]> = {
  template: ['postback', 'message', 'uri', 'datetimepicker', 'clipboard'],
  imageCarousel: ['postback', 'message', 'uri', 'datetimepicker', 'clipboard'],
  quickReply: [
    'postback',
    'message',
    'uri',
    'datetimepicker',
    'camera',
    'cameraRoll',
    'location',
    'clipboard',
  ],
  flex: ['postback', 'message', 'uri', 'datetimepicker', 'clipboard'],
  flexButton: ['postback', 'message', 'uri', 'datetimepicker', 'clipboard'],
  richmenu: ['postback', 'message', 'uri', 'datetimepicker', 'richmenuswitch'],
};

const LABEL_MAX: Record<ActionPlace, number> = {
  template: 20,
  imageCarousel: 12,
  quickReply: 20,
  flex: 40,
  flexButton: 40,
  richmenu: 20,
};

/** Labels are required where they are the visible text of the button. */
const LABEL_REQUIRED: Record<ActionPlace, boolean> = {
  template: true,
  imageCarousel: false,
  quickReply: true,
  flex: false,
  flexButton: true,
  richmenu: false,
};

const URI_SCHEMES = /^(https?:\/\/|line:\/\/|tel:)\S+$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIME = /^\d{2}:\d{2}$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}$/;

export function checkAction(issues: Issues, action: unknown, path: string, place: ActionPlace): void {
  if (!isObj(action)) return issues.add(path, 'must be specified');
  const type = action.type;
  if (typeof type !== 'string') return issues.add(`${path}.type`, 'must be specified');
  if (!ALLOWED[place].includes(type)) {
    return issues.add(`${path}.type`, `Must be one of the following values: [${ALLOWED[place].join(', ')}]`);
  }
  issues.text(`${path}.label`, action.label, LABEL_MAX[place], { required: LABEL_REQUIRED[place] });
  switch (type) {
    case 'postback':
      issues.text(`${path}.data`, action.data, 300, { required: true });
      issues.text(`${path}.displayText`, action.displayText, 300);
      issues.text(`${path}.text`, action.text, 300);
      issues.text(`${path}.fillInText`, action.fillInText, 300);
      if (action.displayText !== undefined && action.text !== undefined)
        issues.add(`${path}.text`, 'displayText and text cannot be specified together');
      break;
    case 'message':
      issues.text(`${path}.text`, action.text, 300, { required: true });
      break;
    case 'uri':
      checkUri(issues, `${path}.uri`, action.uri);
      if (isObj(action.altUri)) checkUri(issues, `${path}.altUri.desktop`, action.altUri.desktop);
      break;
    case 'datetimepicker': {
      issues.text(`${path}.data`, action.data, 300, { required: true });
      const mode = action.mode;
      const re = mode === 'date' ? DATE : mode === 'time' ? TIME : mode === 'datetime' ? DATETIME : undefined;
      if (!re) issues.add(`${path}.mode`, 'Must be one of the following values: [date, time, datetime]');
      else
        for (const k of ['initial', 'max', 'min'])
          if (action[k] !== undefined && (typeof action[k] !== 'string' || !re.test(action[k])))
            issues.add(`${path}.${k}`, 'Invalid value');
      break;
    }
    case 'richmenuswitch':
      if (typeof action.richMenuAliasId !== 'string' || !/^[a-z0-9_-]{1,32}$/.test(action.richMenuAliasId))
        issues.add(
          `${path}.richMenuAliasId`,
          action.richMenuAliasId === undefined ? 'must be specified' : 'Invalid value',
        );
      issues.text(`${path}.data`, action.data, 300, { required: true });
      break;
    case 'clipboard':
      issues.text(`${path}.clipboardText`, action.clipboardText, 1000, { required: true });
      break;
  }
}

export function checkUri(issues: Issues, path: string, uri: unknown): void {
  if (uri === undefined) return issues.add(path, 'must be specified');
  if (typeof uri !== 'string' || !URI_SCHEMES.test(uri)) return issues.add(path, 'Invalid URI scheme');
  if (uri.length > 1000) issues.add(path, 'Length must be between 0 and 1000');
}
