/** The emulator as a library: tests of other packages can start one in-process. */
export {
  createEmulator,
  startEmulator,
  type AppOptions,
  type ChannelSeed,
  type RunningEmulator,
} from './app.js';
export { sign, verify } from './webhook/sign.js';
export { solidPng } from './util/png.js';
export type { ChannelInput } from './state/emulator.js';
