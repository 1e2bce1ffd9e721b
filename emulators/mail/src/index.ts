export { startMailEmulator } from './app.js';
export type { CaughtMail, MailEmulatorOptions, RunningMailEmulator, SentMail } from './app.js';
