// See https://svelte.dev/docs/kit/types#app.d.ts
declare global {
  namespace App {
    interface Error {
      /** Japanese, shown to residents as it is. */
      message: string;
      /** Optional second sentence (what to do next). */
      detail?: string;
    }
  }
}

export {};
