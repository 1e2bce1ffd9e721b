import { error } from '@sveltejs/kit';
import { ApiError } from '#lib/api/problem.ts';

/**
 * A staff member without the right to read a form's responses gets the API's 403 (404 for a form
 * of another organisation they may not see): say what it means here and what to do, instead of
 * the generic 「この操作を行う権限がありません」.
 */
export async function withResponseAccess<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof ApiError && e.status === 403)
      error(403, {
        message:
          'このフォームの回答を見る権限がありません。必要なときは、フォームを作成した課か管理者に「閲覧」の権限の付与を依頼してください。',
        status: 403,
      });
    if (e instanceof ApiError && e.status === 404)
      error(404, {
        message:
          'フォームまたは回答が見つかりません。削除されたか、見る権限のないフォームの可能性があります。',
        status: 404,
      });
    throw e;
  }
}
