/**
 * Where a 2,000-record LoginHistory page costs CPU in the worker's read path, per step, measured over real HTTP
 * from the simulator in this process: the request (the simulator's own work and gzip included), gunzip,
 * JSON.parse, the response envelope check, and the record mapping, hand-written (what collection runs) and
 * through the zod schema alone (what it ran before), both on the same records in the same run.
 */
import { gunzipSync } from 'node:zlib';
import { Agent, request } from 'undici';
import { loginHistorySpec, parseFast, parseWithSchema } from '../activities/collection/objects/login-history';
import { queryResultSchema } from '../salesforce/schemas';
import { clientCredentialsRequest } from '../simulator';
import { machine, num, printTable } from './harness/report';
import { startBenchSimulator } from './harness/stack';

export async function pageCost(args: { logins: number }): Promise<boolean> {
  console.log(`[page-cost] ${machine()}`);
  const sim = await startBenchSimulator();
  const org = sim.simulator.control.createOrg({ users: 2000, logins: args.logins, seed: 7 });
  const dispatcher = new Agent({ connections: 1 });
  try {
    const tokenRequest = clientCredentialsRequest(org);
    const tokenResponse = await request(tokenRequest.url, { ...tokenRequest.init, dispatcher });
    const token = (await tokenResponse.body.json()) as { access_token: string; instance_url: string };
    let url = `${token.instance_url}/services/data/v62.0/query?q=${encodeURIComponent(loginHistorySpec.soql(''))}`;
    const ms = { request: 0, gunzip: 0, json: 0, envelope: 0, mapping: 0, zodMapping: 0 };
    let pages = 0;
    let records = 0;
    for (;;) {
      let at = performance.now();
      const lap = (step: keyof typeof ms) => {
        const now = performance.now();
        ms[step] += now - at;
        at = now;
      };
      const res = await request(url, {
        dispatcher,
        headers: {
          authorization: `Bearer ${token.access_token}`,
          'accept-encoding': 'gzip',
          'sforce-query-options': 'batchSize=2000',
        },
      });
      const body = Buffer.from(await res.body.arrayBuffer());
      lap('request');
      const text = gunzipSync(body).toString('utf8');
      lap('gunzip');
      const parsed: unknown = JSON.parse(text);
      lap('json');
      const page = queryResultSchema.parse(parsed);
      lap('envelope');
      const fast = page.records.map((r) => parseFast(r) ?? parseWithSchema(r));
      lap('mapping');
      const reference = page.records.map((r) => parseWithSchema(r));
      lap('zodMapping');
      if (JSON.stringify(fast) !== JSON.stringify(reference)) throw new Error('the two mappings differ');
      pages += 1;
      records += page.records.length;
      if (page.done) break;
      url = `${token.instance_url}${page.nextRecordsUrl}`;
    }
    const per = (step: keyof typeof ms) => `${num(ms[step] / pages, 1)} ms`;
    printTable(`LoginHistory read path per page (${num(pages)} pages, ${num(records)} records)`, [
      ['request (simulator work, gzip, transfer)', per('request')],
      ['gunzip', per('gunzip')],
      ['JSON.parse', per('json')],
      ['response envelope (zod)', per('envelope')],
      ['record mapping, hand-written check', per('mapping')],
      ['record mapping, zod schema (before)', per('zodMapping')],
      ['zod ÷ hand-written', `${(ms.zodMapping / ms.mapping).toFixed(2)} ×`],
    ]);
    return true;
  } finally {
    await dispatcher.close(); // the simulator is stopped by the bench's cleanup
  }
}
