/**
 * `kontor`: the operator CLI (migrations, orgs, API keys, Ledgy users and tokens). Run as `npm run kontor -- …`,
 * `npx kontor …` or through bin/kontor.mjs once installed.
 */
import { run } from './run.ts';

const code = await run(process.argv.slice(2), { env: process.env, stdout: process.stdout, stderr: process.stderr });
// Writes to a pipe or file are synchronous here, so nothing printed is lost by exiting now,
// and no idle keep-alive socket or timer holds the process open.
process.exit(code);
