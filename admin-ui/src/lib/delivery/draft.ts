import { fromFlexContents, type CardDeck } from './flex-card';
import { newMessage, type LineMessage, type MessageKind } from './messages';

/** The composer's editing state of one message (DEL-6), beside the message object itself. */

export interface FlexState {
  mode: 'visual' | 'json';
  /** The cards of the visual editor (null while the JSON is not one of its layouts). */
  deck: CardDeck | null;
  json: string;
  /** Set while the JSON text cannot be parsed; the message keeps its last readable contents. */
  jsonError: string;
  /** The alternative text follows the first card's title until staff write their own. */
  autoAlt: boolean;
}

export interface ComposerItem {
  /** Stable key for keyed lists while messages are reordered. */
  key: string;
  message: LineMessage;
  flex: FlexState | null;
}

let seq = 0;
const nextKey = () => `m${Date.now().toString(36)}${seq++}`;

function flexStateOf(m: LineMessage, fresh: boolean): FlexState | null {
  if (m.type !== 'flex') return null;
  const deck = fromFlexContents(m.contents);
  return {
    mode: deck ? 'visual' : 'json',
    deck,
    json: deck ? '' : JSON.stringify(m.contents, null, 2),
    jsonError: '',
    autoAlt: fresh,
  };
}

/** An item for a message loaded from the server (or copied). */
export function itemOf(m: LineMessage): ComposerItem {
  const message = structuredClone(m);
  return { key: nextKey(), message, flex: flexStateOf(message, false) };
}

/** An item for a new message of a kind. */
export function newItem(kind: MessageKind): ComposerItem {
  const message = newMessage(kind);
  return { key: nextKey(), message, flex: flexStateOf(message, true) };
}
