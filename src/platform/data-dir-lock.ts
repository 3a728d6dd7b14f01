import { open, readFile, unlink } from 'node:fs/promises';
import path from 'node:path';

export class DataDirLockedError extends Error {}

/** Whether a process with this pid exists (EPERM: it does, but belongs to another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error: any) {
    return error.code === 'EPERM';
  }
}

/**
 * Takes `<dataDir>/kontor.lock` for this process. A lock left by a process that is gone
 * (killed, crashed) is taken over; one held by a live process refuses with a clear message.
 */
export async function acquireDataDirLock(dataDir: string): Promise<{ release(): Promise<void> }> {
  const file = path.join(dataDir, 'kontor.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return {
        release: async () => {
          await unlink(file).catch(() => {});
        },
      };
    } catch (error: any) {
      if (error.code !== 'EEXIST') throw error;
      const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      if (pid && pid !== process.pid && processAlive(pid)) {
        throw new DataDirLockedError(`the data directory ${dataDir} is in use by another Kontor process (pid ${pid}); stop it or set DATA_DIR`);
      }
      await unlink(file).catch(() => {});
    }
  }
  throw new DataDirLockedError(`could not lock the data directory ${dataDir}`);
}
