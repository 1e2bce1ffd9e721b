import type { FormFileRef } from '@tsunagu/server/contracts';
import { api } from '#lib/api/client.ts';
import { ApiError } from '#lib/api/problem.ts';

/**
 * Attaching a file to a file item as staff (a response typed in, or a 職員用 file item added
 * later): uploaded as chosen (POST /api/forms/:id/files), checked by the item's type and size
 * limits; the reference goes into the answers and the response claims it when saved.
 */
export function staffUploader(formId: string, itemCode: string) {
  return async (file: File): Promise<FormFileRef> => {
    try {
      return await api.post<FormFileRef>(
        `/api/forms/${encodeURIComponent(formId)}/files?item=${encodeURIComponent(itemCode)}`,
        undefined,
        {
          raw: { data: file, contentType: file.type || 'application/octet-stream' },
          headers: { 'X-File-Name': encodeURIComponent(file.name) },
        },
      );
    } catch (e) {
      if (e instanceof ApiError) throw new Error(e.errors[0]?.message ?? e.title, { cause: e });
      throw e;
    }
  };
}
