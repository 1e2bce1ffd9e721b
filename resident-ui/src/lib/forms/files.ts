/**
 * Files and photos of a form item, checked in the browser before anything is uploaded: the count,
 * the size and the kind the item accepts (FORM_FILE_KINDS, the table the engine and the server
 * use), so a resident on a slow connection is not made to wait for a refusal. The server still
 * sniffs and measures what it stores. Pure.
 */
import { FORM_FILE_KINDS, type FormItemOf } from '@tsunagu/server/contracts';
import { t } from '../i18n.ts';

export type FileItem = FormItemOf<'file'>;

/** 1536 → 1.5KB, 2_500_000 → 2.4MB (as phones show sizes). */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n}B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10 * 1024 ? 1 : 0)}KB`;
  return `${(n / 1024 / 1024).toFixed(1)}MB`;
}

function extensionOf(name: string): string {
  return /\.([A-Za-z0-9]+)$/.exec(name)?.[1]?.toLowerCase() ?? '';
}

/** The `accept` attribute of the file input: MIME types and extensions of the accepted kinds. */
export function acceptAttribute(item: FileItem): string {
  const out: string[] = [];
  for (const kind of item.accept)
    for (const [mime, exts] of Object.entries(FORM_FILE_KINDS[kind].types) as Array<
      [string, readonly string[]]
    >)
      out.push(mime, ...exts.map((e) => `.${e}`));
  return out.join(',');
}

/** 「画像・PDF」: what the item accepts, in words. */
export function acceptedKinds(item: FileItem): string {
  return item.accept.map((k) => FORM_FILE_KINDS[k].label).join('・');
}

export function isAccepted(item: FileItem, file: { name: string; type: string }): boolean {
  const mime = file.type.toLowerCase();
  const ext = extensionOf(file.name);
  const generic = mime === '' || mime === 'application/octet-stream';
  return item.accept.some((k) => {
    const types: Record<string, readonly string[]> = FORM_FILE_KINDS[k].types;
    return mime in types || (generic && Object.values(types).some((exts) => exts.includes(ext)));
  });
}

export function isImageFile(file: { name: string; type: string }): boolean {
  return file.type.startsWith('image/') || /^(jpe?g|png|gif|webp|heic|heif)$/.test(extensionOf(file.name));
}

/**
 * Splits the files a resident chose into those to upload and the messages for the others
 * (too many, too large, not accepted), in the engine's words.
 */
export function checkChosenFiles<F extends { name: string; size: number; type: string }>(
  item: FileItem,
  chosen: readonly F[],
  alreadyAttached: number,
): { accepted: F[]; problems: string[] } {
  const accepted: F[] = [];
  const problems: string[] = [];
  const maxBytes = item.maxSizeMb * 1024 * 1024;
  let room = item.maxFiles - alreadyAttached;
  for (const file of chosen) {
    if (file.size === 0) problems.push(t('forms.file.empty', { name: file.name }));
    else if (file.size > maxBytes)
      problems.push(
        t('forms.file.tooLarge', { name: file.name, max: item.maxSizeMb, size: formatBytes(file.size) }),
      );
    else if (!isAccepted(item, file))
      problems.push(t('forms.file.wrongKind', { name: file.name, kinds: acceptedKinds(item) }));
    else if (room <= 0) problems.push(t('forms.file.tooMany', { name: file.name, max: item.maxFiles }));
    else {
      accepted.push(file);
      room--;
    }
  }
  return { accepted, problems };
}
