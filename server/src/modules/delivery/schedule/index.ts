/**
 * Scheduling-time library of the delivery module (DEL-3…5): Japan-time calendar arithmetic,
 * Japanese public holidays, recurrence rules, CSV import of patterns, date-relative reminders and
 * garbage-collection calendars. Pure: no database, no clock (callers pass the time).
 */
export * from './jst.js';
export * from './holidays.js';
export * from './recurrence.js';
export * from './describe.js';
export * from './recurrence-csv.js';
export * from './reminders.js';
export * from './garbage-calendar.js';
export type { TableError } from './csv-cells.js';
