import { randomBytes } from 'node:crypto';
import { link, readFile, unlink, writeFile } from 'node:fs/promises';

/**
 * Writes `content` to `file` unless it exists, and returns what the file then holds: the
 * content is written whole to a scratch name and linked into place, so nobody ever reads a
 * half-written file, and of several processes racing to create it one wins and all agree.
 */
export async function writeFileOnce(file: string, content: string, mode: number): Promise<string> {
  const scratch = `${file}.tmp-${randomBytes(4).toString('hex')}`;
  await writeFile(scratch, content, { mode });
  try {
    await link(scratch, file);
  } catch (error: any) {
    if (error?.code !== 'EEXIST') throw error;
  } finally {
    await unlink(scratch).catch(() => {});
  }
  return readFile(file, 'utf8');
}
